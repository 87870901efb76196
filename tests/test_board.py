"""Kanban board: card and board rules with their lines, CRC ↔ card concordance, the four board PDFs."""
from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from conftest import GOOD_CRC, Scratch
from generator.pipeline import Writer
from generator.project import load_project
from generator.render import board as board_render

AS_OF = "2025-10-24"

BOARD = """\
    title: Tableau de test
    period: {start: 2025-10-20, end: 2025-10-31}
    columns:
      - {key: prospects, title: Prospects}
      - {key: proposal, title: Offre envoyée, wip_limit: 2}
      - {key: negotiation, title: Négociation, wip_limit: 5}
      - {key: closed, title: Gagné/Perdu}
    pull_rules: [Tirer seulement si WIP < limite.]
    classes:
      - {key: standard, title: Standard}
      - {key: expedite, title: Expedite, policy: Une seule carte active.}
    ageing: {idle_days: 7, negotiation_days: {green: 10, amber: 20}, prospect_purge_days: 30}
    micro_rules:
      - {problem: CRC envoyés trop tard, rule: CRC envoyé sous 24 h, indicator: Part à J+1,
         target: 100 %, decision_date: 2025-11-03}
    """

# line numbers matter: the tests below point at them
CARD = """\
    id: OPP-1
    account: ACME SAS
    contact: M. Dubois
    column: proposal
    variant: offer
    next_action: {what: Démo ciblée, date: 2025-10-27, time: "10:00"}
    amount: 28000
    probability: 40
    owner: {name: Zoé Martin, role: AE}
    source: trade-show
    close_date: 2025-10-30
    class: fixed-date
    notes: Besoin SSO + 2 intégrations.
    history:
      - {column: prospects, date: 2025-10-01}
      - {column: proposal, date: 2025-10-20}
    last_action: 2025-10-22
    """


def card(scratch: Scratch, name: str = "opp-1.yaml", replace: dict[str, str] | None = None, **fields: str) -> Path:
    """Write a card: the good sample with exact-text replacements, then `key: value` overrides."""
    import textwrap
    body = textwrap.dedent(CARD)
    for old, new in (replace or {}).items():
        assert old in body, f"replacement target not in the sample: {old!r}"
        body = body.replace(old, new)
    for key, value in fields.items():
        lines = [ln for ln in body.splitlines() if ln.startswith(f"{key}:")]
        assert lines, key
        body = body.replace(lines[0], f"{key}: {value}")
    return scratch.write(f"content/cards/{name}", body)


def check(scratch: Scratch, run_cli, as_of: str = AS_OF) -> tuple[int, list[dict]]:
    code, out, _ = run_cli("check", "--root", str(scratch.root), "--format", "json", "--as-of", as_of)
    return code, json.loads(out)


def only(items: list[dict], needle: str) -> dict:
    hits = [f for f in items if needle in f["message"]]
    assert len(hits) == 1, (needle, items)
    return hits[0]


@pytest.fixture
def board(scratch_project: Scratch) -> Scratch:
    scratch_project.write("content/board.yaml", BOARD)
    return scratch_project


# --- card and board rules ----------------------------------------------------------------


def test_good_card_is_clean(board: Scratch, run_cli) -> None:
    card(board)
    code, items = check(board, run_cli)
    assert items == [] and code == 0


@pytest.mark.parametrize("old, new, line, field, needle", [
    ("column: proposal", "column: propsal", 4, "column", "unknown column 'propsal'"),
    ("close_date: 2025-10-30", "close_date: 30/10/2025", 11, "close_date", "write it as 2025-10-30"),
    ("close_date: 2025-10-30", "close_date: 2025-02-30", 11, "close_date", "does not exist"),
    ("date: 2025-10-27,", "date: 27/10/2025,", 6, "next_action.date", "write it as 2025-10-27"),
    ("probability: 40", "probability: 140", 8, "probability", "out of range"),
    ("probability: 40", "probability: -5", 8, "probability", "out of range"),
    ("amount: 28000", "amount: -1", 7, "amount", "out of range"),
    ("class: fixed-date", "class: urgent", 12, "class", "Expected one of"),
    ("source: trade-show", "source: salon", 10, "source", "Expected one of"),
    ("variant: offer", "variant: demo", 5, "variant", "Expected one of"),
    ("  - {column: prospects, date: 2025-10-01}", "  - {column: lead, date: 2025-10-01}", 15,
     "history[0].column", "unknown column 'lead' in history"),
    ("id: OPP-1\n", "", 1, "id", "required field is missing"),
])
def test_card_errors_have_field_and_line(board: Scratch, run_cli, old, new, line, field, needle) -> None:
    card(board, replace={old: new})
    code, items = check(board, run_cli)
    hit = only(items, needle)
    assert (hit["path"], hit["line"], hit["field"], hit["severity"]) == ("content/cards/opp-1.yaml", line, field, "error")
    assert code == 1


def test_outcome_reason_enum_and_lost_without_reason(board: Scratch, run_cli) -> None:
    card(board, replace={"last_action: 2025-10-22": "outcome: {result: lost, date: 2025-10-22, reason: cost}"},
         column="closed")
    code, items = check(board, run_cli)
    hit = only(items, "Expected one of")
    assert (hit["line"], hit["field"], hit["severity"]) == (17, "outcome.reason", "error")
    card(board, replace={"last_action: 2025-10-22": "outcome: {result: lost, date: 2025-10-22}"}, column="closed")
    code, items = check(board, run_cli)
    hit = only(items, "lost without a reason")
    assert (hit["line"], hit["field"], hit["severity"]) == (17, "outcome", "warning")
    assert code == 0


def test_closed_card_outside_last_column_is_an_error(board: Scratch, run_cli) -> None:
    card(board, replace={"last_action: 2025-10-22": "outcome: {result: won, date: 2025-10-22}"})
    code, items = check(board, run_cli)
    hit = only(items, "belongs in the last column")
    assert (hit["line"], hit["field"], hit["severity"]) == (4, "column", "error")


