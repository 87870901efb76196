"""`dealdocs check` on scratch projects: every §3 error and warning, with its line."""
from __future__ import annotations

import json

import pytest

from conftest import GOOD_CRC, Scratch

AS_OF = "2025-09-25"


def findings(scratch: Scratch, run_cli, *extra: str) -> tuple[int, list[dict]]:
    code, out, _ = run_cli("check", "--root", str(scratch.root), "--format", "json", "--as-of", AS_OF, *extra)
    return code, json.loads(out)


def only(items: list[dict], needle: str) -> dict:
    hits = [f for f in items if needle in f["message"]]
    assert len(hits) == 1, (needle, items)
    return hits[0]


def test_good_crc_is_clean(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc()
    code, items = findings(scratch_project, run_cli, "--strict")
    assert items == []
    assert code == 0


def test_text_format(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc(replace={"decisions:": "decisons:"})
    code, out, _ = run_cli("check", "--root", str(scratch_project.root), "--as-of", AS_OF)
    assert code == 1
    assert "content/crc/acme.yaml:22: error: [decisons] unknown key 'decisons': did you mean 'decisions'?" in out


@pytest.mark.parametrize("old, new, line, field, needle", [
    ("date: 2025-09-19", "date: 19/09/2025", 4, "date", "write it as 2025-09-19"),
    ("date: 2025-09-26", "date: 2025-02-30", 31, "next_step.date", "does not exist"),
    ("type: discovery", "type: lunch", 5, "type", "Expected one of"),
    ('version: "1.0"', "version: 1.0", 6, "version", "in quotes"),
    ('version: "1.0"', 'version: "v1"', 6, "version", "<major>.<minor>"),
    ("client: ACME SAS\n", "", 1, "client", "required field is missing"),
    ("probability: 40", "probability: 140", 43, "crm.probability", "out of range"),
    ("amount: 28000", "amount: -1", 43, "crm.amount", "out of range"),
    ("invitation_sent: true", "invitation_sent: maybe", 35, "next_step.invitation_sent", "true or false"),
    ("client_code: ACME", "client_code: ACME SAS", 2, "client_code", "must match"),
    ("by: Zoé Martin, ", "", 37, "deliverables[0]", "has no by"),
])
def test_errors_have_field_and_line(scratch_project: Scratch, run_cli, old, new, line, field, needle) -> None:
    scratch_project.crc(replace={old: new})
    code, items = findings(scratch_project, run_cli)
    hit = only(items, needle)
    assert (hit["line"], hit["field"], hit["severity"]) == (line, field, "error")
    assert code == 1


def test_yaml_syntax_error_line(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc(replace={"keywords: [SSO, POC]": "keywords: [SSO, POC"})
    code, items = findings(scratch_project, run_cli)
    assert code == 1
    assert items[0]["message"].startswith("YAML syntax error")
    assert items[0]["line"] >= 43


def test_golden_rule(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc(replace={"  owner_client: M. Dubois\n  owner_vendor: Zoé Martin\n": "",
                                 "by: Zoé Martin, ": "by: Zoé Martin, due: 2025-09-24, ".replace("due: 2025-09-24, ", "")})
    # deliverable still has by + due → golden rule holds
    code, items = findings(scratch_project, run_cli)
    assert not [f for f in items if "golden rule" in f["message"]]
    scratch_project.crc(replace={"  owner_client: M. Dubois\n  owner_vendor: Zoé Martin\n": "",
                                 "due: 2025-09-24, ": ""})
    code, items = findings(scratch_project, run_cli)
    hit = only(items, "golden rule")
    assert hit["line"] == 29 and hit["severity"] == "error"
    assert "only a note" in hit["message"]


def test_amendment_reason_required(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc(replace={'version: "1.0"': 'version: "1.1"'})
    code, items = findings(scratch_project, run_cli)
    hit = only(items, "amendment.reason")
    assert hit["line"] == 6 and code == 1


@pytest.mark.parametrize("old, new, line, needle", [
    ("validation: {deadline: \"2025-09-24 17:00\", status: pending}\n", "sent_on: 2025-09-22\nvalidation: {deadline: \"2025-09-24 17:00\"}\n", 44, "later than J+1"),
    ("mitigation: ROI préliminaire avant le comité", "category: budget", 0, "duplicate key"),
    ("  - \"Comité de décision le 15/10.\"\n", "", 16, "4 facts"),
    ("  - Mme Leroy sponsorise le projet.\n", "", 22, "1 decision: formalise at least 2"),
    ("validation: {deadline: \"2025-09-24 17:00\", status: pending}\n", "", 1, "no validation requested"),
])
def test_warnings(scratch_project: Scratch, run_cli, old, new, line, needle) -> None:
    scratch_project.crc(replace={old: new})
    if "sent_on" in new:
        assert run_cli("lock", "--root", str(scratch_project.root))[0] == 0
    code, items = findings(scratch_project, run_cli)
    hit = only(items, needle)
    if line:
        assert hit["line"] == line
        assert hit["severity"] == "warning"
        assert code == 0
        code, _ = findings(scratch_project, run_cli, "--strict")
        assert code == 1


def test_risk_warnings(scratch_project: Scratch, run_cli) -> None:
    risks = "".join(f"  - {{text: Risque {i}, category: IT}}\n" for i in range(4))
    scratch_project.crc(replace={"  - {text: Budget annuel en cours d'arbitrage, category: budget, mitigation: ROI préliminaire avant le comité}\n": risks})
    _, items = findings(scratch_project, run_cli)
    assert only(items, "4 risks")["line"] == 25
    no_plan = [f for f in items if "no mitigation" in f["message"]]
    assert [f["line"] for f in no_plan] == [26, 27, 28, 29]


def test_overdue_next_step(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc()
    code, out, _ = run_cli("check", "--root", str(scratch_project.root), "--format", "json", "--as-of", "2025-10-01")
    hit = only(json.loads(out), "overdue")
    assert hit["line"] == 31 and hit["field"] == "next_step.date"
    later = GOOD_CRC.replace("date: 2025-09-19", "date: 2025-09-30").replace("type: discovery", "type: demo")
    scratch_project.crc("later.yaml", later)
    code, out, _ = run_cli("check", "--root", str(scratch_project.root), "--format", "json", "--as-of", "2025-10-01")
    assert not [f for f in json.loads(out) if "overdue" in f["message"] and f["path"].endswith("acme.yaml")]


def test_duplicate_names(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("a.yaml")
    scratch_project.crc("b.yaml")
    code, items = findings(scratch_project, run_cli)
    hit = only(items, "already given by content/crc/a.yaml")
    assert hit["path"] == "content/crc/b.yaml" and code == 1


def test_all_files_reported_in_one_run(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("a.yaml", replace={"type: discovery": "type: x"})
    scratch_project.crc("b.yaml", replace={"date: 2025-09-19": "date: 2025-9-19"})
    scratch_project.write("content/crc/c.yaml", "- just\n- a list\n")
    scratch_project.write("content/crc/d.yaml", "")
    _, items = findings(scratch_project, run_cli)
    assert {f["path"] for f in items} >= {"content/crc/a.yaml", "content/crc/b.yaml", "content/crc/c.yaml", "content/crc/d.yaml"}


def test_usage_errors_exit_2(scratch_project: Scratch, run_cli) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli("check", "--root", str(scratch_project.root), "--as-of", "19/09/2025")
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        run_cli("check", "--bogus")
    assert exc.value.code == 2
    code, _, err = run_cli("amend", "--root", str(scratch_project.root), "nope.yaml")
    assert code == 2 and "no such file" in err


def test_amendment_sent_later_is_not_a_late_crc(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc(replace={'version: "1.0"': 'version: "1.1"\namendment: {reason: Date corrigée par le client}',
                                 "validation: {deadline": "sent_on: 2025-09-30\nvalidation: {deadline"})
    assert run_cli("lock", "--root", str(scratch_project.root))[0] == 0
    code, items = findings(scratch_project, run_cli)
    assert not [f for f in items if "J+1" in f["message"]]


def test_console_script_exits_quickly_with_every_line_written(scratch_project: Scratch) -> None:
    """`python -m generator` leaves through os._exit: the exit code and every buffered line still come out."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    for i in range(300):  # enough findings to fill a pipe's buffer several times
        scratch_project.crc(f"bad-{i:03}.yaml", replace={"decisions:": "decisons:",
                                                         "client_code: ACME": f"client_code: BAD{i}"})
    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "generator", "check", "--root", str(scratch_project.root),
                           "--as-of", AS_OF], capture_output=True, text=True, cwd=repo,
                          env={**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
                               "PYTHONPATH": str(repo)})
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if "unknown key 'decisons'" in line]
    assert len(lines) == 300
    assert lines[-1].startswith("content/crc/bad-299.yaml:22: error: [decisons]")
