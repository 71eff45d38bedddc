"""Errors of ``codesign build``: one line each, naming the domain, node or resource.

Which exit status (codesign/errors.py): what the inputs alone decide is an input error
(exit 2); what only FINN's conversion of valid inputs reveals is a rejected design
(exit 3). The two design kinds must not derive from ``BuildError``: the command line
tests ``InputError`` first, so a rejection that is also an ``InputError`` exits 2.
"""

from codesign.errors import DesignRejected, InputError


class BuildError(InputError, ValueError):
    """The inputs cannot give a build (missing or foreign checkpoint, a head of another
    shape, a bad option, an output folder that is not ours)."""


class SharingError(DesignRejected, ValueError):
    """FINN's conversions of the domains cannot share one static design (a domain's values
    reach a fixed node, exceed the shared memory's datatype, need a memory FINN does not
    make run-time writeable, or give thresholds the RTL cannot search)."""


class VerificationError(DesignRejected, ValueError):
    """A domain's FINN graph does not compute what its Brevitas model computes."""
