"""The staging folder made ready from the previous outputs while the project loads (prelink.py)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from conftest import Scratch
from generator.prelink import prepare

AS_OF = "2025-09-25"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def output(folder: Path, files: dict[str, bytes], manifest: dict[str, bytes] | None = None) -> Path:
    """An output folder holding files, with a manifest naming the hashes of manifest (default: files)."""
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    named = files if manifest is None else manifest
    (folder / "manifest.json").write_text(json.dumps({rel: sha(data) for rel, data in named.items()}))
    return folder


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_prepare_keeps_unchanged_files_links_the_others_and_deletes_the_rest(tmp_path: Path) -> None:
    """staging (an older output) ends holding exactly the previous output's files, each as its manifest says."""
    staging = output(tmp_path / "staging", {"a.html": b"same", "d/b.html": b"old b", "stray.txt": b"x"},
                     manifest={"a.html": b"same", "d/b.html": b"old b"})
    (staging / "empty" / "deeper").mkdir(parents=True)
    kept_inode = (staging / "a.html").stat().st_ino
    out = output(tmp_path / "out", {"a.html": b"same", "d/b.html": b"new b", "c/c.docx": b"c"})
    held = prepare(out, staging)
    assert held == {"a.html": 4, "d/b.html": 5, "c/c.docx": 1}
    assert tree(staging) == {"a.html": b"same", "d/b.html": b"new b", "c/c.docx": b"c"}
    assert (staging / "a.html").stat().st_ino == kept_inode  # unchanged between the manifests: not touched
    assert (staging / "d/b.html").stat().st_ino == (out / "d/b.html").stat().st_ino  # linked
    assert not (staging / "empty").exists() and not (staging / "manifest.json").exists()


def test_prepare_trusts_no_file_touched_after_its_manifest(tmp_path: Path) -> None:
    """A file edited by hand after the manifest (newer mtime), in either folder, is not held: the build writes it."""
    staging = output(tmp_path / "staging", {"a.html": b"same", "b.html": b"same too"})
    out = output(tmp_path / "out", {"a.html": b"same", "b.html": b"same too", "c.html": b"c"})
    later = os.stat(out / "manifest.json").st_mtime_ns + 10**9
    os.utime(staging / "a.html", ns=(later, later))  # edited in the older output
    os.utime(out / "c.html", ns=(later, later))  # edited in the previous output
    assert prepare(out, staging) == {"a.html": 4, "b.html": 8}
    assert (staging / "a.html").stat().st_ino == (out / "a.html").stat().st_ino  # linked again from out


def test_prepare_from_an_empty_staging_links_every_file(tmp_path: Path) -> None:
    (tmp_path / "staging").mkdir()
    out = output(tmp_path / "out", {"a.html": b"a", "x/y/z.css": b"zz"})
    assert prepare(out, tmp_path / "staging") == {"a.html": 1, "x/y/z.css": 2}
    assert tree(tmp_path / "staging") == {"a.html": b"a", "x/y/z.css": b"zz"}


def test_rebuilds_from_a_set_aside_output_equal_a_cold_build(scratch_project: Scratch, run_cli,
                                                             tmp_path: Path) -> None:
    """Deleted CRCs, files dropped by hand into the output and its set-aside copy: the rebuild is still
    byte-identical to a build from nothing, and leaves no staging folder behind."""
    scratch_project.crc()
    other = scratch_project.crc("beta.yaml", replace={"client: ACME SAS": "client: Beta SA",
                                                      "client_code: ACME": "client_code: BETA",
                                                      "OPP-2025-014": "OPP-2025-020"})
    out = tmp_path / "site"

    def build(*extra: str) -> None:
        code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(out),
                               "--as-of", AS_OF, *extra)
        assert code == 0, err
    build()
    build("--as-of", "2025-09-26")
    assert (tmp_path / ".site.trash").is_dir()
    (out / "stray.html").write_text("dropped by hand")
    (tmp_path / ".site.trash" / "crc" / "stray.docx").write_text("dropped in the set-aside output")
    other.unlink()
    build("--as-of", "2025-09-27")
    code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(tmp_path / "cold"),
                           "--as-of", "2025-09-27", "--no-cache")
    assert code == 0, err
    warm, cold = tree(out), tree(tmp_path / "cold")
    assert warm == cold
    assert not any("BETA" in rel for rel in warm)
    assert sorted(os.listdir(out)) == sorted(os.listdir(tmp_path / "cold"))
    assert not (tmp_path / ".site.staging").exists()
    shutil.rmtree(tmp_path / "cold")


def test_a_build_that_cannot_fork_prepares_its_staging_folder_itself(scratch_project: Scratch, run_cli,
                                                                      tmp_path: Path) -> None:
    """From a thread (as `dealdocs serve` builds) no process is forked: the set-aside output is made the
    previous one in the build's own process, and the rebuild is still that of a cold build."""
    import threading
    from datetime import date
    from generator.pipeline import build
    scratch_project.crc()
    other = scratch_project.crc("beta.yaml", replace={"client: ACME SAS": "client: Beta SA",
                                                      "client_code: ACME": "client_code: BETA",
                                                      "OPP-2025-014": "OPP-2025-020"})
    out = tmp_path / "site"
    for as_of in (AS_OF, "2025-09-26"):
        code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(out), "--as-of", as_of)
        assert code == 0, err
    assert (tmp_path / ".site.trash").is_dir()
    other.unlink()
    results = []
    thread = threading.Thread(target=lambda: results.append(build(scratch_project.root, out, date(2025, 9, 27))))
    thread.start()
    thread.join()
    assert results and not results[0].failed(False)
    code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(tmp_path / "cold"),
                           "--as-of", "2025-09-27", "--no-cache")
    assert code == 0, err
    assert tree(out) == tree(tmp_path / "cold")


def _dies_half_way(conn, parent_end, out, staging) -> None:
    parent_end.close()
    (staging / "half.html").write_text("linked before dying")
    os._exit(3)


def test_a_prelinks_process_that_dies_leaves_an_empty_staging_folder(tmp_path: Path, monkeypatch) -> None:
    """What a failed process linked is unknown: the build starts from an empty folder and claims nothing."""
    from generator import prelink
    out = output(tmp_path / "out", {"a.html": b"a"})
    (tmp_path / "staging").mkdir()
    monkeypatch.setattr(prelink, "_prepare_child", _dies_half_way)
    started = prelink.Prelinks.start(out, tmp_path / "staging")
    assert started.result() == {}
    assert list((tmp_path / "staging").iterdir()) == []
    started.close()