def test_duplicate_id_is_reported_on_the_second_file(board: Scratch, run_cli) -> None:
    card(board, "a.yaml")
    card(board, "b.yaml")
    code, items = check(board, run_cli)
    hit = only(items, "duplicate card id 'OPP-1'")
    assert (hit["path"], hit["line"], hit["field"], hit["severity"]) == ("content/cards/b.yaml", 1, "id", "error")
    assert "content/cards/a.yaml" in hit["message"]
    assert code == 1


def test_wip_over_limit_warns_on_the_extra_card(board: Scratch, run_cli) -> None:
    for i in (1, 2, 3):
        card(board, f"opp-{i}.yaml", id=f"OPP-{i}")
    code, items = check(board, run_cli)
    hit = only(items, "over its WIP limit of 2")
    assert (hit["path"], hit["line"], hit["field"], hit["severity"]) == ("content/cards/opp-3.yaml", 4, "column", "warning")
    assert "holds 3 active cards" in hit["message"]
    assert code == 0
    code, _, _ = run_cli("check", "--root", str(board.root), "--as-of", AS_OF, "--strict", "-q")
    assert code == 1


def test_closed_cards_do_not_count_in_wip(board: Scratch, run_cli) -> None:
    card(board, "opp-1.yaml", id="OPP-1")
    card(board, "opp-2.yaml", id="OPP-2")
    card(board, "opp-3.yaml", id="OPP-3", column="closed",
         replace={"last_action: 2025-10-22": "outcome: {result: won, date: 2025-10-22}"})
    code, items = check(board, run_cli)
    assert not [f for f in items if "WIP" in f["message"]]


def test_second_expedite_card(board: Scratch, run_cli) -> None:
    card(board, "opp-1.yaml", id="OPP-1", **{"class": "expedite"})
    card(board, "opp-2.yaml", id="OPP-2", column="negotiation", **{"class": "expedite"})
    code, items = check(board, run_cli)
    hit = only(items, "second active expedite card")
    assert (hit["path"], hit["line"], hit["field"], hit["severity"]) == ("content/cards/opp-2.yaml", 12, "class", "warning")


@pytest.mark.parametrize("old, new, line, field", [
    ('next_action: {what: Démo ciblée, date: 2025-10-27, time: "10:00"}\n', "", 1, "next_action"),
    ('next_action: {what: Démo ciblée, date: 2025-10-27, time: "10:00"}', "next_action: {what: Démo ciblée}",
     6, "next_action.date"),
])
def test_card_without_next_action(board: Scratch, run_cli, old, new, line, field) -> None:
    card(board, replace={old: new})
    code, items = check(board, run_cli)
    hit = only(items, "without a dated next action")
    assert (hit["line"], hit["field"], hit["severity"]) == (line, field, "warning")


def test_idle_card(board: Scratch, run_cli) -> None:
    card(board, last_action="2025-10-10")
    code, items = check(board, run_cli)
    hit = only(items, "idle for 14 days (> 7)")
    assert (hit["line"], hit["field"], hit["severity"]) == (17, "last_action", "warning")


def test_idle_card_from_history(board: Scratch, run_cli) -> None:
    card(board, replace={"last_action: 2025-10-22\n": ""})
    code, items = check(board, run_cli, as_of="2025-10-30")
    hit = only(items, "idle for 10 days")
    assert (hit["line"], hit["field"]) == (14, "history")


def test_prospect_to_purge(board: Scratch, run_cli) -> None:
    card(board, column="prospects", replace={"  - {column: proposal, date: 2025-10-20}\n": "",
                                             "date: 2025-10-01}": "date: 2025-09-20}"})
    code, items = check(board, run_cli)
    hit = only(items, "purge it back to nurturing")
    assert (hit["line"], hit["field"], hit["severity"]) == (4, "column", "warning")
    assert "in prospects for 34 days (> 30)" in hit["message"]


@pytest.mark.parametrize("entered, warned", [("2025-10-14", False), ("2025-10-04", False), ("2025-10-03", True)])
def test_negotiation_traffic_light(board: Scratch, run_cli, entered: str, warned: bool) -> None:
    card(board, column="negotiation", replace={"{column: proposal, date: 2025-10-20}":
                                               f"{{column: negotiation, date: {entered}}}"})
    code, items = check(board, run_cli)
    hits = [f for f in items if "in negotiation for" in f["message"]]
    assert bool(hits) == warned
    if warned:
        assert (hits[0]["line"], hits[0]["field"], hits[0]["severity"]) == (4, "column", "warning")
        assert "21 days (> 20, red)" in hits[0]["message"]


def test_negotiation_light_thresholds() -> None:
    from generator.models import Board
    from generator.rules import negotiation_light
    b = Board.model_validate({"columns": [{"key": "a", "title": "A"}, {"key": "b", "title": "B"}]})
    assert [negotiation_light(d, b) for d in (0, 10, 11, 20, 21, None)] == [
        "green", "green", "amber", "amber", "red", "green"]


# --- CRC ↔ card concordance (§3) -------------------------------------------------------------

CONCORDANT = """\
    id: OPP-2025-014
    account: ACME SAS
    column: qualified
    next_action: {what: Réunion de cadrage, date: 2025-09-26}
    amount: 28000
    probability: 40
    close_date: 2025-10-30
    history:
      - {column: qualified, date: 2025-09-19}
    """


