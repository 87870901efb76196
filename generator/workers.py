"""One pool of worker processes per build, shared by the Word documents and the print pages.

Tasks go to the pool once there is enough work to share (else they run here, in order); each
result comes back through a callback as soon as it is ready, so the caller writes it at once
instead of holding every result in memory. The pool is forked by the first submission, before
the build starts any other thread of its own.
"""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable, Optional, Sequence

from .forks import release_signals, signals_held

log = logging.getLogger(__name__)

Done = Callable[[int, Any], None]


def worker_count(jobs: Optional[int]) -> int:
    """--jobs, else one worker per core (at most 8)."""
    return jobs if jobs is not None else min(os.cpu_count() or 1, 8)


class Batch:
    """Tasks submitted together; wait() returns once every result has been handed to the callback.

    The batch keeps no finished future: a result is dropped as soon as its callback has run, so a
    build holds only the results still in flight.
    """

    def __init__(self, fn: Callable[[Any], Any], args: Sequence[Any], on_done: Done) -> None:
        self.fn, self.args, self.on_done = fn, args, on_done
        self.remaining = 0
        self.failed: list[int] = []  # tasks whose worker died: redone here by wait()
        self.error: Optional[BaseException] = None  # raised by a callback in the pool's thread
        self._done = threading.Condition()

    def deliver(self, future: Future, i: int) -> None:
        """Hand a finished task's result to the callback (runs in the pool's thread)."""
        try:
            if future.cancelled() or future.exception() is not None:
                self.failed.append(i)
            elif self.error is None:
                self.on_done(i, future.result())
        except BaseException as exc:  # noqa: BLE001 — kept for wait(), which runs in the build's thread
            self.error = exc
        finally:
            with self._done:
                self.remaining -= 1
                self._done.notify_all()

    def wait(self) -> None:
        """Wait for every callback; redo here a task whose worker died; raise a callback's error here."""
        with self._done:
            while self.remaining > 0:
                self._done.wait()
        failed, self.failed = sorted(self.failed), []
        if failed and self.error is None:
            log.warning("%d task%s failed in a worker process; finishing them in this process", len(failed),
                        "" if len(failed) == 1 else "s")
            for i in failed:
                self.on_done(i, self.fn(self.args[i]))
        if self.error is not None:
            error, self.error = self.error, None
            raise error


class Workers:
    """Runs tasks in worker processes when there is enough work to share, else in this process."""

    def __init__(self, count: int, threshold: int = 8) -> None:
        self.count = count
        self.threshold = threshold
        self._pool: Optional[ProcessPoolExecutor] = None

    def map(self, fn: Callable[[Any], Any], args: Sequence[Any], on_done: Done,
            order: Optional[Sequence[int]] = None) -> Batch:
        """Run fn(args[i]) for every i (in `order` if given); on_done(i, result) as each one finishes."""
        batch = Batch(fn, args, on_done)
        indexes = list(order) if order is not None else list(range(len(args)))
        if self._pool is None and (self.count <= 1 or len(args) < self.threshold):
            for i in indexes:
                on_done(i, fn(args[i]))
            return batch
        pool = self._ensure_pool(len(indexes))
        batch.remaining = len(indexes)
        for i in indexes:
            try:
                with signals_held():  # the first submission forks the workers
                    future = pool.submit(fn, args[i])
            except Exception:  # noqa: BLE001 — a pool broken meanwhile: wait() does the task here
                with batch._done:
                    batch.remaining -= 1
                    batch.failed.append(i)
                continue
            future.add_done_callback(lambda f, i=i: batch.deliver(f, i))
        return batch

    @property
    def started(self) -> bool:
        """Whether the worker processes exist (forked by an earlier submission)."""
        return self._pool is not None

    def _ensure_pool(self, tasks: int) -> ProcessPoolExecutor:
        """The pool, forked for the first tasks: no more processes than they need (each fork of a build
        that holds 10,000 records costs copies of its memory pages), at most count."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=max(1, min(self.count, tasks)), initializer=release_signals)
        return self._pool

    def close(self, cancel: bool = False) -> None:
        """Stop the workers (cancelling what has not started when cancel is true)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.close(cancel=kind is not None)

