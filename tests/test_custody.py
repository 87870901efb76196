"""Chain of custody: `dealdocs amend`, `dealdocs lock`, and the lock rules of `check`."""
from __future__ import annotations

import json
import os
import textwrap

import yaml

from conftest import GOOD_CRC, Scratch
from generator.loader import parse_yaml

AS_OF = "2025-09-25"
SENT = GOOD_CRC.replace("    validation: {deadline", "    sent_on: 2025-09-20\n    validation: {deadline")


def check(scratch: Scratch, run_cli) -> tuple[int, list[dict]]:
    code, out, _ = run_cli("check", "--root", str(scratch.root), "--format", "json", "--as-of", AS_OF)
    return code, json.loads(out)


def lock(scratch: Scratch, run_cli) -> tuple[int, str, str]:
    return run_cli("lock", "--root", str(scratch.root))


def data(path) -> dict:
    return parse_yaml(path.read_text(encoding="utf-8")).data


# --- amend -------------------------------------------------------------------------------


def test_amend_writes_next_minor_and_never_touches_its_input(scratch_project: Scratch, run_cli) -> None:
    src = scratch_project.crc("acme/2025-09-19-decouverte.yaml", SENT.replace("status: pending", "status: corrected"))
    before, mtime = src.read_bytes(), src.stat().st_mtime_ns
    code, out, _ = run_cli("amend", "--root", str(scratch_project.root), str(src))
    assert code == 0
    target = src.with_name("2025-09-19-decouverte-v1.1.yaml")
    assert out.strip() == str(target)
    assert src.read_bytes() == before and src.stat().st_mtime_ns == mtime
    new = data(target)
    assert new["version"] == "1.1"
    assert "sent_on" not in new
    assert new["validation"] == {"deadline": "2025-09-24 17:00"}
    assert "À COMPLÉTER" in new["amendment"]["reason"]
    old = data(src)
    for key in ("version", "sent_on", "validation", "amendment"):
        old.pop(key, None), new.pop(key, None)
    assert new == old  # the content is carried over untouched


def test_amend_keeps_comments_and_layout(scratch_project: Scratch, run_cli) -> None:
    src = scratch_project.crc("acme.yaml", "    # Notes du commercial\n" + SENT)
    run_cli("amend", "--root", str(scratch_project.root), str(src))
    text = (src.parent / "acme-v1.1.yaml").read_text(encoding="utf-8")
    assert "# Notes du commercial" in text
    assert "crm: {stage: qualified, probability: 40, amount: 28000, close_date: 2025-10-30}" in text
    assert 'validation: {deadline: "2025-09-24 17:00"}\n' in text


def test_amend_chain_and_major(scratch_project: Scratch, run_cli) -> None:
    src = scratch_project.crc("acme.yaml", SENT)
    root = str(scratch_project.root)
    v11 = src.parent / "acme-v1.1.yaml"
    assert run_cli("amend", "--root", root, str(src))[0] == 0
    assert run_cli("amend", "--root", root, str(v11))[0] == 0
    assert data(src.parent / "acme-v1.2.yaml")["version"] == "1.2"
    assert run_cli("amend", "--root", root, str(v11), "--major")[0] == 0
    assert data(src.parent / "acme-v2.0.yaml")["version"] == "2.0"


def test_amend_never_overwrites(scratch_project: Scratch, run_cli) -> None:
    src = scratch_project.crc("acme.yaml", SENT)
    existing = scratch_project.write("content/crc/acme-v1.1.yaml", "# déjà commencé\n")
    code, _, err = run_cli("amend", "--root", str(scratch_project.root), str(src))
    assert code == 1 and "already exists" in err
    assert existing.read_text(encoding="utf-8") == "# déjà commencé\n"
    assert sorted(p.name for p in src.parent.iterdir()) == ["acme-v1.1.yaml", "acme.yaml"]


