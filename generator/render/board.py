"""The printed Kanban board: view models → print HTML (Jinja) → PDF (WeasyPrint)."""
from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence, TypeVar

import jinja2

from .. import rules
from ..i18n import labels as i18n_labels
from ..models import ERROR, Board, Card, CardDoc, Finding
from ..templates import DEFAULTS, display_path, environment, file_hash, template_path
from . import RenderError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: output path → template name (under default_templates/ or the project's templates/)
DOCUMENTS = {
    "board/board.pdf": "board/board.html.j2",
    "board/banners.pdf": "board/banners.html.j2",
    "board/labels.pdf": "board/labels.html.j2",
    "board/cards.pdf": "board/cards.html.j2",
}
STYLESHEET = "print.css"

# Cells per A4 sheet; print.css sizes the cells to match.
BANNERS_PER_PAGE = 4    # A6 portrait, 2 × 2
LABELS_PER_PAGE = 14    # 105 × 42.4 mm, 2 × 7
TICKETS_PER_PAGE = 6    # 105 × 99 mm, 2 × 3
CARDS_PER_PAGE = 8      # 105 × 74.25 mm (A7), 2 × 4

# Board page geometry in mm, in step with print.css: the generator packs the card rows into pages itself.
BOARD_SLACK_MM = 4.0                # a clear margin between the last row and the legend under the board
BOARD_ROOM_MM = 192.0 - 29.6 - BOARD_SLACK_MM  # A4 landscape less its margins, the headers (one-line titles)
BOARD_TITLE_LINE_MM = 4.7           # a column title's second line
BOARD_ALERT_LINE_MM = 4.4           # the column heads' alert line (WIP exceeded or reached), under the Σ line
BOARD_WIDTH_MM = 285.0              # the table's width; a column head has 3.4 mm of padding and borders
TITLE_MM_PER_EM = 11.5 * 25.4 / 72  # column titles: DejaVu Sans Bold 11.5 pt, upper case
TITLE_EM = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /-'.,:&()",
                    (.774, .762, .734, .83, .683, .683, .821, .837, .372, .372, .775, .637, .995, .837, .85, .733,
                     .85, .77, .72, .682, .812, .774, 1.103, .771, .724, .725) + (.696,) * 10
                    + (.348, .365, .415, .306, .38, .38, .4, .872, .457, .457)))
BOARD_ROW_PADDING_MM = 0.8
BOARD_LANE_MM = 3.9 + 0.8 + 0.5  # the expedite lane: its title, and its cell's padding and border
BOARD_LANE_MIN_MM = 6.0
BOARD_HEADLINE_MM = 6.5          # the throughput and forecast band under the title, when the build has metrics
BOARD_SUMMARY_MM = 24.0          # the won/lost summary atop the closed column

# A card on the board, in step with print.css (.card): as tall as the lines its text needs, read from two metres.
CARD_FRAME_MM = 1.2 + 0.6          # padding top and bottom, 0.3 mm borders
CARD_BLOCKED_FRAME_MM = 1.2 + 1.4  # 0.7 mm red borders
CARD_SIDES_MM = 0.6 + 3.5 + 0.6    # borders, the class band and its gap, the right padding (the same when blocked)
CELL_SIDES_MM = 1.0 + 0.2          # a lane cell's padding and dashed border
CELL_OVER_SIDES_MM = 1.0 + 1.4     # a lane cell's padding and red borders, in a column over its WIP limit
CARD_ID_MM = 4.6                   # the id line: 11 pt bold
CARD_MONEY_MM = 4.5                # amount · probability, and the age: 10.5 pt
CARD_BAND_PAD_MM = 0.9             # the block band's margin and padding
#: part → (font size in pt, bold, line height in mm, most lines)
CARD_TEXT = {"account": (12.0, True, 4.7, 2), "next": (9.5, False, 3.9, 3), "meta": (7.5, False, 3.7, 3),
             "band": (8.0, True, 3.5, 3)}
CARD_NEXT_DATE_PT = 10.0           # the next action's date and time, bold
CARD_CHIP_PT = 7.0                 # chips on the meta line: bold, upper case
CARD_CHIP_SIDES_MM = 2 * 1.1 + 2 * 0.35  # a chip's padding and borders (a space follows it)

