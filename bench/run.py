"""Benchmark: times dealdocs on a synthetic repository, each scenario in its own process.

    python bench/run.py --crcs 1000 --cards 300 --kb 50 [--json bench/out/results.json]

Prints a table (seconds, peak RSS) and writes JSON. Never asserts: targets are in README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from synth import generate  # noqa: E402


def run(args: list[str], cwd: Path, env: dict[str, str]) -> dict:
    """Run `python -m generator ARGS` and measure wall time, peak RSS and stage timings."""
    timings = Path(tempfile.mktemp(suffix=".json"))
    env = dict(env, DEALDOCS_TIMINGS=str(timings))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=str(HERE.parent), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    stages = json.loads(timings.read_text()) if timings.exists() else {}
    timings.unlink(missing_ok=True)
    if code not in (0, 1):
        print(f"  ! exit {code}: {err[-500:]}", file=sys.stderr)
    return {"seconds": round(wall, 3), "peak_mib": round(usage.ru_maxrss / 1024, 1), "exit": code, "stages": stages}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def scenarios(repo: Path, as_of: str, out: Path) -> dict[str, dict]:
    """Every scenario of the benchmark, in order (they build on each other's cache)."""
    env = dict(os.environ, CI="1")
    root = ["--root", str(repo)]
    results: dict[str, dict] = {}
    cache = repo / ".dealdocs-cache"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    results["check (cold)"] = run(["check", *root, "--as-of", as_of, "--quiet"], repo, env)
    results["check (warm)"] = run(["check", *root, "--as-of", as_of, "--quiet"], repo, env)
    touched = sorted((repo / "content" / "crc").rglob("*.yaml"))[-1]
    touched.write_text(touched.read_text(encoding="utf-8") + "# relu\n", encoding="utf-8")
    results["check (warm, one CRC edited)"] = run(["check", *root, "--as-of", as_of, "--quiet"], repo, env)
    build = ["build", *root, "--out", str(out), "--as-of", as_of, "--quiet"]
    shutil.rmtree(cache, ignore_errors=True)
    results["build (cold)"] = run(build, repo, env)
    results["rebuild (no-op)"] = run(build, repo, env)
    crc = sorted((repo / "content" / "crc").rglob("*.yaml"))[0]
    edit(crc, "Qualifier le besoin", "Qualifier précisément le besoin")
    results["rebuild (one CRC edited)"] = run(build, repo, env)
    card = sorted((repo / "content" / "cards").rglob("*.yaml"))[0]
    edit(card, "Besoin SSO", "Besoin SSO urgent")
    results["rebuild (one card edited)"] = run(build, repo, env)
    page = sorted((repo / "content" / "kb").rglob("*.md"))[0]
    edit(page, "Accuser réception", "Accuser réception calmement")
    results["rebuild (one KB page edited)"] = run(build, repo, env)
    return results


def word_per_document(repo: Path, as_of: str) -> float:
    """Milliseconds per Word document on one core, default template, no cache."""
    from datetime import date

    from generator.outputs import crc_contexts
    from generator.project import load_project
    from generator.render.docx import DocxRenderer
    from generator.templates import DEFAULTS

    project = load_project(repo, date.fromisoformat(as_of))
    items = crc_contexts(project)[:200]
    renderer = DocxRenderer(DEFAULTS / "crc.docx", "crc.docx")
    renderer.render(items[0][1])
    start = time.perf_counter()
    for _, ctx in items:
        renderer.render(ctx)
    return round((time.perf_counter() - start) / len(items) * 1000, 2)


def table(results: dict[str, dict]) -> str:
    """A Markdown table of the results."""
    lines = ["| scenario | seconds | peak MiB | main stages (s) |", "|---|---:|---:|---|"]
    for name, r in results.items():
        stages = ", ".join(f"{k} {v:.2f}" for k, v in sorted(r["stages"].items(), key=lambda kv: -kv[1])[:5])
        lines.append(f"| {name} | {r['seconds']:.2f} | {r['peak_mib']:.0f} | {stages} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crcs", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--kb", type=int, default=50)
    parser.add_argument("--work", type=Path, default=HERE / "out")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    repo = args.work / "repo"
    print(f"generating {args.crcs} CRC versions, {args.cards} cards, {args.kb} KB pages in {repo} ...")
    as_of = generate(repo, args.crcs, args.cards, args.kb).isoformat()
    results = scenarios(repo, as_of, args.work / "site")
    per_doc = word_per_document(repo, as_of)
    print(table(results))
    print(f"\nWord rendering: {per_doc} ms per document on one core (default template)")
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "size": {"crcs": args.crcs, "cards": args.cards, "kb": args.kb},
              "results": results, "word_ms_per_document": per_doc}
    target = args.json or args.work / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
