"""The build's worker pool: results reach the callback before wait() returns, failures are redone here."""
from __future__ import annotations

import os
import time

import pytest

from generator.workers import Workers

PARENT = os.getpid()


def square(x: int) -> int:
    return x * x


def dies_in_a_worker(x: int) -> int:
    if x == 3 and os.getpid() != PARENT:
        os._exit(1)  # a worker killed mid-task (out of memory, say)
    return x * x


def test_small_batches_run_here_in_order() -> None:
    seen: list[tuple[int, int]] = []
    with Workers(2) as workers:
        workers.map(square, [1, 2, 3], lambda i, r: seen.append((i, r))).wait()
        assert not workers.started
    assert seen == [(0, 1), (1, 4), (2, 9)]


def test_every_result_is_delivered_before_wait_returns() -> None:
    seen: dict[int, int] = {}

    def slow(i: int, result: int) -> None:
        time.sleep(0.01)  # a slow callback (writing a file) must still finish before wait() returns
        seen[i] = result
    with Workers(2) as workers:
        batch = workers.map(square, list(range(20)), slow, order=list(reversed(range(20))))
        assert workers.started
        batch.wait()
        assert seen == {i: i * i for i in range(20)}


def test_a_callback_error_is_raised_by_wait() -> None:
    def fails(i: int, result: int) -> None:
        if i == 5:
            raise OSError(28, "No space left on device")
    with Workers(2) as workers:
        batch = workers.map(square, list(range(10)), fails)
        with pytest.raises(OSError, match="No space left"):
            batch.wait()


def test_a_task_whose_worker_died_is_redone_here() -> None:
    seen: dict[int, int] = {}
    with Workers(2) as workers:
        workers.map(dies_in_a_worker, list(range(10)), seen.__setitem__).wait()
    assert seen == {i: i * i for i in range(10)}


def test_the_pool_forks_no_more_processes_than_its_first_tasks_need() -> None:
    """One document to render beside the site: one worker, not one per core (each fork copies pages)."""
    pids: set[int] = set()
    with Workers(4, threshold=1) as workers:
        workers.map(_pid, [0], lambda i, r: pids.add(r)).wait()
        workers.map(_pid, list(range(8)), lambda i, r: pids.add(r)).wait()
        assert workers._pool is not None and workers._pool._max_workers == 1
    assert len(pids) == 1 and PARENT not in pids


def _pid(_: int) -> int:
    return os.getpid()