CLASS_RANK = {"expedite": 0, "fixed-date": 1, "partner": 2, "standard": 3}
DEFAULT_CLASS_TITLES = {"standard": "Standard", "fixed-date": "Fixed Date", "expedite": "Expedite",
                        "partner": "Partenaire"}

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "period": "Période", "as_of": "Au", "active": "cartes actives",
        "weighted": "Pipe pondéré", "blocked_count": "Bloquées",
        "wip_over": "WIP dépassé", "wip_full": "WIP atteint", "expedite_lane": "Expedite",
        "expedite_rule": "1 carte active maximum — priorité absolue",
        "blocked": "BLOQUÉ", "no_next": "SANS ACTION", "idle": "INACTIF",
        "purge": "À PURGER", "nego": "NÉGO", "days": "j", "age": "âge", "won": "Gagnées",
        "lost": "Perdues", "legend": "Légende", "classes": "Classes",
        "rules": "Règles", "since": "depuis", "cause": "Cause", "next": "Prochaine étape", "owner": "Resp.",
        "column": "Colonne", "wip": "WIP", "dor": "Règles d'entrée (DoR)", "dod": "Définition de fini (DoD)",
        "pull_rules": "Règles de tirage", "board_rules": "Règles du tableau",
        "problem": "Problème", "rule": "Règle testée", "indicator": "Indicateur suivi", "target": "Cible",
        "decision": "Décision (J+14)", "keep": "Garder", "adjust": "Ajuster", "drop": "Jeter",
        "micro_rule": "Micro-règle 2 semaines", "card": "Carte", "account": "Compte", "contact": "Contact",
        "next_action": "Prochaine action & date", "amount": "Montant", "probability": "Probabilité",
        "source": "Source", "close_date": "Échéance", "notes": "Notes / objections", "class": "Classe",
        "key_fields": "Champs clés", "light_green": "≤ {g} j", "light_amber": "{g1}–{a} j",
        "light_red": "> {a} j", "nego_light": "Négo", "age_hint": "âge = jours depuis la dernière action",
        "idle_hint": "> {n} j", "purge_hint": "> {n} j en {col}",
        "pull_hint": "Tirer une carte seulement si WIP < limite", "owner_long": "Personne en charge",
        "doc_banners": "bannières de colonnes", "doc_labels": "étiquettes BLOQUÉ et micro-règles",
        "doc_cards": "cartes à imprimer", "no_limit": "Pas de limite WIP",
        "unlimited": "∞", "none": "—",
    },
    "en": {
        "period": "Period", "as_of": "As of", "active": "active cards",
        "weighted": "Weighted pipeline", "blocked_count": "Blocked",
        "wip_over": "WIP exceeded", "wip_full": "WIP reached", "expedite_lane": "Expedite",
        "expedite_rule": "1 active card at most — top priority",
        "blocked": "BLOCKED", "no_next": "NO ACTION", "idle": "IDLE",
        "purge": "PURGE", "nego": "NEGO", "days": "d", "age": "age", "won": "Won",
        "lost": "Lost", "legend": "Legend", "classes": "Classes",
        "rules": "Rules", "since": "since", "cause": "Cause", "next": "Next step", "owner": "Owner",
        "column": "Column", "wip": "WIP", "dor": "Entry rules (DoR)", "dod": "Definition of Done (DoD)",
        "pull_rules": "Pull rules", "board_rules": "Board rules",
        "problem": "Problem", "rule": "Rule tested", "indicator": "Indicator", "target": "Target",
        "decision": "Decision (D+14)", "keep": "Keep", "adjust": "Adjust", "drop": "Drop",
        "micro_rule": "Two-week micro-rule", "card": "Card", "account": "Account", "contact": "Contact",
        "next_action": "Next action & date", "amount": "Amount", "probability": "Probability",
        "source": "Source", "close_date": "Close date", "notes": "Notes / objections", "class": "Class",
        "key_fields": "Key fields", "light_green": "≤ {g} d", "light_amber": "{g1}–{a} d",
        "light_red": "> {a} d", "nego_light": "Nego", "age_hint": "age = days since the last action",
        "idle_hint": "> {n} d", "purge_hint": "> {n} d in {col}",
        "pull_hint": "Pull a card only if WIP < limit", "owner_long": "Owner",
        "doc_banners": "column banners", "doc_labels": "BLOCKED labels and micro-rules",
        "doc_cards": "printable cards", "no_limit": "No WIP limit",
        "unlimited": "∞", "none": "—",
    },
}

SOURCES = {"fr": {"inbound": "Inbound", "outbound": "Outbound", "trade-show": "Salon",
                  "referral": "Recommandation", "partner": "Partenaire"},
           "en": {"inbound": "Inbound", "outbound": "Outbound", "trade-show": "Trade show",
                  "referral": "Referral", "partner": "Partner"}}
REASONS = {"fr": {"price": "prix", "timing": "timing", "fit": "fit", "competition": "concurrence"},
           "en": {"price": "price", "timing": "timing", "fit": "fit", "competition": "competition"}}
VARIANTS = {
    "fr": {"discovery": ("Découverte (inbound)", "Problème exprimé • Persona • Budget indicatif • Next step daté"),
           "outbound": ("Outbound (prospection)", "Segment • Trigger event • Icebreaker • Next step"),
           "offer": ("Offre / Chiffrage", "Périmètre validé • Prix • Risque • Date de relance"),
           "negotiation": ("Négociation / Closing", "Décideurs • Objections top 3 • Concessions • Plan de signature")},
    "en": {"discovery": ("Discovery (inbound)", "Stated problem • Persona • Budget • Dated next step"),
           "outbound": ("Outbound (prospecting)", "Segment • Trigger event • Icebreaker • Next step"),
           "offer": ("Offer / Pricing", "Validated scope • Price • Risk • Follow-up date"),
           "negotiation": ("Negotiation / Closing", "Deciders • Top 3 objections • Concessions • Signing plan")},
}


# --- formatting -------------------------------------------------------------------


def short_amount(amount: Optional[float], language: str = "fr") -> str:
    """`28 k€`, `30,5 k€`, `1,25 M€`, `850 €` (non-breaking space before the unit)."""
    if amount is None:
        return ""
    if amount >= 999_950:
        text, unit = f"{amount / 1_000_000:.2f}", "M€"
    elif amount >= 999.5:
        text, unit = f"{amount / 1000:.1f}", "k€"
    else:
        text, unit = f"{amount:.0f}", "€"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if language == "fr":
        text = text.replace(".", ",")
    return f"{text}\u00a0{unit}"


def day_month(value: Optional[date], language: str = "fr") -> str:
    """`12/10` (fr) or `12 Oct` (en)."""
    if value is None:
        return ""
    return value.strftime("%d/%m") if language == "fr" else f"{value.day} {value:%b}"


def full_date(value: Optional[date], language: str = "fr") -> str:
    """`30/10/2025` (fr) or `2025-10-30` (en)."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()


def paginate(items: Sequence[T], per_page: int, fill: bool = True, min_pages: int = 1) -> list[list[Optional[T]]]:
    """Items in pages of per_page; the last page padded with None (blank cells) when fill."""
    pages: list[list[Optional[T]]] = [list(items[i:i + per_page]) for i in range(0, len(items), per_page)]
    while len(pages) < min_pages:
        pages.append([])
    if fill and pages:
        pages[-1] += [None] * (per_page - len(pages[-1]))
    return pages


# --- view models --------------------------------------------------------------------


def class_titles(board: Board) -> dict[str, str]:
    """Service-class titles, the board's own first."""
    titles = dict(DEFAULT_CLASS_TITLES)
    titles.update({c.key: c.title for c in board.classes})
    return titles


