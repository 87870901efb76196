"""Signals around fork(): a SIGTERM or Ctrl-C that lands while a child process is being forked is
raised inside Python's fork bookkeeping, where the exception is printed and ignored (the build would
go on). So the build holds both signals while it forks, and gets them right after; each child takes
them back as it starts."""
from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator

_HELD = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block forks; they are delivered when it ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def release_signals() -> None:
    """In a forked child: receive the signals its parent held while forking it."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)


@contextmanager
def yielding(step: int) -> Iterator[None]:
    """Lower this process's priority by step while the block runs (its children inherit it), then raise
    it back where the system allows: the build's own work waits while its pages are made."""
    import os
    try:
        before = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, 0, min(19, before + step))
    except (OSError, AttributeError):
        yield
        return
    try:
        yield
    finally:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, before)
        except OSError:
            pass  # only a privileged process may raise its priority again
