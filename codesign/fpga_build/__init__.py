"""``codesign build``: FINN builds for a set of domains, verified per domain.

One architecture + several trained domains -> one shared static FINN design (fixed
backbone nodes ``internal_embedded``; reconfigurable nodes with run-time-writeable
memories) + one small memory image per domain, each verified against its Brevitas
model. Modules, in pipeline order: inputs (check + hash), domains (FINN conversion),
shared (alignment, bit-identical fixed nodes), codegen (folding, reports, per-node
code), weights (memory images, AXI-lite writes), verify, vendor (Vivado/Vitis
hand-off), readme, folder (atomic install), pipeline (the order).
"""

from codesign.fpga_build.errors import BuildError, SharingError, VerificationError

__all__ = ["BuildError", "SharingError", "VerificationError"]
