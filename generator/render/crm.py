"""CRM exports: crm/opportunities.csv (one row per card) and crm/activities.csv (one row per CRC version).

The files are RFC 4180 CSV (comma-separated, CRLF line ends) in UTF-8 with a byte-order mark,
so Excel opens accents correctly and HubSpot and Salesforce import them as is; column
names are stable snake_case (see docs/crm-mapping.md). Rows come in a fixed order and
any cell a spreadsheet could take for a formula is prefixed with a quote.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from .. import rules
from ..context import default_subject
from ..i18n import labels
from ..models import Board, Card, CrcDoc

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

OPPORTUNITY_COLUMNS = (
    "id", "account", "contact", "stage", "stage_label", "amount", "probability", "close_date",
    "next_action", "next_action_date", "owner", "source", "class", "outcome", "outcome_date", "loss_reason",
    "last_action",
)
ACTIVITY_COLUMNS = (
    "date", "type", "type_label", "subject", "client", "opportunity", "next_step", "next_step_date",
    "next_step_owner", "link", "status", "score", "name", "version", "sent_on",
)


def safe_cell(value: Any) -> str:
    """A cell as text, neutralised if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = value if type(value) is str else _number(value) if isinstance(value, float) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def csv_bytes(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 CSV with a BOM, a header row, every cell made safe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(map(safe_cell, map(row.get, columns)) for row in rows)
    return (BOM + buf.getvalue()).encode("utf-8")


def opportunity_row(card: Card, board: Optional[Board]) -> dict[str, Any]:
    """One card as a CRM opportunity."""
    column = board.column(card.column) if board else None
    nxt, outcome = card.next_action, card.outcome
    return {
        "id": card.id, "account": card.account, "contact": card.contact,
        "stage": card.column, "stage_label": column.title if column else card.column,
        "amount": card.amount, "probability": card.probability, "close_date": _iso(card.close_date),
        "next_action": nxt.what if nxt else "", "next_action_date": _iso(nxt.date if nxt else None),
        "owner": card.owner.name if card.owner else "", "source": card.source, "class": card.class_,
        "outcome": outcome.result if outcome else "", "outcome_date": _iso(outcome.date if outcome else None),
        "loss_reason": outcome.reason if outcome and outcome.reason else "",
        "last_action": _iso(card.last_action_date),
    }


def activity_row(doc: CrcDoc, language: str, base_url: str = "", score: Optional[int] = None) -> dict[str, Any]:
    """One CRC version as a CRM activity (a meeting); score: its total, when already computed."""
    crc, step = doc.crc, doc.crc.next_step
    return {
        "date": crc.date.isoformat(), "type": crc.type, "type_label": labels(language)[crc.type],
        "subject": default_subject(doc, language), "client": crc.client, "opportunity": crc.opportunity,
        "next_step": step.action if step and step.action else "", "next_step_date": _iso(step.date if step else None),
        "next_step_owner": step.owner_vendor if step and step.owner_vendor else "",
        "link": f"{base_url}crc/{doc.name}.html", "status": crc.status,
        "score": rules.score(crc, language).total if score is None else score, "name": doc.name, "version": crc.version,
        "sent_on": _iso(crc.sent_on),
    }


def opportunities_csv(cards: Iterable[Card], board: Optional[Board]) -> bytes:
    """crm/opportunities.csv, sorted by card id."""
    return csv_bytes(OPPORTUNITY_COLUMNS, [opportunity_row(c, board) for c in sorted(cards, key=lambda c: c.id)])


def activities_csv(docs: Iterable[CrcDoc], language: str, base_url: str = "",
                   scores: Optional[dict[str, int]] = None) -> bytes:
    """crm/activities.csv, sorted by meeting date then document name (scores: totals by name, if computed)."""
    ordered = sorted(docs, key=lambda d: (d.crc.date, d.name))
    scores = scores or {}
    return csv_bytes(ACTIVITY_COLUMNS, [activity_row(d, language, base_url, scores.get(d.name)) for d in ordered])


def site_url(root: Path) -> str:
    """mkdocs.yml's site_url with a trailing slash, or "" (links then stay relative)."""
    from ..project import mkdocs_config  # the bounded loader: a hostile mkdocs.yml cannot crash the build
    url = mkdocs_config(root).get("site_url")
    if not isinstance(url, str) or not url.strip():
        return ""
    return url.strip().rstrip("/") + "/"


def write_crm(project: Any, writer: Any, scores: Optional[dict[str, int]] = None) -> None:
    """Write both CRM files of a project into the build output (scores: CRC totals by name, if computed)."""
    writer.write("crm/opportunities.csv", opportunities_csv([d.card for d in project.cards], project.board))
    writer.write("crm/activities.csv", activities_csv(project.crcs, project.settings.language, site_url(project.root),
                                                      scores))
