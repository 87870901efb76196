"""`dealdocs build` end to end: Word + HTML documents, index, manifest, determinism, atomicity."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import docx
import pytest

from conftest import Scratch

NAME = "CRC-2025-09-19-ACME-v1.0"
AS_OF = "2025-09-25"


def build(scratch: Scratch, run_cli, out: Path, *extra: str) -> int:
    code, _, _ = run_cli("build", "--root", str(scratch.root), "--out", str(out), "--as-of", AS_OF, *extra)
    return code


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


@pytest.fixture
def built(scratch_project: Scratch, run_cli, tmp_path: Path) -> Path:
    scratch_project.crc(replace={"Budget annuel en arbitrage.": "<script>alert('x')</script> & co"})
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    return out


def test_word_document_text_and_structure(built: Path) -> None:
    path = built / "crc" / f"{NAME}.docx"
    text = docx_text(path)
    for expected in ("ACME SAS", "OPP-2025-014", "Qualifier le besoin SSO", "M. Dubois", "Mme Leroy",
                     "Douleur principale", "Go pour un cadrage fonctionnel.", "ROI préliminaire avant le comité",
                     "Réunion de cadrage multi-parties", "Brief besoins", "Comité de décision",
                     "Enregistrement de la réunion", "10/10",
                     "Merci de répondre VALIDÉ ou de corriger en rouge avant le 24/09/2025 à 17:00",
                     "<script>alert('x')</script> & co"):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text
    document = docx.Document(str(path))
    assert len(document.tables) >= 4
    risk_rows = [r for t in document.tables for r in t.rows if "ROI préliminaire avant le comité" in r.cells[-1].text]
    assert risk_rows, "the risks table carries the mitigation in its own column"
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml


def test_html_is_standalone_and_escaped(built: Path) -> None:
    html = (built / "crc" / f"{NAME}.html").read_text(encoding="utf-8")
    assert "<style>" in html and "<link" not in html and "<script" not in html
    assert "&lt;script&gt;" in html
    assert "Merci de répondre VALIDÉ" in html
    assert "@page" in html


def test_index_and_manifest(built: Path) -> None:
    index = json.loads((built / "crc" / "index.json").read_text(encoding="utf-8"))
    assert [row["name"] for row in index] == [NAME]
    row = index[0]
    assert list(row) == ["name", "client", "opportunity", "date", "type", "version", "keywords",
                         "participants", "score", "status", "sha256"]
    assert row["score"] == 10 and row["status"] == "draft" and row["version"] == "1.0"
    assert row["sha256"] == hashlib.sha256((built / "crc" / f"{NAME}.docx").read_bytes()).hexdigest()
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    files = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest) == files
    for rel, digest in manifest.items():
        assert hashlib.sha256((built / rel).read_bytes()).hexdigest() == digest


def test_builds_are_byte_identical_cold_and_warm(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    assert build(scratch_project, run_cli, tmp_path / "a") == 0
    assert build(scratch_project, run_cli, tmp_path / "b") == 0          # warm: from the cache
    shutil.rmtree(scratch_project.root / ".dealdocs-cache")
    assert build(scratch_project, run_cli, tmp_path / "c", "--jobs", "1") == 0  # cold again
    assert tree(tmp_path / "a") == tree(tmp_path / "b") == tree(tmp_path / "c")


def test_corrupted_cache_entry_is_rebuilt(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    assert build(scratch_project, run_cli, tmp_path / "a") == 0
    for entry in (scratch_project.root / ".dealdocs-cache").rglob("*.bin"):
        data = bytearray(entry.read_bytes())
        data[-10] ^= 0xFF
        entry.write_bytes(bytes(data))
    assert build(scratch_project, run_cli, tmp_path / "b") == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_failed_build_leaves_previous_output(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    before = tree(out)
    scratch_project.crc(replace={"type: discovery": "type: lunch"})
    assert build(scratch_project, run_cli, out) == 1
    assert tree(out) == before
    assert not list(tmp_path.glob(".site.staging*"))


def test_user_template_overrides_builtin(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    scratch_project.write("templates/crc.html.j2", "<p>Mon modèle {{ name }} {{ client }}</p>\n")
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    assert (out / "crc" / f"{NAME}.html").read_text(encoding="utf-8") == f"<p>Mon modèle {NAME} ACME SAS</p>\n"


def test_broken_user_template_is_a_finding(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    scratch_project.write("templates/crc.html.j2", "<p>{{ name }</p>\n")
    code, out, _ = run_cli("build", "--root", str(scratch_project.root), "--out", str(tmp_path / "s"), "--as-of", AS_OF)
    assert code == 1
    assert "templates/crc.html.j2:1: error:" in out


def test_client_name_folding_in_file_name(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc(replace={"client: ACME SAS\nclient_code: ACME\n": "client: Société Générale\n"})
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    assert (out / "crc" / "CRC-2025-09-19-SocieteGenerale-v1.0.docx").is_file()


def test_new_crc_skeleton(scratch_project: Scratch, run_cli) -> None:
    code, out, _ = run_cli("new", "crc", "--root", str(scratch_project.root), "--type", "negotiation",
                           "--client", "l'oréal", "--date", "2025-10-02")
    assert code == 0
    path = Path(out.strip())
    assert path.is_file() and path.parent.name == "l-oreal"
    text = path.read_text(encoding="utf-8")
    assert "type: negotiation" in text and "Négociation commerciale" in text and "version: '1.0'" in text
    code, out, _ = run_cli("check", "--root", str(scratch_project.root), "--as-of", "2025-10-02")
    assert code == 1
    assert "placeholder « À COMPLÉTER » left" in out and "golden rule" in out


def test_noop_rebuild_is_up_to_date_and_edit_rebuilds(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    path = scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    before = tree(out)
    code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(out), "--as-of", AS_OF)
    assert code == 0 and "up to date" in err
    assert tree(out) == before
    path.write_text(path.read_text(encoding="utf-8").replace("Brief besoins", "Brief des besoins"), encoding="utf-8")
    code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(out), "--as-of", AS_OF)
    assert code == 0 and "up to date" not in err
    assert "Brief des besoins" in docx_text(out / "crc" / f"{NAME}.docx")
    (out / "crc" / f"{NAME}.html").unlink()
    code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(out), "--as-of", AS_OF)
    assert "up to date" not in err and (out / "crc" / f"{NAME}.html").is_file()


def test_no_cache_build_matches_cached(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    assert build(scratch_project, run_cli, tmp_path / "a") == 0
    assert build(scratch_project, run_cli, tmp_path / "b", "--no-cache") == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_rebuild_never_trusts_output_files_touched_after_the_build(scratch_project: Scratch, run_cli,
                                                                  tmp_path: Path) -> None:
    """A file of the previous output edited by hand (same size, newer than its manifest) is written anew."""
    import time
    scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    html = out / "crc" / f"{NAME}.html"
    good = html.read_bytes()
    time.sleep(0.01)
    html.write_bytes(good.replace(b"ACME SAS", b"EVIL SAS"))
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-26") == 0  # a new date: a real rebuild
    assert html.read_bytes() == good
    manifest = json.loads((out / "manifest.json").read_bytes())
    assert manifest == {rel: hashlib.sha256(data).hexdigest() for rel, data in tree(out).items() if rel != "manifest.json"}


def test_unchanged_files_are_hard_linked_from_the_previous_output(scratch_project: Scratch, run_cli,
                                                                 tmp_path: Path) -> None:
    scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    before = {rel: (out / rel).stat().st_ino for rel in tree(out)}
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-26") == 0  # a new date: a real rebuild
    after = {rel: (out / rel).stat().st_ino for rel in tree(out)}
    kept = [rel for rel in before if after.get(rel) == before[rel]]
    assert f"crc/{NAME}.docx" in kept and len(kept) > len(before) // 2
    assert "manifest.json" not in kept


def test_documents_made_with_the_same_key_are_kept_without_the_cache(scratch_project: Scratch, run_cli,
                                                                      tmp_path: Path) -> None:
    """A rebuild keeps an unchanged CRC's files from the previous output, even with its cache entries gone."""
    path = scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    docx_path = out / "crc" / f"{NAME}.docx"
    inode, data = docx_path.stat().st_ino, docx_path.read_bytes()
    shutil.rmtree(scratch_project.root / ".dealdocs-cache" / "docs")
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-26") == 0
    assert docx_path.stat().st_ino == inode and docx_path.read_bytes() == data
    cached = [p.read_bytes() for p in (scratch_project.root / ".dealdocs-cache").rglob("*.bin")]
    assert not any(f"crc/{NAME}.docx".encode() in blob for blob in cached)  # not rendered, not re-cached
    (scratch_project.root / ".dealdocs-cache" / "documents.json").write_text("{broken", encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("Brief besoins", "Brief des besoins"), encoding="utf-8")
    assert build(scratch_project, run_cli, out) == 0
    assert "Brief des besoins" in docx_text(docx_path)