def test_amend_block_style_record(scratch_project: Scratch, run_cli) -> None:
    record = yaml.safe_load(textwrap.dedent(SENT))
    record["validation"] = {"status": "validated", "deadline": "2025-09-24 17:00"}
    src = scratch_project.write("content/crc/acme.yaml", yaml.safe_dump(record, allow_unicode=True, sort_keys=True))
    run_cli("amend", "--root", str(scratch_project.root), str(src))
    new = data(src.parent / "acme-v1.1.yaml")
    assert new["validation"] == {"deadline": "2025-09-24 17:00"} and "sent_on" not in new


def test_amended_draft_checks_with_a_placeholder_warning(scratch_project: Scratch, run_cli) -> None:
    src = scratch_project.crc("acme.yaml", SENT)
    assert lock(scratch_project, run_cli)[0] == 0
    run_cli("amend", "--root", str(scratch_project.root), str(src))
    code, items = check(scratch_project, run_cli)
    assert code == 0
    assert [(f["path"], f["field"], f["severity"]) for f in items] == [
        ("content/crc/acme-v1.1.yaml", "amendment.reason", "warning")]


def test_amend_bad_input(scratch_project: Scratch, run_cli) -> None:
    src = scratch_project.crc("acme.yaml", replace={'version: "1.0"': "version: 1.0"})
    code, _, err = run_cli("amend", "--root", str(scratch_project.root), str(src))
    assert code == 1 and "version" in err
    assert list(src.parent.iterdir()) == [src]


# --- lock ---------------------------------------------------------------------------------


def test_lock_check_round_trip(scratch_project: Scratch, run_cli) -> None:
    path = scratch_project.crc("acme.yaml", SENT)
    code, items = check(scratch_project, run_cli)
    assert code == 1
    assert "not in crc.lock" in items[0]["message"] and "dealdocs lock" in items[0]["message"]
    assert items[0]["line"] == 44 and items[0]["field"] == "sent_on"
    code, out, _ = lock(scratch_project, run_cli)
    assert code == 0 and out == "locked CRC-2025-09-19-ACME-v1.0\n"
    assert check(scratch_project, run_cli) == (0, [])

    # the same data written another way: keys reordered, block style, other quoting, comments,
    # an explicit default, and the client's answer (validation.status) filled in
    record = yaml.safe_load(textwrap.dedent(SENT))
    record["validation"]["status"] = "validated"
    record["participants"]["vendor"][0]["sponsor"] = False
    record["exemplary"] = True
    text = "# reformaté à la main\n" + yaml.safe_dump(record, allow_unicode=True, sort_keys=True, default_flow_style=False)
    text = text.replace("version: '1.0'", 'version: "1.0"  # inchangée')
    path.write_text(text, encoding="utf-8")
    assert check(scratch_project, run_cli) == (0, [])

    # a real change to a sent version
    path.write_text(text.replace("due: 2025-09-24", "due: 2025-09-25"), encoding="utf-8")
    code, items = check(scratch_project, run_cli)
    assert code == 1
    [hit] = items
    assert hit["severity"] == "error" and hit["path"] == "content/crc/acme.yaml"
    assert "no longer matches crc.lock" in hit["message"]
    assert "dealdocs amend content/crc/acme.yaml" in hit["message"]


