"""Signals held while the build forks (forks.py)."""
from __future__ import annotations

import os
import signal

from generator.forks import signals_held


def test_a_signal_sent_while_forking_is_delivered_right_after() -> None:
    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: got.append(number))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            assert got == []  # held: not raised inside fork()'s bookkeeping
        assert got == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_yielding_lowers_the_priority_for_the_block() -> None:
    from generator.forks import yielding
    before = os.getpriority(os.PRIO_PROCESS, 0)
    with yielding(3):
        assert os.getpriority(os.PRIO_PROCESS, 0) == min(19, before + 3)
    assert os.getpriority(os.PRIO_PROCESS, 0) in (before, min(19, before + 3))  # raised back where allowed