def card_sort_key(card: Card) -> tuple:
    """Class of service first, then the most urgent next action (none first), then id."""
    nxt = card.next_action.date if card.next_action and card.next_action.date else None
    return (CLASS_RANK.get(card.class_, 9), nxt is not None, nxt or date.min, card.id)


def card_view(card: Card, board: Board, as_of: date, language: str = "fr") -> dict[str, Any]:
    """Everything a card shows on the board, the labels and the printable cards, formatted."""
    lab = LABELS.get(language, LABELS["fr"])
    nxt = card.next_action
    in_col = rules.days_in_column(card, as_of)
    age = rules.age_days(card, as_of)
    first = board.columns[0].key if board.columns else ""
    column = board.column(card.column)
    light = rules.negotiation_light(in_col, board) if card.column == "negotiation" else ""
    blocked = card.blocked
    variant = VARIANTS.get(language, VARIANTS["fr"]).get(card.variant or "", ("", ""))
    flags = []
    if card.active and (nxt is None or nxt.date is None):
        flags.append(("no-next", lab["no_next"]))
    if card.active and age is not None and age > board.ageing.idle_days:
        flags.append(("idle", f"{lab['idle']} {age}\u00a0{lab['days']}"))
    if card.active and card.column == first and in_col is not None and in_col > board.ageing.prospect_purge_days:
        flags.append(("purge", lab["purge"]))
    return {
        "id": card.id,
        "account": card.account or card.id,
        "contact": card.contact or "",
        "column": card.column,
        "column_title": column.title if column else card.column,
        "amount": short_amount(card.amount, language),
        "probability": f"{card.probability}\u00a0%" if card.probability is not None else "",
        "next_what": nxt.what if nxt else "",
        "next_date": day_month(nxt.date, language) if nxt else "",
        "next_date_full": full_date(nxt.date, language) if nxt else "",
        "next_time": nxt.time or "" if nxt else "",
        "next_overdue": bool(card.active and nxt and nxt.date and nxt.date < as_of),
        "owner": f"{card.owner.name} ({card.owner.role})" if card.owner and card.owner.role else
                 card.owner.name if card.owner else "",
        "owner_name": card.owner.name if card.owner else "",
        "source": SOURCES.get(language, SOURCES["fr"]).get(card.source or "", ""),
        "close_date": full_date(card.close_date, language),
        "close_short": day_month(card.close_date, language),
        "class_key": card.class_,
        "class_title": class_titles(board).get(card.class_, card.class_),
        "variant": variant[0],
        "key_fields": variant[1],
        "notes": card.notes or "",
        "objections": ", ".join(card.objections),
        "age": age,
        "days_in_column": in_col,
        "light": light,
        "blocked": _blocked_view(card, as_of, language) if blocked else None,
        "flags": [{"key": k, "text": t} for k, t in flags],
        "chips": _board_chips(card, board, flags, light, in_col, language),
    }


def _board_chips(card: Card, board: Board, flags: list[tuple[str, str]], light: str, in_col: Optional[int],
                 language: str) -> list[dict[str, str]]:
    """The chips of a card on the board: its flags, its negotiation light, its class unless standard."""
    lab = LABELS.get(language, LABELS["fr"])
    chips = [{"css": f"flag flag-{k}", "text": t} for k, t in flags]
    if light and in_col is not None:
        mark = {"green": "✔", "amber": "!"}.get(light, "✘")
        chips.append({"css": f"light light-{light}", "text": f"{lab['nego']} {in_col}\u00a0{lab['days']} {mark}"})
    if card.class_ != "standard":
        title = class_titles(board).get(card.class_, card.class_)
        if card.class_ == "fixed-date" and card.close_date:
            title += f" {day_month(card.close_date, language)}"
        chips.append({"css": f"cls cls-{card.class_}", "text": title})
    return chips


def card_width(columns: int, over: bool = False) -> float:
    """The width in mm of a card's text on a board of `columns` columns."""
    sides = CELL_OVER_SIDES_MM if over else CELL_SIDES_MM
    return BOARD_WIDTH_MM / max(columns, 1) - sides - CARD_SIDES_MM


def card_fit(view: dict[str, Any], width: float, language: str = "fr") -> dict[str, Any]:
    """The lines each part of a board card takes in `width` mm, and the card's printed height in mm."""
    from .textfit import text_mm, words
    lab = LABELS.get(language, LABELS["fr"])
    next_pt = CARD_TEXT["next"][0]
    lines = {"account": _lines("account", words(str(view.get("account") or ""), CARD_TEXT["account"][0], True),
                               width)}
    dated = f"{view.get('next_date') or ''} {view.get('next_time') or ''}".split()
    if dated:
        pieces = [text_mm(w, CARD_NEXT_DATE_PT, True) for w in dated] + words(str(view.get("next_what") or ""), next_pt)
    else:
        pieces = words(str(view.get("next_what") or lab["no_next"]), next_pt, True)
    lines["next"] = _lines("next", pieces, width)
    chips = [text_mm(c["text"].upper(), CARD_CHIP_PT, True) + CARD_CHIP_SIDES_MM for c in view.get("chips", [])]
    owner = words(str(view.get("owner") or ""), CARD_TEXT["meta"][0])
    lines["meta"] = _lines("meta", chips + owner, width) if chips or owner else 0
    blocked = view.get("blocked")
    band = f"{lab['blocked']} {blocked.get('since', '')} · {blocked.get('cause', '')}" if blocked else ""
    lines["band"] = _lines("band", words(band, CARD_TEXT["band"][0], True), width) if blocked else 0
    height = (CARD_BLOCKED_FRAME_MM + CARD_BAND_PAD_MM if blocked else CARD_FRAME_MM) + CARD_ID_MM + CARD_MONEY_MM
    height += sum(CARD_TEXT[part][2] * n for part, n in lines.items())
    return {**lines, "height": round(height, 2)}


