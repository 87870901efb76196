"""The benchmark runs end to end at a small size (no timing assertions)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_small(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--crcs", "50", "--cards", "20",
                           "--kb", "5", "--work", str(tmp_path / "work"), "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["results"]) == {"check (cold)", "check (warm)", "check (warm, one CRC edited)",
                                      "build (cold)", "rebuild (no-op)",
                                      "rebuild (one CRC edited)", "rebuild (one card edited)",
                                      "rebuild (one KB page edited)"}
    for name, result in report["results"].items():
        assert result["exit"] in (0, 1), name
        assert result["seconds"] > 0 and result["peak_mib"] > 0
    assert report["results"]["build (cold)"]["stages"]["word+html"] > 0
    assert report["word_ms_per_document"] > 0
    site = tmp_path / "work" / "site"
    assert len([p for p in (site / "crc").glob("*.docx") if not p.name.endswith("-redline.docx")]) == 50


def test_synthetic_repository_is_deterministic(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from synth import generate
    generate(tmp_path / "a", 30, 10, 3)
    generate(tmp_path / "b", 30, 10, 3)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)