def test_concordant_crc_and_card(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc()
    scratch_project.write("content/cards/acme.yaml", CONCORDANT)
    code, items = check(scratch_project, run_cli, as_of="2025-09-25")
    assert not [f for f in items if "disagrees" in f["message"]], items


@pytest.mark.parametrize("old, new, line, field, needle", [
    ("column: qualified", "column: meeting", 43, "crm.stage", "stage qualified disagrees with card OPP-2025-014 (column: meeting)"),
    ("probability: 40", "probability: 60", 43, "crm.probability", "probability 40 disagrees with card OPP-2025-014 (probability: 60)"),
    ("amount: 28000", "amount: 30500", 43, "crm.amount", "amount 28000 disagrees with card OPP-2025-014 (amount: 30500)"),
    ("close_date: 2025-10-30", "close_date: 2025-11-15", 43, "crm.close_date", "close date 2025-10-30 disagrees"),
    ("date: 2025-09-26}", "date: 2025-09-29}", 31, "next_step.date", "next step date 2025-09-26 disagrees"),
])
def test_concordance_warnings(scratch_project: Scratch, run_cli, old, new, line, field, needle) -> None:
    scratch_project.crc()
    import textwrap
    scratch_project.write("content/cards/acme.yaml", textwrap.dedent(CONCORDANT).replace(old, new))
    code, items = check(scratch_project, run_cli, as_of="2025-09-25")
    hit = only(items, needle)
    assert (hit["path"], hit["line"], hit["field"], hit["severity"]) == ("content/crc/acme.yaml", line, field, "warning")
    assert len([f for f in items if "disagrees" in f["message"]]) == 1
    assert code == 0


def test_concordance_uses_the_latest_crc(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc()
    scratch_project.crc("acme-2.yaml", replace={"date: 2025-09-19": "date: 2025-09-24",
                                                "stage: qualified": "stage: meeting"})
    scratch_project.write("content/cards/acme.yaml", CONCORDANT)
    code, items = check(scratch_project, run_cli, as_of="2025-09-25")
    hit = only(items, "stage meeting disagrees")
    assert hit["path"] == "content/crc/acme-2.yaml"
    assert not [f for f in items if f["path"] == "content/crc/acme.yaml" and "disagrees" in f["message"]]


# --- board view model ----------------------------------------------------------------------


@pytest.mark.parametrize("amount, text", [
    (28000, "28\u00a0k€"), (30500, "30,5\u00a0k€"), (6000, "6\u00a0k€"), (850, "850\u00a0€"),
    (1_250_000, "1,25\u00a0M€"), (12_345, "12,3\u00a0k€"), (999_990, "1\u00a0M€"), (999.7, "1\u00a0k€"),
    (0, "0\u00a0€"), (None, ""),
])
def test_short_amount(amount, text) -> None:
    assert board_render.short_amount(amount) == text


def test_paginate_fills_the_last_page() -> None:
    assert board_render.paginate([1, 2, 3], 2) == [[1, 2], [3, None]]
    assert board_render.paginate([], 2) == [[None, None]]
    assert board_render.paginate([1, 2], 2) == [[1, 2]]


def test_url_fetcher_refuses_everything_outside_the_templates(tmp_path: Path) -> None:
    roots = [board_render.DEFAULTS.resolve(), tmp_path.resolve()]
    ok = board_render.is_allowed
    assert ok("data:image/png;base64,AAAA", roots)
    assert ok((tmp_path / "logo.png").as_uri(), roots)
    assert ok((board_render.DEFAULTS / "print.css").as_uri(), roots)
    assert not ok("http://example.com/x.css", roots)
    assert not ok("https://example.com/font.woff", roots)
    assert not ok("file:///etc/passwd", roots)
    assert not ok((tmp_path / ".." / "secret").as_uri(), roots)
    assert not ok("ftp://example.com/x", roots)
    fetcher = board_render.url_fetcher(roots)
    with pytest.raises(ValueError, match="refuses"):
        fetcher.fetch("http://example.com/x.css") if hasattr(fetcher, "fetch") else fetcher("http://example.com/x.css")


# --- PDFs ----------------------------------------------------------------------------------

ACCOUNTS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]


def pdf_project(scratch: Scratch) -> Scratch:
    """A board with an over-limit column, a blocked card, an expedite card and closed cards."""
    scratch.write("content/board.yaml", BOARD)
    for i, account in enumerate(ACCOUNTS):
        card(scratch, f"opp-{i}.yaml", id=f"OPP-{i}", account=account)
    card(scratch, "opp-blocked.yaml", id="OPP-B", account="Bloquée SA", column="negotiation",
         replace={"last_action: 2025-10-22": "last_action: 2025-10-22\nblocked: {since: 2025-10-20, "
                  "cause: Attente DPA juridique, next: Relance juriste, owner: Zoé Martin}"})
    card(scratch, "opp-exp.yaml", id="OPP-X", account="Urgence SA", column="negotiation", **{"class": "expedite"})
    card(scratch, "opp-won.yaml", id="OPP-W", account="Gagnant SA", column="closed",
         replace={"last_action: 2025-10-22": "outcome: {result: won, date: 2025-10-22}"})
    card(scratch, "opp-lost.yaml", id="OPP-L", account="Perdant SA", column="closed",
         replace={"last_action: 2025-10-22": "outcome: {result: lost, date: 2025-10-21, reason: price}"})
    return scratch


def render(root: Path, out: Path, *only: str, as_of: str = AS_OF, headline: dict | None = None) -> dict[str, bytes]:
    """Render the board documents (or only the named ones, e.g. "board.pdf") of a scratch project."""
    when = date.fromisoformat(as_of)
    project = load_project(root, when)
    assert not [f for f in project.findings if f.severity == "error"], project.findings
    out.mkdir(parents=True, exist_ok=True)
    findings = board_render.write_board(project, when, Writer(out), [f"board/{n}" for n in only] or None,
                                        headline=headline)
    assert findings == []
    return {p.name: p.read_bytes() for p in sorted((out / "board").glob("*.pdf"))}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    scratch = pdf_project(Scratch(tmp_path_factory.mktemp("pdf") / "repo"))
    return render(scratch.root, scratch.root.parent / "out")


def reader(data: bytes):
    from pypdf import PdfReader
    return PdfReader(io.BytesIO(data))


def text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in reader(data).pages).replace("\u00a0", " ")


def sizes(data: bytes) -> set[tuple[int, int]]:
    return {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader(data).pages}


def test_four_pdfs_with_their_page_sizes(pdfs: dict[str, bytes]) -> None:
    assert sorted(pdfs) == ["banners.pdf", "board.pdf", "cards.pdf", "labels.pdf"]
    assert sizes(pdfs["board.pdf"]) == {(842, 595)}                      # A4 landscape
    for name in ("banners.pdf", "labels.pdf", "cards.pdf"):
        assert sizes(pdfs[name]) == {(595, 842)}, name                    # A4 portrait sheets
    assert len(reader(pdfs["board.pdf"]).pages) == 1