def _lines(part: str, pieces: list[float], width: float) -> int:
    """The lines a card part's pieces take, at least one, at most the part's limit."""
    from .textfit import count_lines, space_mm
    size, bold, _, most = CARD_TEXT[part]
    return max(1, min(most, count_lines(pieces, space_mm(size, bold), width)))


def _blocked_view(card: Card, as_of: date, language: str) -> dict[str, Any]:
    b = card.blocked
    assert b is not None
    return {"since": day_month(b.since, language), "since_full": full_date(b.since, language),
            "since_iso": b.since.isoformat(),
            "days": (as_of - b.since).days, "cause": b.cause, "next": b.next or "",
            "owner": b.owner or (card.owner.name if card.owner else "")}


def closed_summary(cards: Iterable[Card], language: str = "fr") -> dict[str, Any]:
    """Won and lost counts, amounts, loss reasons and the latest outcomes."""
    closed = [c for c in cards if c.outcome]
    won = [c for c in closed if c.outcome and c.outcome.result == "won"]
    lost = [c for c in closed if c.outcome and c.outcome.result == "lost"]
    names = REASONS.get(language, REASONS["fr"])
    reasons = Counter(names.get(c.outcome.reason or "", "?") for c in lost if c.outcome)
    latest = sorted(closed, key=lambda c: (c.outcome.date if c.outcome else date.min, c.id), reverse=True)[:2]
    return {
        "won": len(won), "won_amount": short_amount(sum(c.amount or 0 for c in won), language) if won else "",
        "lost": len(lost),
        "reasons": " · ".join(f"{k} {n}" for k, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "latest": [{"won": c.outcome.result == "won", "account": c.account or c.id,
                    "date": day_month(c.outcome.date, language)} for c in latest if c.outcome],
    }


def column_views(cards: list[Card], board: Board, as_of: date, language: str = "fr") -> list[dict[str, Any]]:
    """Board columns in order, with their WIP, alarm and cards (expedite lane apart)."""
    lab = LABELS.get(language, LABELS["fr"])
    counts = rules.wip(cards, board)
    last = board.columns[-1].key
    out = []
    for col in board.columns:
        mine = sorted((c for c in cards if c.active and c.column == col.key), key=card_sort_key)
        n, limit = counts[col.key], col.wip_limit
        width = card_width(len(board.columns), limit is not None and n > limit)
        views = [card_view(c, board, as_of, language) for c in mine]
        for v in views:
            v["fit"] = card_fit(v, width, language)
        out.append({
            "key": col.key, "title": col.title, "count": n, "limit": limit,
            "wip": f"{lab['wip']} {n}/{limit if limit is not None else lab['unlimited']}",
            "over": limit is not None and n > limit,
            "full": limit is not None and n == limit,
            "closed": col.key == last,
            "amount": short_amount(sum(c.amount or 0 for c in mine), language) if mine else "",
            "expedite": [v for v in views if v["class_key"] == "expedite"],
            "cards": [v for v in views if v["class_key"] != "expedite"],
        })
    return out


def board_rows(columns: list[dict[str, Any]]) -> list[list[Optional[dict[str, Any]]]]:
    """The flow lane as rows of one cell per column, so pages break between cards.

    The closed column's first cell holds the won/lost summary (`{"summary": True}`).
    """
    cells = [([{"summary": True}] if c["closed"] else []) + c["cards"] for c in columns]
    depth = max([len(c) for c in cells] + [1])
    return [[c[i] if i < len(c) else None for c in cells] for i in range(depth)]


def _titles_wrap(columns: list[dict[str, Any]]) -> bool:
    """Whether a column title may take two lines (its width estimated from the font, unknown letters 1 em)."""
    room = BOARD_WIDTH_MM / max(len(columns), 1) - 3.4 - 1.0
    for col in columns:
        letters = unicodedata.normalize("NFD", str(col["title"]).upper())
        width = sum(TITLE_EM.get(c, 1.0) for c in letters if not unicodedata.combining(c))
        if width * TITLE_MM_PER_EM > room:
            return True
    return False


def _card_mm(view: dict[str, Any]) -> float:
    """The printed height of a card on the board (of the won/lost summary atop the closed column)."""
    if view.get("summary"):
        return BOARD_SUMMARY_MM
    fit = view.get("fit") or card_fit(view, card_width(6))
    return float(fit["height"])


def board_pages(columns: list[dict[str, Any]], rows: list[list[Optional[dict[str, Any]]]],
                headline: bool = False) -> list[dict[str, Any]]:
    """The rows packed into A4 landscape pages by their printed height; the first page holds the expedite lane.

    With `headline`, every page's header also holds the throughput and forecast band; a column over or at its
    WIP limit adds the alert line to the column heads. `free_mm`: the height left unused above the slack.
    """
    stacked = [sum(_card_mm(v) for v in c["expedite"]) for c in columns]
    alert = any(c.get("over") or c.get("full") for c in columns)
    full = (BOARD_ROOM_MM - (BOARD_TITLE_LINE_MM if _titles_wrap(columns) else 0.0)
            - (BOARD_HEADLINE_MM if headline else 0.0) - (BOARD_ALERT_LINE_MM if alert else 0.0))
    room = full - BOARD_LANE_MM - max([BOARD_LANE_MIN_MM] + stacked)
    pages: list[list[list[Optional[dict[str, Any]]]]] = [[]]
    free = []
    for row in rows:
        height = max([_card_mm(v) for v in row if v is not None] + [0.0]) + BOARD_ROW_PADDING_MM
        if pages[-1] and height > room:
            pages.append([])
            free.append(room)
            room = full
        pages[-1].append(row)
        room -= height
    free.append(room)
    return [{"number": i + 1, "expedite": i == 0, "rows": page, "free_mm": round(free[i], 2)}
            for i, page in enumerate(pages)]


def legend(board: Board, language: str = "fr") -> dict[str, Any]:
    """Service classes, markers and traffic-light thresholds shown under the board."""
    lab = LABELS.get(language, LABELS["fr"])
    titles = class_titles(board)
    keys = [c.key for c in board.classes] or list(DEFAULT_CLASS_TITLES)
    policies = {c.key: c.policy or "" for c in board.classes}
    nd = board.ageing.negotiation_days
    first = board.columns[0].title if board.columns else ""
    return {
        "classes": [{"key": k, "title": titles[k], "policy": policies.get(k, "")} for k in keys],
        "green": lab["light_green"].format(g=nd.green),
        "amber": lab["light_amber"].format(g1=nd.green + 1, a=nd.amber),
        "red": lab["light_red"].format(a=nd.amber),
        "idle": lab["idle_hint"].format(n=board.ageing.idle_days),
        "purge": lab["purge_hint"].format(n=board.ageing.prospect_purge_days, col=first),
    }


def headline_items(headline: Optional[dict[str, Any]]) -> list[dict[str, str]]:
    """Throughput and forecast of metrics.headline() for the board's band: label, figure, and the note in brackets."""
    out = []
    for item in (headline or {}).get("items", []):
        if item["key"] not in ("throughput", "forecast"):
            continue
        text = str(item["text"])
        figure, _, note = text.partition(" (")
        out.append({"key": item["key"], "label": item["label"], "text": text, "figure": figure,
                    "note": f"({note}" if note else ""})
    return out


def board_context(board: Board, docs: list[CardDoc], as_of: date, language: str = "fr",
                  headline: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The view model of the four board documents."""
    lab = LABELS.get(language, LABELS["fr"])
    cards = [d.card for d in sorted(docs, key=lambda d: (d.card.id, d.source.path))]
    columns = column_views(cards, board, as_of, language)
    rows = board_rows(columns)
    figures = headline_items(headline)
    active = sorted((c for c in cards if c.active),
                    key=lambda c: (board.index(c.column), card_sort_key(c)))
    active_views = [card_view(c, board, as_of, language) for c in active]
    blocked = sorted((v for v in active_views if v["blocked"]),
                     key=lambda v: (v["blocked"]["since_iso"], v["id"]))
    no_next = sum(1 for v in active_views if any(f["key"] == "no-next" for f in v["flags"]))
    weighted = sum((c.amount or 0) * (c.probability or 0) / 100 for c in active)
    tickets = [{"problem": m.problem, "rule": m.rule, "indicator": m.indicator or "", "target": m.target or "",
                "decision_date": full_date(m.decision_date, language)} for m in board.micro_rules]
    return {
        "lang": language,
        "L": lab,
        "colon": i18n_labels(language)["colon"],
        "title": board.title,
        "period": (f"{full_date(board.period.start, language)} → {full_date(board.period.end, language)}"
                   if board.period else ""),
        "as_of": full_date(as_of, language),
        "as_of_iso": as_of.isoformat(),
        "columns": columns,
        "rows": rows,
        "board_pages": board_pages(columns, rows, bool(figures)),
        "expedite_count": sum(len(c["expedite"]) for c in columns),
        "closed": closed_summary(cards, language),
        "stats": {"active": len(active), "weighted": short_amount(weighted, language) or "0\u00a0€",
                  "no_next": no_next, "no_next_pct": round(100 * no_next / len(active)) if active else 0,
                  "blocked": len(blocked),
                  "over": [c["title"] for c in columns if c["over"]]},
        "headline": figures,
        "legend": legend(board, language),
        "pull_rules": list(board.pull_rules),
        "banner_pages": paginate(_banners(board, language), BANNERS_PER_PAGE),
        "label_pages": paginate(blocked, LABELS_PER_PAGE),
        "ticket_pages": paginate(tickets, TICKETS_PER_PAGE),
        "card_pages": paginate(active_views, CARDS_PER_PAGE),
    }


def _banners(board: Board, language: str) -> list[dict[str, Any]]:
    """One banner per column, then one with the board's pull rules and classes."""
    lab = LABELS.get(language, LABELS["fr"])
    last = board.columns[-1].key if board.columns else ""
    out: list[dict[str, Any]] = [{
        "kind": "column", "title": c.title,
        "wip": str(c.wip_limit) if c.wip_limit is not None else lab["unlimited"],
        "unlimited": c.wip_limit is None,
        "closed": c.key == last,  # won and lost cards: no WIP to show
        "hint": lab["pull_hint"] if c.wip_limit is not None else lab["no_limit"],
        "dor": list(c.definition_of_ready), "dod": list(c.definition_of_done),
    } for c in board.columns]
    titles = class_titles(board)
    out.append({"kind": "rules", "title": lab["board_rules"], "pull_rules": list(board.pull_rules),
                "classes": [{"key": c.key, "title": titles[c.key], "policy": c.policy or ""} for c in board.classes]})
    return out


# --- HTML → PDF ------------------------------------------------------------------------


def allowed_roots(root: Optional[Path]) -> list[Path]:
    """The folders WeasyPrint may read: the built-in templates and the project's templates/."""
    roots = [DEFAULTS.resolve()]
    if root is not None and (root / "templates").is_dir():
        roots.append((root / "templates").resolve())
    return roots


def is_allowed(url: str, roots: Sequence[Path]) -> bool:
    """data: URIs and files inside the allowed folders; nothing else (no network)."""
    if url.startswith("data:"):
        return True
    if not url.startswith("file:"):
        return False
    from urllib.parse import unquote, urlparse
    parsed = urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parsed.path)).resolve()
    return any(path == r or r in path.parents for r in roots)


