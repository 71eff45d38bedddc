"""Errors of ``codesign build``: one line each, naming the domain, node or resource."""


class BuildError(ValueError):
    """The inputs cannot give a build (missing or foreign checkpoint, a domain that does
    not fit the shared design, a device too small, an output folder that is not ours)."""


class VerificationError(BuildError):
    """A domain's FINN graph does not compute what its Brevitas model computes."""
