"""CRM exports: opportunities.csv (one row per card), activities.csv (one row per CRC version)."""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from conftest import Scratch
from generator.project import load_project
from generator.render.crm import (ACTIVITY_COLUMNS, OPPORTUNITY_COLUMNS, activities_csv, opportunities_csv,
                                  safe_cell, site_url)

AS_OF = date(2025, 9, 25)

CARD = """\
    id: {id}
    account: {account}
    contact: M. Dubois
    column: {column}
    next_action: {{what: Démo ciblée, date: 2025-09-29}}
    amount: 28000
    probability: 40
    owner: {{name: Zoé Martin, role: AE}}
    source: trade-show
    close_date: 2025-10-30
    class: fixed-date
    history:
      - {{column: prospects, date: 2025-09-10}}
      - {{column: {column}, date: 2025-09-20}}
    last_action: 2025-09-22
    """


def rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def project(scratch: Scratch):
    return load_project(scratch.root, AS_OF)


def test_opportunities(scratch_project: Scratch) -> None:
    scratch_project.write("content/cards/b.yaml", CARD.format(id="OPP-2", account="Zeta SA", column="qualified"))
    scratch_project.write("content/cards/a.yaml", CARD.format(id="OPP-1", account="Éole SARL", column="proposal"))
    scratch_project.write("content/cards/c.yaml", CARD.format(id="OPP-0", account="Won SA", column="closed")
                          + "outcome: {result: lost, date: 2025-09-24, reason: price}\n")
    p = project(scratch_project)
    data = opportunities_csv([d.card for d in p.cards], p.board)
    table = rows(data)
    assert list(table[0]) == list(OPPORTUNITY_COLUMNS)
    assert [r["id"] for r in table] == ["OPP-0", "OPP-1", "OPP-2"]
    first = table[1]
    assert first == {**first, "account": "Éole SARL", "stage": "proposal", "stage_label": "Offre envoyée",
                     "amount": "28000", "probability": "40", "close_date": "2025-10-30",
                     "next_action": "Démo ciblée", "next_action_date": "2025-09-29", "owner": "Zoé Martin",
                     "source": "trade-show", "class": "fixed-date", "outcome": "", "last_action": "2025-09-22"}
    assert (table[0]["outcome"], table[0]["outcome_date"], table[0]["loss_reason"]) == ("lost", "2025-09-24", "price")
    assert b"\r\n" in data


def test_activities(scratch_project: Scratch) -> None:
    scratch_project.crc("b.yaml", replace={"date: 2025-09-19": "date: 2025-09-22", "client_code: ACME": "client_code: ACME2"})
    scratch_project.crc("a.yaml")
    p = project(scratch_project)
    table = rows(activities_csv(p.crcs, "fr"))
    assert list(table[0]) == list(ACTIVITY_COLUMNS)
    assert [r["date"] for r in table] == ["2025-09-19", "2025-09-22"]
    first = table[0]
    assert first == {**first, "type": "discovery", "type_label": "Découverte", "subject": "Découverte ACME",
                     "client": "ACME SAS", "opportunity": "OPP-2025-014",
                     "next_step": "Réunion de cadrage multi-parties", "next_step_date": "2025-09-26",
                     "next_step_owner": "Zoé Martin", "link": "crc/CRC-2025-09-19-ACME-v1.0.html",
                     "status": "draft", "score": "10", "version": "1.0"}
    english = rows(activities_csv(p.crcs, "en", "https://ventes.intra/"))
    assert english[0]["type_label"] == "Discovery"
    assert english[0]["link"] == "https://ventes.intra/crc/CRC-2025-09-19-ACME-v1.0.html"


def test_csv_injection_is_neutralised(scratch_project: Scratch) -> None:
    scratch_project.crc(replace={"client: ACME SAS": "client: \"=HYPERLINK(\\\"http://x\\\")\"",
                                 "action: Réunion de cadrage multi-parties": "action: \"+33 6 12 34 56 78\""})
    scratch_project.write("content/cards/a.yaml", CARD.format(id="\"@SUM(A1)\"", account="\"-2+3\"",
                                                              column="proposal"))
    p = project(scratch_project)
    act = rows(activities_csv(p.crcs, "fr"))[0]
    assert act["client"] == "'=HYPERLINK(\"http://x\")"
    assert act["next_step"] == "'+33 6 12 34 56 78"
    opp = rows(opportunities_csv([d.card for d in p.cards], p.board))[0]
    assert (opp["id"], opp["account"]) == ("'@SUM(A1)", "'-2+3")
    assert [safe_cell(v) for v in ("\tx", "ok", 12.5, 3.0, None, "a=b")] == ["'\tx", "ok", "12.5", "3", "", "a=b"]


def test_build_writes_both_files_deterministically(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    scratch_project.write("content/cards/a.yaml", CARD.format(id="OPP-2025-014", account="ACME SAS",
                                                              column="qualified"))
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        code, stdout, stderr = run_cli("build", "--root", str(scratch_project.root), "--out", str(out),
                                       "--as-of", "2025-09-25", "-q", "--jobs", "1")
        assert code == 0, stdout + stderr
        outs.append(out)
    for rel in ("crm/opportunities.csv", "crm/activities.csv"):
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes()
        assert rel in (outs[0] / "manifest.json").read_text(encoding="utf-8")
    assert len(rows((outs[0] / "crm/opportunities.csv").read_bytes())) == 1


def test_site_url(scratch_project: Scratch) -> None:
    assert site_url(scratch_project.root) == ""
    scratch_project.write("mkdocs.yml", "site_name: Ventes\nsite_url: https://intranet.example/ventes\n")
    assert site_url(scratch_project.root) == "https://intranet.example/ventes/"
