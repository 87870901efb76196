"""Per-stage wall-clock timings of a run (for the benchmark's stage split)."""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from typing import Iterator

_totals: dict[str, float] = {}


@contextmanager
def measure(stage: str) -> Iterator[None]:
    """Add the time spent in the block to the stage's total."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _totals[stage] = _totals.get(stage, 0.0) + time.perf_counter() - start


def totals() -> dict[str, float]:
    """Seconds per stage so far."""
    return dict(_totals)


def dump_if_requested() -> None:
    """Write the totals to $DEALDOCS_TIMINGS when it names a file."""
    target = os.environ.get("DEALDOCS_TIMINGS")
    if target:
        with open(target, "w", encoding="utf-8") as fh:
            json.dump({k: round(v, 4) for k, v in _totals.items()}, fh, indent=2)
