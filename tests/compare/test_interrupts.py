"""The SIGINT latch: a Ctrl-C swallowed where CPython ignores exceptions is raised again."""

from __future__ import annotations

import signal

import pytest

from codesign.compare.interrupts import sigint_latch


def test_a_swallowed_ctrl_c_is_raised_again_at_the_next_check():
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own, as in the CLI
    try:
        with sigint_latch() as latch:
            latch.check()  # nothing yet
            handler = signal.getsignal(signal.SIGINT)
            assert handler is not signal.default_int_handler
            with pytest.raises(KeyboardInterrupt):
                handler(signal.SIGINT, None)  # still a KeyboardInterrupt where it lands
            # ... which CPython prints and drops inside a __del__ or a weakref callback
            with pytest.raises(KeyboardInterrupt):
                latch.check()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)


def test_another_handler_is_left_alone():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGINT, mine)
    try:
        with sigint_latch() as latch:
            assert signal.getsignal(signal.SIGINT) is mine
            latch.check()
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, previous)