def url_fetcher(roots: Sequence[Path]) -> Any:
    """A WeasyPrint URL fetcher that refuses everything outside `roots`."""
    import weasyprint.urls as wurls

    if hasattr(wurls, "URLFetcher"):  # WeasyPrint ≥ 68
        class Fetcher(wurls.URLFetcher):  # type: ignore[misc, name-defined]
            def fetch(self, url: str, headers: Any = None) -> Any:
                if not is_allowed(url, roots):
                    raise ValueError(f"dealdocs refuses to fetch {url!r}: only data: URIs and template files")
                return super().fetch(url, headers)
        return Fetcher(allowed_protocols=("data", "file"))

    def fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> Any:  # WeasyPrint < 68
        if not is_allowed(url, roots):
            raise ValueError(f"dealdocs refuses to fetch {url!r}: only data: URIs and template files")
        return wurls.default_url_fetcher(url, timeout, ssl_context)
    return fetch


_CMAP_ENTRY = re.compile(rb"^<([0-9a-f]{4,})> <([0-9a-f]+)>$")
_LIGATURES = {"ff", "fi", "fl", "ffi", "ffl", "st"}


def _cmap_entry(line: bytes) -> bytes:
    """Map back to « … » a glyph that Pango's ellipsis left mapped to the hidden end of a text."""
    m = _CMAP_ENTRY.match(line)
    if not m:
        return line
    try:
        text = bytes.fromhex(m.group(2).decode()).decode("utf-16-be")
    except ValueError:
        return line
    if len(text) > 1 and text not in _LIGATURES and not all(unicodedata.combining(c) for c in text[1:]):
        return b"<" + m.group(1) + b"> <2026>"
    return line


