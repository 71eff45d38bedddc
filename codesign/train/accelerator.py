"""Which torch device trains: ``auto`` (CUDA when torch sees a GPU, else the CPU), ``cpu``
or ``cuda``. One code path for both: the model and the data are moved to the device once
(train_one_run, train_domain); every tensor the loop makes is made on the device of the
data it belongs to, so nothing in training names a device but this module.

On the CPU the numbers are bit-identical per seed whatever this module does (moving a
tensor to the device it is on is a no-op). On CUDA they are deterministic up to the GPU's
kernels (not bit-identical to the CPU's: float sums run in another order) and lie within
seed noise of the CPU's (benchmarks/gpu_check.py measures it on a GPU machine).
"""

from __future__ import annotations

from codesign.errors import InputError

ACCELERATORS = ("auto", "cpu", "cuda")
RESOLVED = ("cpu", "cuda")  # what a run records: the device that ran it


class AcceleratorError(InputError, ValueError):
    """An --accelerator the machine cannot honour (one line naming the option)."""


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def resolve_accelerator(choice: str, option: str = "--accelerator") -> str:
    """``auto``/``cpu``/``cuda`` -> the device that will run (``cpu`` or ``cuda``)."""
    if choice not in ACCELERATORS:
        raise AcceleratorError(f"{option}: expected one of {', '.join(ACCELERATORS)}, got {choice!r}")
    if choice == "auto":
        return "cuda" if cuda_available() else "cpu"
    if choice == "cuda" and not cuda_available():
        raise AcceleratorError(f"{option} cuda: torch sees no CUDA GPU on this machine "
                               f"(use --accelerator cpu or auto)")
    return choice


def torch_device(accelerator: str):
    """The torch.device of a resolved accelerator name."""
    import torch

    return torch.device(accelerator)
