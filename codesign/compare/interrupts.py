"""A Ctrl-C the coordinator cannot lose.

Python turns SIGINT into a KeyboardInterrupt in whatever the main thread runs at that
moment. When that is a finaliser (``__del__``, a weakref callback: garbage collection can
run them at any allocation), CPython prints "Exception ignored" and goes on: the
interrupt is lost and the comparison runs to its end. The latch remembers the signal, and
the executor checks it between waits, so a swallowed Ctrl-C is raised again within
``POLL_SECONDS``.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

POLL_SECONDS = 0.5  # longest a swallowed Ctrl-C waits to be raised again


class InterruptLatch:
    def __init__(self) -> None:
        self.requested = False

    def check(self) -> None:
        """Raise KeyboardInterrupt if SIGINT arrived since the latch was set."""
        if self.requested:
            raise KeyboardInterrupt


@contextmanager
def sigint_latch() -> Iterator[InterruptLatch]:
    """While active, SIGINT both raises KeyboardInterrupt (as Python's default handler
    does) and sets the latch. Only in the main thread and only over Python's default
    handler: an ignored SIGINT or an application's own handler is left alone."""
    latch = InterruptLatch()
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is not signal.default_int_handler:
        yield latch
        return

    def remember_and_raise(signum, frame):
        latch.requested = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, remember_and_raise)
    try:
        yield latch
    finally:
        signal.signal(signal.SIGINT, previous)