def test_board_shows_columns_wip_accounts_and_alarm(pdfs: dict[str, bytes]) -> None:
    board = text(pdfs["board.pdf"])
    for title in ("PROSPECTS", "OFFRE ENVOYÉE", "NÉGOCIATION", "GAGNÉ/PERDU"):
        assert title in board
    assert "WIP 5/2" in board and "WIP 2/5" in board and "WIP 0/∞" in board
    assert "⚠ WIP dépassé : Offre envoyée" in board     # proposal holds 5 cards for a limit of 2
    assert board.count("⚠ WIP DÉPASSÉ") == 2              # the column's alarm, and the legend
    assert "Σ 140 k€" in board                            # the alarm does not hide the over column's total
    for account in ACCOUNTS + ["Urgence SA", "Bloquée SA"]:
        assert account in board
    assert "Gagnant SA" not in board or "Gagnées : 1" in board     # closed cards are summarised
    assert "Gagnées : 1" in board and "Perdues : 1" in board
    assert "BLOQUÉ 20/10 · Attente DPA juridique" in board
    assert "EXPEDITE" in board and "Tableau de test" in board
    assert "20/10/2025 → 31/10/2025" in board and "Au 24/10/2025" in board
    assert "28 k€ · 40 %" in board and "27/10 10:00 Démo ciblée" in board
    assert "Légende" in board


def test_board_card_essentials_are_large(pdfs: dict[str, bytes]) -> None:
    """From two metres: the id 11 pt, the account 12 pt, the next action 9.5 pt (its date 10 pt), the block 8 pt."""
    runs: list[tuple[str, float]] = []                # text and font size in pt (the PDF's 0.75 scale)
    reader(pdfs["board.pdf"]).pages[0].extract_text(
        visitor_text=lambda t, cm, tm, font, size: runs.append((t.strip(), round(size * 0.75, 2))))
    sizes: dict[str, float] = {}
    for t, size in runs:
        sizes[t] = max(size, sizes.get(t, 0.0))      # the largest of a text's runs (a text may be in the legend too)
    assert sizes["OPP-1"] >= 11 and sizes["OPP-B"] >= 11
    assert sizes["Alpha"] >= 12 and sizes["Bloquée SA"] >= 12
    assert sizes["27/10 10:00"] >= 10 and sizes["Démo ciblée"] >= 9.5
    assert sizes["BLOQUÉ 20/10 · Attente DPA juridique"] >= 8


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The four documents of the repository's sample board."""
    return render(REPO, tmp_path_factory.mktemp("sample"))


def test_sample_board_prints_its_cards_whole(sample: dict[str, bytes]) -> None:
    """The repository's sample board: every active card's id, account, next action and block whole, no « … »."""
    project = load_project(REPO, date.fromisoformat(AS_OF))
    board = text(sample["board.pdf"])
    assert "…" not in board
    flat = re.sub(r"\s+", " ", re.sub(r"-\n", "-", board))
    active = [d.card for d in project.cards if d.card.active]
    assert len(active) > 15
    for c in active:
        shown = [c.id, c.account, c.next_action.what if c.next_action else None, c.blocked.cause if c.blocked else None]
        assert [s for s in shown if s and s not in flat] == [], c.id
    context = board_render.board_context(project.board, project.cards, date.fromisoformat(AS_OF))
    assert len(reader(sample["board.pdf"]).pages) == len(context["board_pages"]) <= 3


def test_sample_sheets_print_whole(sample: dict[str, bytes]) -> None:
    """Cards, labels and banners of the sample: nothing cut, nothing said twice, no WIP on the closed column."""
    cards, labels, banners = (text(sample[f"{n}.pdf"]) for n in ("cards", "labels", "banners"))
    assert "…" not in cards + labels + banners
    assert "Partenaire · Partenaire" not in cards and "Recommandation" in cards
    flat = cards.replace("\n", " ")
    keys = "Négociation / Closing — Champs clés : Décideurs • Objections top 3 • Concessions • Plan de signature"
    assert keys in flat
    assert "OPP-2025-014 Négociation" in flat and "FIXED DATE 30/10" in flat
    assert "MICRO-RÈGLE 2 SEMAINES — PIPELINE COMMERCIAL" in labels
    assert banners.count("∞") == 1 and "GAGNÉ/PERDU" in banners      # prospects only: the closed column has no WIP


@pytest.mark.parametrize("language, present, absent", [
    ("fr", ["Définition de fini (DoD)", "Prochaine étape"], ["Definition of Done", ">Next<", "Next step"]),
    ("en", ["Definition of Done (DoD)", "Next step"], ["Définition", "Prochaine", ">Next<"]),
])
def test_sheets_labels_follow_the_language(tmp_path: Path, language: str, present: list[str],
                                           absent: list[str]) -> None:
    """Banners and block labels: French words in French (the default), English ones in English."""
    scratch = pdf_project(Scratch(tmp_path / "repo"))
    project = load_project(scratch.root, date.fromisoformat(AS_OF))
    context = board_render.board_context(project.board, project.cards, date.fromisoformat(AS_OF), language)
    renderer = board_render.BoardRenderer(None)
    html = renderer.html("board/banners.html.j2", context) + renderer.html("board/labels.html.j2", context)
    assert [word for word in present if word in html] == present
    assert not [word for word in absent if word in html]


def test_board_metadata_uses_as_of(pdfs: dict[str, bytes]) -> None:
    meta = reader(pdfs["board.pdf"]).metadata
    assert meta["/CreationDate"].startswith("D:20251024")
    assert meta["/ModDate"].startswith("D:20251024")
    assert meta["/Title"] == "Tableau de test — Au 24/10/2025"


def test_banners_one_per_column_with_wip_and_dod(pdfs: dict[str, bytes]) -> None:
    banners = text(pdfs["banners.pdf"])
    for title in ("PROSPECTS", "OFFRE ENVOYÉE", "NÉGOCIATION", "GAGNÉ/PERDU", "RÈGLES DU TABLEAU"):
        assert title in banners
    assert "WIP 2" in banners.replace("\n", " ") or "WIP2" in banners.replace(" ", "")
    assert "DÉFINITION DE FINI (DOD)" in banners and "Tirer seulement si WIP < limite." in banners
    assert "DEFINITION OF DONE" not in banners
    assert banners.count("∞") == 1                  # prospects: no limit; the closed column shows no WIP at all
    assert len(reader(pdfs["banners.pdf"]).pages) == 2          # 4 columns + the rules banner, 4 per page


