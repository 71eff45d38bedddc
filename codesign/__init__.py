"""codesign: FPGA/accelerator co-design of multi-domain quantised CNNs."""

import logging as _logging

# torch's C++-extension helper (imported by brevitas) warns about a missing CUDA
# runtime on every start; the CPU is the intended device here, so keep the CLI quiet.
_logging.getLogger("torch.utils.cpp_extension").setLevel(_logging.ERROR)

__version__ = "0.1.0"