def test_a_changed_template_invalidates_exactly_what_uses_it(scratch_project: Scratch, run_cli,
                                                              tmp_path: Path) -> None:
    """The print stylesheet re-renders the board only; the CRC page template, the CRC pages only."""
    from generator.templates import DEFAULTS
    scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0

    def state() -> tuple[dict[str, int], dict[str, bytes]]:
        files = tree(out)
        return {rel: (out / rel).stat().st_ino for rel in files}, files
    inodes, files = state()
    crc_files = [rel for rel in files if rel.startswith("crc/CRC-")]
    board_files = [rel for rel in files if rel.startswith("board/")]
    assert crc_files and board_files
    css = (DEFAULTS / "print.css").read_text(encoding="utf-8") + "\nbody { color: #101010; }\n"
    (scratch_project.root / "templates").mkdir()
    (scratch_project.root / "templates" / "print.css").write_text(css, encoding="utf-8")
    assert build(scratch_project, run_cli, out) == 0
    inodes2, files2 = state()
    assert all(inodes2[rel] == inodes[rel] for rel in crc_files)  # kept, not rendered again
    assert files2["board/board.pdf"] != files["board/board.pdf"]
    scratch_project.write("templates/crc.html.j2", "<p>{{ name }}</p>\n")
    assert build(scratch_project, run_cli, out) == 0
    inodes3, files3 = state()
    assert files3[f"crc/{NAME}.html"] == f"<p>{NAME}</p>\n".encode()
    assert files3[f"crc/{NAME}.docx"] == files[f"crc/{NAME}.docx"]
    assert all(inodes3[rel] == inodes2[rel] for rel in board_files)


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    """The file index never hides an edit: same size, same modification time, different bytes."""
    import os
    import time
    path = scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    index = scratch_project.root / ".dealdocs-cache" / "files.json"
    data = json.loads(index.read_text())
    data["saved_ns"] = time.time_ns() + 10_000_000_000  # every entry counts as settled
    index.write_text(json.dumps(data))
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Brief besoins", "Brief Besoins"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert build(scratch_project, run_cli, out) == 0
    assert "Brief Besoins" in docx_text(out / "crc" / f"{NAME}.docx")