def test_labels_block_label_blank_labels_and_micro_rule(pdfs: dict[str, bytes]) -> None:
    labels = reader(pdfs["labels.pdf"])
    first = labels.pages[0].extract_text()
    assert "Attente DPA juridique" in first and "Relance juriste" in first and "Zoé Martin" in first
    assert "20/10/2025" in first and "OPP-B" in first
    assert first.count("[BLOQUÉ]") == board_render.LABELS_PER_PAGE   # 1 filled + blank ones to fill the page
    assert first.count("PROCHAINE\nÉTAPE") == board_render.LABELS_PER_PAGE and "NEXT" not in first
    tickets = labels.pages[-1].extract_text()
    assert "CRC envoyé sous 24 h" in tickets and "03/11/2025" in tickets
    assert "MICRO-RÈGLE 2 SEMAINES — TABLEAU DE TEST" in tickets and "…" not in tickets
    assert "Garder" in tickets and "Ajuster" in tickets and "Jeter" in tickets


def test_cards_print_every_active_card(pdfs: dict[str, bytes]) -> None:
    cards = text(pdfs["cards.pdf"])
    for account in ACCOUNTS + ["Urgence SA", "Bloquée SA"]:
        assert account in cards
    assert "Gagnant SA" not in cards and "Perdant SA" not in cards
    assert "PROCHAINE ACTION & DATE" in cards and "Salon" in cards and "30/10/2025" in cards
    assert "Offre / Chiffrage — Champs clés : Périmètre validé" in cards.replace("\n", " ")
    assert "Salon ·" not in cards and "…" not in cards        # the class is the chip's: not repeated by the source
    assert len(reader(pdfs["cards.pdf"]).pages) == 1           # 7 active cards, 8 per page


def test_pdfs_are_deterministic(pdfs: dict[str, bytes], tmp_path: Path) -> None:
    scratch = pdf_project(Scratch(tmp_path / "repo"))
    again = render(scratch.root, tmp_path / "out")
    assert again == pdfs


def test_many_cards_flow_onto_pages_with_repeated_headers(scratch_project: Scratch) -> None:
    scratch_project.write("content/board.yaml", BOARD)
    for i in range(14):
        card(scratch_project, f"p{i:02}.yaml", id=f"P-{i:02}", account=f"Prospect {i:02}", column="prospects",
             replace={"  - {column: proposal, date: 2025-10-20}\n": ""})
    pdfs = render(scratch_project.root, scratch_project.root.parent / "out", "board.pdf")
    pages = reader(pdfs["board.pdf"]).pages
    assert len(pages) >= 2
    for page in pages:
        words = page.extract_text()
        assert "PROSPECTS" in words and "WIP 14/∞" in words and "NÉGOCIATION" in words
    everything = text(pdfs["board.pdf"])
    assert all(f"Prospect {i:02}" in everything for i in range(14))


def test_user_templates_override_the_defaults(scratch_project: Scratch, caplog: pytest.LogCaptureFixture) -> None:
    pdf_project(scratch_project)
    scratch_project.write("templates/board/cards.html.j2", """\
        <html><head><title>{{ title }}</title></head><body class="doc-sheet">
        <p>Cartes maison : {{ card_pages | length }} page(s)</p></body></html>
        """)
    scratch_project.write("templates/print.css", """\
        @import url("http://example.invalid/remote.css");
        @page { size: A5 portrait; }
        body { background: url("file:///etc/passwd"); }
        """)
    pdfs = render(scratch_project.root, scratch_project.root.parent / "out", "cards.pdf")
    assert "Cartes maison : 1 page(s)" in text(pdfs["cards.pdf"])
    assert sizes(pdfs["cards.pdf"]) == {(420, 595)}                     # the user's A5
    refused = [r.getMessage() for r in caplog.records if "dealdocs refuses" in r.getMessage()]
    assert any("http://example.invalid/remote.css" in m for m in refused), caplog.text
    assert any("file:///etc/passwd" in m for m in refused), caplog.text


def test_broken_user_template_is_a_finding(scratch_project: Scratch, tmp_path: Path) -> None:
    pdf_project(scratch_project)
    scratch_project.write("templates/board/labels.html.j2", "{% for x in %}\n")
    project = load_project(scratch_project.root, date(2025, 10, 24))
    findings = board_render.write_board(project, date(2025, 10, 24), Writer(tmp_path),
                                        ["board/board.pdf", "board/labels.pdf"])
    assert len(findings) == 1
    assert findings[0].path == "templates/board/labels.html.j2" and findings[0].severity == "error"
    assert (tmp_path / "board" / "board.pdf").exists() and not (tmp_path / "board" / "labels.pdf").exists()


def test_no_board_writes_nothing(tmp_path: Path) -> None:
    class Nothing:
        board = None
    assert board_render.write_board(Nothing(), date(2025, 10, 24), Writer(tmp_path)) == []
    assert not (tmp_path / "board").exists()