def fix_ellipsis_text(document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: CSS-elided lines extract as « … », not as the text they hide."""
    for obj in getattr(pdf, "objects", ()):
        lines = getattr(obj, "stream", None)
        if isinstance(lines, list) and lines and lines[0] == b"/CIDInit /ProcSet findresource begin":
            lines[:] = [_cmap_entry(line) if isinstance(line, bytes) else line for line in lines]


# --- pages: rendered one by one, cached by their HTML, joined ---------------------------

#: A print template marks each printed page with PAGE_MARK and the end of the last one with END_MARK; each
#: page is then rendered as its own document (the HTML before the first mark and after the end repeated).
PAGE_MARK = "<!-- dealdocs:page -->"
END_MARK = "<!-- dealdocs:end -->"


def split_pages(html: str) -> list[str]:
    """One standalone HTML document per marked page, or the whole document when the template marks none."""
    if PAGE_MARK not in html or END_MARK not in html:
        return [html]
    body, tail = html.rsplit(END_MARK, 1)
    head, *pages = body.split(PAGE_MARK)
    return [head + page + tail for page in pages] or [html]


@dataclass(frozen=True)
class PrintSetup:
    """What turns print HTML into PDF, in any process: the stylesheet and the folders WeasyPrint may read."""

    css: str
    base_dir: str
    roots: tuple[str, ...]

    @property
    def base_url(self) -> str:
        """The URL relative links resolve against: the stylesheet's folder."""
        return Path(self.base_dir).resolve().as_uri() + "/"


_prepared: dict[Any, Any] = {}
_UA_NOTES = re.compile(r"^::(footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}$", re.M)


def _prepared_setup(setup: PrintSetup) -> tuple[Any, Any, Any]:
    """The parsed stylesheet, font configuration and URL fetcher of a setup, once per process."""
    if setup not in _prepared:
        import weasyprint  # heavy import kept off the check path
        from weasyprint.text.fonts import FontConfiguration

        fonts = FontConfiguration()
        fetcher = url_fetcher([Path(r) for r in setup.roots])
        sheet = weasyprint.CSS(string=setup.css, base_url=setup.base_url, url_fetcher=fetcher, font_config=fonts)
        _prepared.pop(next((k for k in _prepared if isinstance(k, PrintSetup)), None), None)
        _prepared[setup] = (sheet, fonts, fetcher)
    return _prepared[setup]


def _html_class() -> Any:
    """weasyprint.HTML whose user-agent stylesheet gives ::marker to list items only and drops footnote calls.

    WeasyPrint's own stylesheet styles those pseudo-elements on every element, which costs a fifth of the
    cascade of a board page for nothing (the print templates have no footnotes; only list items have markers):
    the PDF is the same. Plain weasyprint.HTML when this WeasyPrint does not lend itself to it.
    """
    if "html" not in _prepared:
        import weasyprint

        _prepared["html"] = weasyprint.HTML
        try:
            from importlib.resources import files

            from weasyprint.css.counters import CounterStyle
            text = (files("weasyprint.css") / "html5_ua.css").read_text("utf-8")
            trimmed = _UA_NOTES.sub("", text.replace("\n::marker {", "\nli::marker {"))
            if hasattr(weasyprint.HTML, "_ua_stylesheets") and not re.search(r"^::", trimmed, re.M):
                sheet = weasyprint.CSS(string=trimmed, counter_style=CounterStyle())

                class PrintHTML(weasyprint.HTML):  # type: ignore[misc, name-defined]
                    def _ua_stylesheets(self, forms: bool = False) -> Any:
                        return super()._ua_stylesheets(forms) if forms else [sheet]
                _prepared["html"] = PrintHTML
        except Exception as exc:  # pragma: no cover - another WeasyPrint layout
            log.debug("WeasyPrint's user-agent stylesheet is used as is: %s", exc)
    return _prepared["html"]


def html_to_pdf(html: str, setup: PrintSetup) -> bytes:
    """One WeasyPrint pass; the metadata dates come from the HTML, so output is deterministic."""
    sheet, fonts, fetcher = _prepared_setup(setup)
    doc = _html_class()(string=html, base_url=setup.base_url, url_fetcher=fetcher)
    return doc.write_pdf(stylesheets=[sheet], font_config=fonts, finisher=fix_ellipsis_text)


def _render_safe(job: tuple[PrintSetup, str]) -> tuple[Optional[bytes], str]:
    """PDF bytes, or the error message (a worker must not die on a broken template)."""
    try:
        return html_to_pdf(job[1], job[0]), ""
    except Exception as exc:  # WeasyPrint raises many kinds on broken HTML/CSS
        return None, str(exc) or type(exc).__name__


def render_pages(setup: PrintSetup, pages: Sequence[str], workers: int = 1) -> list[tuple[Optional[bytes], str]]:
    """Each HTML page as PDF bytes (or an error message), in worker processes when there is enough to share."""
    if workers <= 1 or len(pages) < 2:
        return [_render_safe((setup, html)) for html in pages]
    import weasyprint  # noqa: F401  imported once here, inherited by forked workers
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results: list[Optional[tuple[Optional[bytes], str]]] = [None] * len(pages)
    order = sorted(range(len(pages)), key=lambda i: (-len(pages[i]), i))  # the biggest first: even finish
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(pages))) as pool:
            futures = [(i, pool.submit(_render_safe, (setup, pages[i]))) for i in order]
            for i, future in futures:
                results[i] = future.result()
    except (BrokenProcessPool, OSError) as exc:
        log.warning("print worker processes failed (%s); rendering in this process", exc)
    return [r if r is not None else _render_safe((setup, pages[i])) for i, r in enumerate(results)]


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """The pages of several PDFs as one document, with the first one's metadata and language; deterministic."""
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    readers = [PdfReader(io.BytesIO(data)) for data in parts]
    writer = PdfWriter()
    writer.pdf_header = readers[0].pdf_header
    for reader in readers:
        writer.append(reader)
    writer.add_metadata(dict(readers[0].metadata or {}))
    lang = readers[0].trailer["/Root"].get("/Lang")
    if lang is not None:
        writer.root_object[NameObject("/Lang")] = lang
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_key(html: str, fingerprint: str) -> str:
    """The cache key of one printed page: its HTML, the templates and stylesheet, the renderer versions."""
    return hashlib.sha256(f"board-page|{fingerprint}|".encode() + html.encode("utf-8")).hexdigest()