def test_board_is_not_rebuilt_when_only_a_crc_changed(scratch_project: Scratch, run_cli, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Same cards, board, date and templates: the board PDFs come back without building their view model."""
    import generator.render.board as board_render
    path = scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    before = {rel: data for rel, data in tree(out).items() if rel.startswith("board/")}
    assert before

    def refuse(*args, **kwargs):
        raise AssertionError("the board's view model was built again")
    monkeypatch.setattr(board_render, "board_context", refuse)
    path.write_text(path.read_text(encoding="utf-8").replace("Brief besoins", "Brief des besoins"), encoding="utf-8")
    assert build(scratch_project, run_cli, out) == 0
    assert {rel: data for rel, data in tree(out).items() if rel.startswith("board/")} == before
    monkeypatch.undo()
    cache = scratch_project.root / ".dealdocs-cache" / "docs"
    for entry in cache.rglob("*.bin"):
        if b"documents.json" in entry.read_bytes()[:400]:
            entry.write_bytes(b"garbage")  # a broken index entry: the board is built again, the same
    path.write_text(path.read_text(encoding="utf-8").replace("Brief des besoins", "Brief besoins"), encoding="utf-8")
    assert build(scratch_project, run_cli, out) == 0
    assert {rel: data for rel, data in tree(out).items() if rel.startswith("board/")} == before


def test_check_again_gives_the_same_findings(scratch_project: Scratch, run_cli) -> None:
    """An unchanged repository is checked from the last findings; an edit is checked anew."""
    path = scratch_project.crc(replace={"Brief besoins": "À COMPLÉTER"})
    args = ("check", "--root", str(scratch_project.root), "--as-of", AS_OF, "--format", "json")
    first = run_cli(*args)
    assert first[0] == 0 and json.loads(first[1])
    assert run_cli(*args)[:2] == first[:2]
    path.write_text(path.read_text(encoding="utf-8").replace("À COMPLÉTER", "Brief besoins"), encoding="utf-8")
    code, out, _ = run_cli(*args)
    assert code == 0 and json.loads(out) != json.loads(first[1])
    shutil.rmtree(scratch_project.root / ".dealdocs-cache")
    from datetime import date
    from generator.pipeline import check
    result = check(scratch_project.root, date.fromisoformat(AS_OF), use_cache=False)
    assert [f.as_dict() for f in result.findings] == json.loads(out)
    assert not (scratch_project.root / ".dealdocs-cache").exists()  # without the cache, nothing is written


def test_the_replaced_output_is_set_aside_then_deleted_by_the_next_build(scratch_project: Scratch, run_cli,
                                                                         tmp_path: Path) -> None:
    """A rebuild leaves the output it replaced in .site.trash; the next build's site process deletes it."""
    scratch_project.crc()
    out, trash = tmp_path / "site", tmp_path / ".site.trash"
    assert build(scratch_project, run_cli, out) == 0
    assert not trash.exists()  # nothing was replaced
    first = tree(out)
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-26") == 0
    assert tree(trash) == first
    second = tree(out)
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-27") == 0
    assert tree(trash) == second  # the first one is gone, the second set aside
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-28", "--no-cache") == 0
    assert not trash.exists()  # --no-cache keeps nothing aside (its files are not links)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == [".site.lock"]


def test_a_kept_crc_whose_old_file_was_touched_is_rendered_again(scratch_project: Scratch, run_cli,
                                                                  tmp_path: Path) -> None:
    """A kept file touched after its manifest is not reused: its CRC is rendered again, cache or not."""
    import time
    scratch_project.crc()
    out = tmp_path / "site"
    assert build(scratch_project, run_cli, out) == 0
    html, docx_path = out / "crc" / f"{NAME}.html", out / "crc" / f"{NAME}.docx"
    good, good_docx = html.read_bytes(), docx_path.read_bytes()
    time.sleep(0.01)
    html.write_bytes(good.replace(b"ACME SAS", b"EVIL SAS"))
    shutil.rmtree(scratch_project.root / ".dealdocs-cache" / "docs")
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-26") == 0
    assert html.read_bytes() == good and docx_path.read_bytes() == good_docx
    manifest = json.loads((out / "manifest.json").read_bytes())
    assert manifest == {rel: hashlib.sha256(data).hexdigest() for rel, data in tree(out).items() if rel != "manifest.json"}


def test_fast_json_writers_match_or_parse_back() -> None:
    """The manifest's writer gives json_bytes()'s exact bytes; the index's writer gives one row per line."""
    import json
    from generator.pipeline import flat_json, json_bytes, json_rows
    for mapping in ({}, {"a": "b"}, {"crc/é x.docx": '"q"\n,  ', "b\u2028": "<script>"}):
        assert flat_json(mapping) == json_bytes(mapping)
    rows = [{"name": "CRC-1", "keywords": ["a", "b"], "score": 9}, {"name": "x\n<", "sha256": ""}]
    text = json_rows(rows)
    assert json.loads(text) == rows and text.count(b"\n") == len(rows) + 2
    assert json.loads(json_rows([])) == []


def test_the_document_cache_forgets_what_builds_stopped_using(scratch_project: Scratch, run_cli,
                                                              tmp_path: Path) -> None:
    """An entry no build used for a week is deleted; a kept document's entry stays however old."""
    import os
    import time
    path = scratch_project.crc()
    out = tmp_path / "site"
    cache = scratch_project.root / ".dealdocs-cache" / "docs"
    assert build(scratch_project, run_cli, out) == 0
    first = {p.name for p in cache.rglob("*.bin")}
    weeks_ago = time.time() - 30 * 24 * 3600
    for entry in cache.rglob("*.bin"):
        os.utime(entry, (weeks_ago, weeks_ago))
    pruned = cache / ".pruned"  # pruning runs once a day: as if the last one were yesterday
    os.utime(pruned, (weeks_ago, weeks_ago))
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-26") == 0  # the CRC's documents are kept
    old = kept_names(scratch_project)
    assert set(old) <= {p.name for p in cache.rglob("*.bin")}  # not read by that build, but still wanted
    path.write_text(path.read_text(encoding="utf-8").replace("Qualifier le besoin", "Qualifier vite le besoin"),
                    encoding="utf-8")
    os.utime(pruned, (weeks_ago, weeks_ago))
    assert build(scratch_project, run_cli, out, "--as-of", "2025-09-26") == 0
    now = {p.name for p in cache.rglob("*.bin")}
    assert not set(old) & now  # the edited CRC's old documents: gone
    assert set(kept_names(scratch_project)) <= now  # its new ones: cached


def kept_names(scratch: Scratch) -> list[str]:
    """The cache entry names of the CRC documents the last build recorded (documents.json)."""
    listing = json.loads((scratch.root / ".dealdocs-cache" / "documents.json").read_text())
    return [f"{entry[0]}.bin" for entry in listing["jobs"].values()]
