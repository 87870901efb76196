"""The long fuzz run: the properties of tests/test_fuzz.py over many examples, crashes collected.

    python bench/fuzz.py                   # 10,000 repositories, 1,000 hostile CRCs, 500 user templates
    python bench/fuzz.py 20000 2000 1000   # more
    python bench/fuzz.py 100 50 300 --seed 7

Unlike pytest, the run does not stop at the first failure: every failing example is recorded
by its signature (exception type and the generator frame that raised it), and the report
(also written to bench/out/fuzz.json) lists each distinct failure with one example input.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
FAILED = REPO / "bench" / "out" / "failures"
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import test_fuzz as tf  # noqa: E402


def signature(exc: BaseException) -> str:
    """The exception type, its message's start and the innermost generator frame."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/generator/" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "test"
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = re.sub(r"\d+", "N", re.sub(r"'message': .*", "", text))[:100]
    return f"{type(exc).__name__} at {where}: {text}"


def run_property(name: str, strategy: st.SearchStrategy, body: Callable[[Any], None], n: int, rng: int,
                 failures: dict[str, dict]) -> float:
    """Run body over n generated examples, recording failures instead of stopping."""
    @seed(rng)
    @settings(max_examples=max(n, 1), deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate])
    @given(strategy)
    def prop(value: Any) -> None:
        try:
            body(value)
        except Exception as exc:  # noqa: BLE001 — collected, not hidden
            key = f"{name}: {signature(exc)}"
            entry = failures.setdefault(key, {"count": 0, "example": repr(value)[:600]})
            entry["count"] += 1
            if entry["count"] == 1:  # the whole input, to replay it
                FAILED.mkdir(parents=True, exist_ok=True)
                (FAILED / f"{name}-{len(failures)}.repr").write_text(repr(value), encoding="utf-8")

    start = time.perf_counter()
    if n > 0:
        prop()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check_examples", type=int, nargs="?", default=10_000)
    parser.add_argument("build_examples", type=int, nargs="?", default=1_000)
    parser.add_argument("template_examples", type=int, nargs="?", default=500)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    failures: dict[str, dict] = {}

    def check(files: dict[str, bytes]) -> None:
        tf.STATS["check examples"] += 1
        *_, tmp = tf.check_project(files)
        tmp.cleanup()

    def build(edits: list) -> None:
        tf.STATS["build examples"] += 1
        tf.test_hostile_text_is_refused_or_rendered_safely.hypothesis.inner_test(edits)

    t1 = run_property("check", tf.project_files(), check, args.check_examples, args.seed, failures)
    edits = st.lists(st.tuples(st.sampled_from(tf.TEXT_FIELDS), tf.hostile_text()), min_size=1, max_size=5)
    t2 = run_property("build", edits, build, args.build_examples, args.seed, failures)

    def template(value: tuple[str, bytes]) -> None:
        tf.STATS["template examples"] += 1
        tf.test_hostile_user_templates_are_findings.hypothesis.inner_test(value)

    t3 = run_property("template", tf.user_template(), template, args.template_examples, args.seed, failures)
    report = {"check_examples": tf.STATS["check examples"], "build_examples": tf.STATS["build examples"],
              "template_examples": tf.STATS["template examples"],
              "seconds": {"check": round(t1, 1), "build": round(t2, 1), "template": round(t3, 1)},
              "stats": dict(tf.STATS.most_common()), "failures": failures}
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "fuzz.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"check: {report['check_examples']} examples in {t1:.0f} s; "
          f"build: {report['build_examples']} examples in {t2:.0f} s; "
          f"templates: {report['template_examples']} examples in {t3:.0f} s")
    for key, value in tf.STATS.most_common(40):
        print(f"  {value:7d}  {key}")
    print(f"{len(failures)} distinct failure(s)")
    for key, entry in sorted(failures.items(), key=lambda kv: -kv[1]["count"]):
        print(f"  {entry['count']:6d}  {key}\n          e.g. {entry['example'][:300]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