def test_lock_file_is_sorted_stable_and_never_rewrites_entries(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("b.yaml", SENT.replace("client_code: ACME", "client_code: ZETA"))
    scratch_project.crc("a.yaml", SENT)
    scratch_project.crc("draft.yaml", GOOD_CRC.replace("client_code: ACME", "client_code: DRAFT"))
    assert lock(scratch_project, run_cli)[0] == 0
    lock_path = scratch_project.root / "crc.lock"
    text = lock_path.read_text(encoding="utf-8")
    entries = [line for line in text.splitlines() if not line.startswith("#")]
    assert [e.split()[0] for e in entries] == ["CRC-2025-09-19-ACME-v1.0", "CRC-2025-09-19-ZETA-v1.0"]
    assert all(len(e.split()) == 3 and e.split()[1] == "2025-09-20" and len(e.split()[2]) == 71 for e in entries)
    assert text.endswith("\n") and "\r" not in text

    code, out, _ = lock(scratch_project, run_cli)
    assert code == 0 and out == ""
    assert lock_path.read_text(encoding="utf-8") == text

    # a locked entry is never refreshed: the changed file stays an error until amended
    scratch_project.crc("a.yaml", SENT.replace("Go pour un cadrage", "Go pour un atelier"))
    lock(scratch_project, run_cli)
    assert lock_path.read_text(encoding="utf-8") == text
    assert "no longer matches" in check(scratch_project, run_cli)[1][0]["message"]


def test_corrupted_lock_is_reported_and_not_rewritten(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("acme.yaml", SENT)
    bad = ("# crc.lock\nCRC-2025-09-19-ACME-v1.0 2025-09-20 sha256:1234\n"
           "<<<<<<< HEAD\n")
    lock_path = scratch_project.write("crc.lock", bad)
    code, out, err = lock(scratch_project, run_cli)
    assert code == 1 and "not rewritten" in err
    assert "crc.lock:2: error:" in out and "crc.lock:3: error:" in out
    assert lock_path.read_text(encoding="utf-8") == bad
    code, items = check(scratch_project, run_cli)
    assert code == 1
    assert {(f["path"], f["line"]) for f in items} >= {("crc.lock", 2), ("crc.lock", 3)}


def test_lock_twice_locked_after_a_union_merge(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("acme.yaml", SENT)
    lock(scratch_project, run_cli)
    lock_path = scratch_project.root / "crc.lock"
    line = lock_path.read_text(encoding="utf-8").splitlines()[-1]
    lock_path.write_text(lock_path.read_text(encoding="utf-8") + line.replace(line[-64:], "0" * 64) + "\n",
                         encoding="utf-8")
    code, items = check(scratch_project, run_cli)
    assert code == 1 and any("locked twice" in f["message"] for f in items)
    lock_path.write_text(lock_path.read_text(encoding="utf-8").replace("0" * 64, line[-64:]), encoding="utf-8")
    assert check(scratch_project, run_cli) == (0, [])  # the same line twice is harmless
    lock(scratch_project, run_cli)
    assert lock_path.read_text(encoding="utf-8").count(line) == 1


def test_lock_writes_atomically(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("acme.yaml", SENT)
    lock(scratch_project, run_cli)
    assert sorted(os.listdir(scratch_project.root)) == ["content", "crc.lock"]


def test_unsending_or_deleting_a_locked_version_is_caught(scratch_project: Scratch, run_cli) -> None:
    path = scratch_project.crc("acme.yaml", SENT)
    lock(scratch_project, run_cli)
    scratch_project.crc("acme.yaml", GOOD_CRC)  # sent_on removed to dodge the lock
    code, items = check(scratch_project, run_cli)
    assert code == 1 and "no longer matches crc.lock" in items[0]["message"]
    path.unlink()
    code, items = check(scratch_project, run_cli)
    [hit] = items
    assert (hit["path"], hit["line"], hit["severity"]) == ("crc.lock", 5, "warning")
    assert "CRC-2025-09-19-ACME-v1.0 is locked" in hit["message"] and "restore it from git" in hit["message"]


def test_lock_re_sorts_a_merged_file_without_changing_entries(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("a.yaml", SENT)
    scratch_project.crc("b.yaml", SENT.replace("client_code: ACME", "client_code: ZETA"))
    lock(scratch_project, run_cli)
    lock_path = scratch_project.root / "crc.lock"
    text = lock_path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines(keepends=True) if line.startswith("#")]
    entries = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    lock_path.write_text("".join(reversed(entries)) + "".join(header), encoding="utf-8")  # as after a union merge
    assert check(scratch_project, run_cli) == (0, [])
    code, out, _ = lock(scratch_project, run_cli)
    assert code == 0 and out == ""
    assert lock_path.read_text(encoding="utf-8") == text