class BoardRenderer:
    """The print templates and stylesheet of a project (or the built-in ones)."""

    def __init__(self, root: Optional[Path]) -> None:
        self.root = root
        self.env = environment(root)
        css_path = template_path(root, STYLESHEET)
        self.css_display = display_path(css_path, root)
        try:
            css = css_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RenderError(self.css_display, f"cannot read the print stylesheet: {exc}") from None
        self.setup = PrintSetup(css, str(css_path.parent), tuple(str(r) for r in allowed_roots(root)))

    def html(self, name: str, context: dict[str, Any]) -> str:
        """Render one print template to HTML."""
        shown = display_path(template_path(self.root, name), self.root)
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(shown, f"Jinja syntax error: {exc.message}", exc.lineno or 1) from None
        except jinja2.TemplateNotFound:
            raise RenderError(shown, f"template {name} not found") from None
        except jinja2.UndefinedError as exc:
            raise RenderError(shown, f"unknown variable: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise RenderError(shown, f"template error: {exc}") from None

    def pdf(self, name: str, context: dict[str, Any], workers: int = 1) -> bytes:
        """Render one print template to PDF bytes, page by page (no cache)."""
        results = render_pages(self.setup, split_pages(self.html(name, context)), workers)
        return join_pdfs(self.checked(name, results))

    def checked(self, name: str, results: Sequence[tuple[Optional[bytes], str]]) -> list[bytes]:
        """The rendered pages of one document, or the RenderError of its first failed page."""
        for data, error in results:
            if data is None:
                raise RenderError(self.css_display, f"PDF rendering of {name} failed: {error}")
        return [data for data, _ in results if data is not None]


def templates_fingerprint(root: Optional[Path]) -> str:
    """A hash of the print templates and stylesheet in use, the project's templates/ and the renderer versions."""
    from .. import __version__
    try:
        from importlib.metadata import version
        weasy = version("weasyprint")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        weasy = "?"
    paths = sorted(DEFAULTS.joinpath("board").glob("*")) + [DEFAULTS / STYLESHEET]
    if root is not None and (root / "templates").is_dir():
        paths += sorted(p for p in (root / "templates").rglob("*") if p.is_file())
    digest = hashlib.sha256(f"{__version__}|{weasy}".encode())
    for path in paths:
        digest.update(str(path).encode() + b"\0" + file_hash(path).encode())
    return digest.hexdigest()


def cache_key(name: str, context: dict[str, Any], fingerprint: str) -> str:
    """The cache key of one whole board document: its view model and the templates."""
    payload = json.dumps([name, context, fingerprint], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class _Document:
    """One board document whose pages are not all in the cache yet."""

    out: str
    name: str
    keys: list[str]        # the cache keys that will hold the joined document
    page_keys: list[str]


def write_board(project: Any, as_of: date, writer: Any, only: Optional[Iterable[str]] = None,
                use_cache: bool = False, headline: Optional[dict[str, Any]] = None,
                jobs: Optional[int] = None) -> list[Finding]:
    """board/board.pdf, banners.pdf, labels.pdf and cards.pdf (or `only` those paths); findings for what failed.

    Each document's pages are rendered one by one, in `jobs` worker processes (default: one per core), cached
    by their HTML, and joined: an edited card re-renders only the pages that show it differently.
    """
    from ..workers import Workers, worker_count
    with Workers(worker_count(jobs), threshold=2) as workers:
        return start_board(project, as_of, writer, workers, only, use_cache, headline)()


def board_files(project: Any) -> list[str]:
    """The paths write_board() writes for this project."""
    return list(DOCUMENTS) if project.board is not None else []


def start_board(project: Any, as_of: date, writer: Any, workers: Any, only: Optional[Iterable[str]] = None,
                use_cache: bool = False, headline: Optional[dict[str, Any]] = None) -> Callable[[], list[Finding]]:
    """Write the cached board documents, hand the missing pages to the workers; return what finishes the job."""
    if project.board is None:
        return list
    from ..documents import Cache
    wanted = set(DOCUMENTS if only is None else only)
    try:
        renderer = BoardRenderer(project.root)
    except RenderError as exc:
        failed = [Finding(exc.template, exc.line, ERROR, "", exc.message)]
        return lambda: failed
    cache = Cache(project.root, enabled=use_cache)
    fingerprint = templates_fingerprint(project.root) if use_cache else ""
    by_inputs = inputs_key(project, as_of, headline, fingerprint, wanted) if use_cache else ""
    if use_cache and _write_unchanged(cache, by_inputs, writer):
        return list  # same cards, board, date, headline and templates: the documents of last time
    context = board_context(project.board, project.cards, as_of, project.settings.language, headline)
    findings: list[Finding] = []
    missing: list[_Document] = []
    pages: dict[str, str] = {}  # page key → HTML
    for out, name in DOCUMENTS.items():
        if out not in wanted:
            continue
        keys = [cache_key(name, context, fingerprint)]  # by view model: no need to render the template
        data = _cached(cache, keys[0], out)
        if data is None:
            try:
                html = split_pages(renderer.html(name, context))
            except RenderError as exc:
                findings.append(Finding(exc.template, exc.line, ERROR, "", exc.message))
                continue
            page_keys = [page_key(h, fingerprint) for h in html]
            pages.update(zip(page_keys, html))
            keys.append(hashlib.sha256("|".join([out] + page_keys).encode()).hexdigest())  # by its pages
            data = _cached(cache, keys[1], out)
            if data is None:
                missing.append(_Document(out, name, keys, page_keys))
                continue
            cache.put(keys[0], {out: data})
        writer.write(out, data)
    finish = _submit_missing(missing, pages, renderer, cache, writer, workers)
    view_keys = {out: cache_key(name, context, fingerprint) for out, name in DOCUMENTS.items() if out in wanted}

    def done() -> list[Finding]:
        found = findings + finish()
        if use_cache and not found:
            cache.put(by_inputs, {"documents.json": json.dumps(view_keys, sort_keys=True).encode()})
        return found
    return done


def inputs_key(project: Any, as_of: date, headline: Optional[dict[str, Any]], fingerprint: str,
               wanted: set[str]) -> str:
    """A key over everything the board documents are made from, computed without building their view model."""
    digest = hashlib.sha256(f"board-inputs|{fingerprint}|{as_of.isoformat()}|{project.settings.language}|".encode())
    digest.update(json.dumps([sorted(wanted), headline], sort_keys=True, default=str).encode())
    digest.update(project.board_digest.encode())
    return digest.hexdigest()


def _write_unchanged(cache: Any, by_inputs: str, writer: Any) -> bool:
    """Write the documents made last time from the same inputs, if the cache still has them all."""
    index = _cached(cache, by_inputs, "documents.json")
    try:
        view_keys = json.loads(index) if index else None
    except ValueError:
        return False
    if not isinstance(view_keys, dict) or not view_keys:
        return False
    documents = {out: _cached(cache, key, out) for out, key in sorted(view_keys.items()) if isinstance(key, str)}
    if len(documents) != len(view_keys) or any(data is None for data in documents.values()):
        return False
    for out, data in documents.items():
        writer.write(out, data)
    return True


def _cached(cache: Any, key: str, name: str) -> Optional[bytes]:
    """The file `name` of a cache entry, if the entry is there and sound."""
    files = cache.get(key)
    return files.get(name) if files else None


def _submit_missing(documents: list[_Document], pages: dict[str, str], renderer: BoardRenderer, cache: Any,
                    writer: Any, workers: Any) -> Callable[[], list[Finding]]:
    """Hand the pages of `documents` not in the cache to the workers; return what joins and writes each document."""
    done: dict[str, tuple[Optional[bytes], str]] = {}
    todo = []
    for key in dict.fromkeys(k for doc in documents for k in doc.page_keys):
        data = _cached(cache, key, "page.pdf")
        if data is not None:
            done[key] = (data, "")
        else:
            todo.append(key)
    if todo and not workers.started:
        import weasyprint  # noqa: F401  imported once here, inherited by the workers forked next

    def finished(i: int, result: tuple[Optional[bytes], str]) -> None:
        done[todo[i]] = result
        if result[0] is not None:
            cache.put(todo[i], {"page.pdf": result[0]})
    html = [pages[k] for k in todo]
    order = sorted(range(len(html)), key=lambda i: (-len(html[i]), i))  # the biggest first: even finish
    batch = workers.map(_render_safe, [(renderer.setup, h) for h in html], finished, order)

    def finish() -> list[Finding]:
        batch.wait()
        if documents:
            log.info("board: %d pages rendered, %d from the cache", len(todo), len(done) - len(todo))
        findings = []
        for doc in documents:
            try:
                data = join_pdfs(renderer.checked(doc.name, [done[k] for k in doc.page_keys]))
            except RenderError as exc:
                findings.append(Finding(exc.template, exc.line, ERROR, "", exc.message))
                continue
            for key in doc.keys:
                cache.put(key, {doc.out: data})
            writer.write(doc.out, data)
        return findings
    return finish