def test_board_pdfs_come_from_the_cache_when_nothing_changed(scratch_project: Scratch, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    pdf_project(scratch_project)
    when = date(2025, 10, 24)
    project = load_project(scratch_project.root, when)
    only = ["board/board.pdf"]
    assert board_render.write_board(project, when, Writer(tmp_path / "a"), only, use_cache=True) == []

    def boom(*args, **kwargs):
        raise AssertionError("rendered again")
    monkeypatch.setattr(board_render, "html_to_pdf", boom)
    assert board_render.write_board(project, when, Writer(tmp_path / "b"), only, use_cache=True) == []
    assert (tmp_path / "a/board/board.pdf").read_bytes() == (tmp_path / "b/board/board.pdf").read_bytes()
    scratch_project.write("templates/print.css", "@page { size: A5; }\n")      # a template change re-renders
    findings = board_render.write_board(project, when, Writer(tmp_path / "c"), only, use_cache=True, jobs=1)
    assert [f.message for f in findings] == ["PDF rendering of board/board.html.j2 failed: rendered again"]


REPO = Path(__file__).resolve().parents[1]


def test_teleprospection_example_board(tmp_path: Path) -> None:
    root = REPO / "examples" / "teleprospection"
    project = load_project(root, date(2025, 10, 24))
    assert [f for f in project.findings if f.severity == "error"] == []
    assert [c.key for c in project.board.columns] == ["a_appeler", "appele", "rappel", "rdv_pris", "closed"]
    pdfs = render(root, tmp_path)
    board = text(pdfs["board.pdf"])
    for title in ("À APPELER", "APPELÉ", "RAPPEL", "RDV PRIS", "GAGNÉ/PERDU"):
        assert title in board
    assert re.search(r"WIP \d+/20", board) and re.search(r"WIP \d+/∞", board)
    assert sizes(pdfs["board.pdf"]) == {(842, 595)}
    accounts = {d.card.account for d in project.cards if d.card.active}
    assert accounts and all(a in text(pdfs["cards.pdf"]) for a in accounts)


def test_build_writes_the_board_into_the_manifest(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.write("content/board.yaml", BOARD)
    card(scratch_project)
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(out), "--as-of", AS_OF, "-q")
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    for name in ("board", "banners", "labels", "cards"):
        assert f"board/{name}.pdf" in manifest
        assert (out / "board" / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"


def test_cmap_fix_maps_the_ellipsis_glyph_back() -> None:
    hidden = "c le DSI".encode("utf-16-be").hex().encode()
    assert board_render._cmap_entry(b"<0042> <" + hidden + b">") == b"<0042> <2026>"
    for keep in (b"<0010> <0041>", b"<0011> <00660069>", b"<0012> <00650301>", b"1 beginbfchar"):
        assert board_render._cmap_entry(keep) == keep                # a letter, the fi ligature, e + accent


def test_elided_text_extracts_as_an_ellipsis(scratch_project: Scratch) -> None:
    scratch_project.write("content/board.yaml", BOARD)
    card(scratch_project, account='"Compagnie Générale des Établissements Industriels du Grand Sud-Est"')
    pdfs = render(scratch_project.root, scratch_project.root.parent / "out", "board.pdf")
    board = text(pdfs["board.pdf"])
    assert "Compagnie Générale des" in board and "…" in board
    assert "Grand Sud-Est" not in board                             # cut off on the card, not hidden in the text


# --- pages: rendered one by one, cached, joined ----------------------------------------------


def paged_project(scratch: Scratch, n: int = 18) -> Scratch:
    """n cards in one column: 3 pages of printable cards, 4 board pages."""
    scratch.write("content/board.yaml", BOARD)
    for i in range(n):
        card(scratch, f"c{i:02}.yaml", id=f"C-{i:02}", account=f"Compte {i:02}")
    return scratch


def render_board(root: Path, out: Path, **options) -> dict[str, bytes]:
    """All four board documents of a scratch project, with write_board's options."""
    when = date.fromisoformat(AS_OF)
    project = load_project(root, when)
    assert board_render.write_board(project, when, Writer(out), **options) == []
    return {p.name: p.read_bytes() for p in sorted((out / "board").glob("*.pdf"))}


def counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the HTML of every page WeasyPrint renders (in this process: use jobs=1)."""
    seen: list[str] = []
    real = board_render.html_to_pdf

    def spy(html: str, setup):
        seen.append(html)
        return real(html, setup)
    monkeypatch.setattr(board_render, "html_to_pdf", spy)
    return seen


def test_split_pages_repeats_head_and_tail() -> None:
    html = "<html><body>\n<!-- dealdocs:page --><p>1</p>\n<!-- dealdocs:page --><p>2</p>\n<!-- dealdocs:end -->\n</body></html>"
    assert board_render.split_pages(html) == ["<html><body>\n<p>1</p>\n\n</body></html>",
                                              "<html><body>\n<p>2</p>\n\n</body></html>"]
    assert board_render.split_pages("<html><p>no marks</p></html>") == ["<html><p>no marks</p></html>"]


def test_board_rows_are_packed_by_height() -> None:
    cols = [{"title": "Prospects", "expedite": []}, {"title": "Offre", "expedite": []}]
    plain = {"id": "A", "blocked": None, "fit": {"height": 30.5}}      # heights as card_fit measures them
    blocked = {"id": "B", "blocked": {"since": "x"}, "fit": {"height": 40.0}}
    pages = board_render.board_pages(cols, [[plain, None]] * 12)
    assert [len(p["rows"]) for p in pages] == [4, 5, 3]              # the expedite lane takes room on page 1
    assert [p["number"] for p in pages] == [1, 2, 3] and [p["expedite"] for p in pages] == [True, False, False]
    assert [len(p["rows"]) for p in board_render.board_pages(cols, [[plain, blocked]] * 8)] == [3, 3, 2]
    cols[0]["expedite"] = [plain, plain]                                   # two expedite cards stack up
    assert [len(p["rows"]) for p in board_render.board_pages(cols, [[plain, None]] * 8)] == [2, 5, 1]
    long = [{"title": "Négociation commerciale et juridique", "expedite": []}] * 6
    assert board_render._titles_wrap(long) and not board_render._titles_wrap(cols)
    assert [len(p["rows"]) for p in board_render.board_pages(long, [[plain] * 6] * 12)] == [4, 4, 4]
    alarm = [{"title": "Prospects", "expedite": [], "over": True}, {"title": "Offre", "expedite": []}]
    assert [len(p["rows"]) for p in board_render.board_pages(alarm, [[plain, None]] * 12)] == [4, 4, 4]
    summary = [[{"summary": True}, plain]] + [[None, plain]] * 11          # the won/lost summary: a fixed height
    assert [len(p["rows"]) for p in board_render.board_pages(cols[1:], summary)] == [4, 5, 3]
    assert board_render.board_pages(cols, []) == [{"number": 1, "expedite": True, "rows": [], "free_mm": 92.2}]


@pytest.fixture(scope="module")
def paged_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A project of 18 cards rendered once, in 2 worker processes, with its page cache kept."""
    scratch = paged_project(Scratch(tmp_path_factory.mktemp("paged") / "repo"))
    return scratch.root, render_board(scratch.root, scratch.root.parent / "out", use_cache=True, jobs=2)


@pytest.fixture
def paged(paged_repo: tuple[Path, dict[str, bytes]]) -> dict[str, bytes]:
    return paged_repo[1]


@pytest.fixture
def warm(paged_repo: tuple[Path, dict[str, bytes]], tmp_path: Path) -> Scratch:
    """A copy of the paged project, its cache warm."""
    import shutil
    shutil.copytree(paged_repo[0], tmp_path / "repo")
    scratch = Scratch.__new__(Scratch)
    scratch.root = tmp_path / "repo"
    return scratch


def test_joined_pdfs_keep_every_page_in_order(paged: dict[str, bytes]) -> None:
    cards = [page.extract_text() for page in reader(paged["cards.pdf"]).pages]
    assert len(cards) == 3
    for i in range(18):
        assert f"Compte {i:02}" in cards[i // board_render.CARDS_PER_PAGE]
    assert cards[2].count("COMPTE / CONTACT") == 6                      # 2 cards and 6 blank ones
    board = [page.extract_text().replace("\u00a0", " ") for page in reader(paged["board.pdf"]).pages]
    assert len(board) == 4
    for number, page in enumerate(board, 1):
        assert f"{number} / 4" in page and "OFFRE ENVOYÉE" in page and "WIP 18/2" in page and "Légende" in page
    assert "EXPEDITE" in board[0] and "EXPEDITE" not in board[1]
    assert sorted(re.findall(r"Compte \d\d", "\n".join(board))) == [f"Compte {i:02}" for i in range(18)]
    assert [len(reader(paged[n]).pages) for n in ("banners.pdf", "labels.pdf")] == [2, 2]


def test_joined_pdfs_have_the_documents_metadata_and_no_random_id(paged: dict[str, bytes]) -> None:
    for name, data in paged.items():
        pdf = reader(data)
        assert pdf.metadata["/CreationDate"].startswith("D:20251024"), name
        assert pdf.metadata["/Producer"].startswith("WeasyPrint"), name
        assert "/ID" not in pdf.trailer, name
        assert pdf.trailer["/Root"]["/Lang"] == "fr", name
    parts = [board_render.split_pages(f"<!-- dealdocs:page -->{i}<!-- dealdocs:end -->")[0] for i in "12"]
    assert parts == ["1", "2"]
    again = board_render.join_pdfs([paged["banners.pdf"], paged["labels.pdf"]])
    assert again == board_render.join_pdfs([paged["banners.pdf"], paged["labels.pdf"]])
    assert len(reader(again).pages) == 4


def test_one_card_edited_re_renders_only_its_page_and_matches_a_cold_build(
        warm: Scratch, paged: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    card(warm, "c09.yaml", id="C-09", account="Compte 09", notes="Besoin SSO urgent.")
    rendered = counting_renders(monkeypatch)
    after = render_board(warm.root, tmp_path / "b", use_cache=True, jobs=1)
    assert len(rendered) == 1 and "Besoin SSO urgent." in rendered[0]   # notes are on the printable card only
    assert after["board.pdf"] == paged["board.pdf"] and after["cards.pdf"] != paged["cards.pdf"]
    assert "Besoin SSO urgent." in reader(after["cards.pdf"]).pages[1].extract_text()
    monkeypatch.undo()
    cold = render_board(warm.root, tmp_path / "c", use_cache=False, jobs=2)
    assert cold == after                                       # the page cache and the workers are invisible


def test_a_changed_amount_re_renders_the_pages_that_show_it(warm: Scratch, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    card(warm, "c17.yaml", id="C-17", account="Compte 17", amount="31000")
    rendered = counting_renders(monkeypatch)
    after = render_board(warm.root, tmp_path / "b", use_cache=True, jobs=1)
    assert len(rendered) == 5                          # every board page (the totals changed) and its card page
    assert "31 k€" in text(after["cards.pdf"]) and "31 k€" in text(after["board.pdf"])


def test_a_corrupted_page_in_the_cache_is_rendered_again(warm: Scratch, paged: dict[str, bytes], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for entry in (warm.root / ".dealdocs-cache").rglob("*.bin"):
        entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")
    rendered = counting_renders(monkeypatch)
    assert render_board(warm.root, tmp_path / "b", use_cache=True, jobs=1, only=["board/labels.pdf"]) == \
        {"labels.pdf": paged["labels.pdf"]}
    assert len(rendered) == 2


#: metrics.headline() at its longest: two-digit figures everywhere
LONG_HEADLINE = {"items": [
    {"key": "throughput", "label": "Débit", "value": 12.3, "text": "12,3 gains par semaine (moy. 6 sem.)"},
    {"key": "wip", "label": "WIP", "value": 48, "text": "48 cartes actives"},
    {"key": "forecast", "label": "Prévision 4 semaines", "value": 49.2, "status": "ok",
     "text": "49,2 ± 12,4 gains (≥ 38 à 85 %)"},
    {"key": "weighted_pipeline", "label": "Pipe pondéré", "value": 1, "text": "1 €"}]}


def test_headline_items_split_the_figure_from_its_note() -> None:
    items = board_render.headline_items(LONG_HEADLINE)
    assert [i["key"] for i in items] == ["throughput", "forecast"]
    assert items[1]["figure"] == "49,2 ± 12,4 gains" and items[1]["note"] == "(≥ 38 à 85 %)"
    short = {"items": [{"key": "forecast", "label": "Prévision 4 semaines", "text": "pas assez de données"}]}
    assert board_render.headline_items(short)[0]["note"] == "" and board_render.headline_items(None) == []


def test_headline_is_whole_and_large_on_the_board(tmp_path: Path) -> None:
    """Throughput and forecast, at their longest, print in full, as large as the column WIP, within the sheet."""
    scratch = pdf_project(Scratch(tmp_path / "repo"))
    page = reader(render(scratch.root, tmp_path / "out", "board.pdf", headline=LONG_HEADLINE)["board.pdf"]).pages[0]
    runs: list[tuple[str, float, float]] = []       # text, x and font size in CSS px (the PDF's 0.75 scale)
    page.extract_text(visitor_text=lambda t, cm, tm, font, size: runs.append((t.strip(), tm[4], size)))
    sizes = {t: size for t, _, size in runs}
    assert sizes["12,3 gains par semaine"] * 0.75 >= 14 and sizes["49,2 ± 12,4 gains"] * 0.75 >= 14
    assert sizes["WIP 5/2"] <= sizes["49,2 ± 12,4 gains"]
    assert {"DÉBIT", "PRÉVISION 4 SEMAINES", "(moy. 6 sem.)", "(≥ 38 à 85 %)"} <= set(sizes)
    x, size = next((x, size) for t, x, size in runs if t == "(≥ 38 à 85 %)")
    assert (x + 0.7 * size * len("(≥ 38 à 85 %)")) * 0.75 < 842 - 17     # ends before the right margin
    assert "…" not in "".join(t for t, _, _ in runs if "gain" in t or "≥" in t)


@pytest.mark.parametrize("language, present, absent", [
    ("fr", ["Légende :", "Pipe pondéré :", "Gagnées : 1", "Règles :"], ["Légende:"]),
    ("en", ["Legend:", "Weighted pipeline:", "Won: 1", "Rules:"], [" :"]),
])
def test_board_colons_follow_the_language(tmp_path: Path, language: str, present: list[str], absent: list[str]) -> None:
    """French puts a space before a colon, English does not (the board's HTML, before PDF)."""
    scratch = pdf_project(Scratch(tmp_path / "repo"))
    project = load_project(scratch.root, date.fromisoformat(AS_OF))
    context = board_render.board_context(project.board, project.cards, date.fromisoformat(AS_OF), language)
    renderer = board_render.BoardRenderer(None)
    html = "".join(renderer.html(name, context) for name in board_render.DOCUMENTS.values())
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert [word for word in present if word in text] == present
    assert not [word for word in absent if word in text]


def test_headline_band_takes_its_room_on_every_page() -> None:
    cols = [{"title": "Prospects", "expedite": []}, {"title": "Offre", "expedite": []}]
    plain = {"id": "A", "blocked": None, "fit": {"height": 30.5}}
    assert [len(p["rows"]) for p in board_render.board_pages(cols, [[plain, None]] * 12)] == [4, 5, 3]
    assert [len(p["rows"]) for p in board_render.board_pages(cols, [[plain, None]] * 12, headline=True)] == [4, 4, 4]


@pytest.mark.parametrize("headline", [None, LONG_HEADLINE], ids=["plain", "headline"])
def test_every_board_page_fits_on_one_sheet(tmp_path: Path, headline: dict | None) -> None:
    """Two-line column titles, blocked cards and a stack of expedite cards: the packing never overflows."""
    scratch = Scratch(tmp_path / "repo")
    scratch.write("content/board.yaml", BOARD.replace("title: Offre envoyée,", "title: Offre envoyée au client final,")
                  .replace("title: Négociation,", "title: Négociation commerciale et juridique,"))
    for i in range(21):
        extra = {"class": "expedite"} if i < 3 else {}
        blocked = ("last_action: 2025-10-22\nblocked: {since: 2025-10-20, cause: Attente DPA juridique}"
                   if i % 2 else "last_action: 2025-10-22")
        card(scratch, f"w{i:02}.yaml", id=f"W-{i:02}", account=f"Compte {i:02}",
             column=["prospects", "proposal", "negotiation"][i % 3],
             replace={"last_action: 2025-10-22": blocked}, **extra)
    project = load_project(scratch.root, date.fromisoformat(AS_OF))
    context = board_render.board_context(project.board, project.cards, date.fromisoformat(AS_OF), headline=headline)
    pdfs = render(scratch.root, tmp_path / "out", "board.pdf", headline=headline)
    assert len(reader(pdfs["board.pdf"]).pages) == len(context["board_pages"]) == 2
    words = text(pdfs["board.pdf"])
    assert all(f"Compte {i:02}" in words for i in range(21))
    html = board_render.BoardRenderer(None).html("board/board.html.j2", context)
    for page, part in zip(context["board_pages"], board_render.split_pages(html)):
        # the cards take no more than the packing counted: the slack stays clear above the legend
        assert table_room(part) == [pytest.approx(page["free_mm"] + board_render.BOARD_SLACK_MM, abs=1.0)]
    assert board_render.BOARD_SLACK_MM >= 4.0


@pytest.mark.parametrize("language, present, absent", [
    ("fr", ["DÉBIT", "gain par semaine", "(moy. 6 sem.)", "PRÉVISION 4 SEMAINES", "(0\u00a0%)"],
     ["Throughput", "win", "(0%)", "(s)"]),
    ("en", ["THROUGHPUT", "wins per week", "(6-wk mean)", "4-WEEK FORECAST", "(0%)"],
     ["DÉBIT", "Débit", "gain", "semaine", "Prévision", "\u00a0%"]),
])
def test_board_band_follows_the_language(tmp_path: Path, language: str, present: list[str], absent: list[str]) -> None:
    """The throughput and forecast band (metrics.headline) and the share without next action, in the language."""
    from generator.metrics import from_project, headline
    scratch = pdf_project(Scratch(tmp_path / "repo"))
    when = date.fromisoformat(AS_OF)
    project = load_project(scratch.root, when)
    band = headline(from_project(project, when), language)
    context = board_render.board_context(project.board, project.cards, when, language, band)
    html = board_render.BoardRenderer(None).html("board/board.html.j2", context)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&nbsp;", "\u00a0")
    text += " " + " ".join(h["label"].upper() for h in context["headline"])  # the band's labels print uppercase (CSS)
    assert [word for word in present if word in text] == present
    assert not [word for word in absent if word in text]


def table_room(html: str) -> list[float]:
    """For each page of a board HTML page: the mm between the end of its table and the legend (WeasyPrint's layout)."""
    import weasyprint
    setup = board_render.BoardRenderer(None).setup
    doc = weasyprint.HTML(string=html, base_url=setup.base_url).render(stylesheets=[weasyprint.CSS(string=setup.css)])
    mm = 25.4 / 96
    room = []
    for page in doc.pages:
        box = getattr(page, "_page_box", None)
        if box is None:
            pytest.skip("this WeasyPrint does not expose its layout")
        stack, table = [box], None
        while stack:
            node = stack.pop()
            if type(node).__name__ == "TableBox":
                table = node
            stack.extend(getattr(node, "children", None) or [])
        assert table is not None
        room.append(((box.content_box_y() + box.height) - (table.position_y + table.height)) * mm)
    return room
