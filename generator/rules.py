"""Pure rule functions: golden rule, quality score, checklist, CRC and board rules."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Iterable, Optional

from .i18n import labels, plural
from .models import ERROR, WARNING, Board, Card, CardDoc, Crc, CrcDoc, Finding
from .naming import valid_client_code

# --- golden rule, score, checklist -------------------------------------------


PLACEHOLDER = "À COMPLÉTER"


def named(value: Optional[str]) -> bool:
    """A real name, not empty and not a placeholder left by `dealdocs new`."""
    return bool(value) and PLACEHOLDER not in str(value).upper()


def golden_rule(crc: Crc) -> bool:
    """A dated next step with a named owner, or a deliverable with issuer and due date."""
    step = crc.next_step
    if step and step.date and (named(step.owner_client) or named(step.owner_vendor)):
        return True
    return any(named(d.by) and d.due for d in crc.deliverables)


def placeholders(data: object, loc: tuple = (), text: str = "") -> Iterable[tuple]:
    """Locations of the « À COMPLÉTER » placeholders left in a record (text: the record as JSON, if known)."""
    if not loc and not _may_hold_placeholder(text or repr(data)):  # most records: no walk
        return
    if isinstance(data, dict):
        for k, v in data.items():
            yield from placeholders(v, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from placeholders(v, loc + (i,))
    elif isinstance(data, str) and PLACEHOLDER in data.upper():
        yield loc


def _may_hold_placeholder(text: str) -> bool:
    """Whether some text in a record's JSON or repr may hold the placeholder, in any case.

    Only à and À upper-case to À, and the placeholder's other letters come only from themselves or
    their lower case (no character upper-cases to several letters of it), so it can only start at
    an à or À.
    """
    for first in ("À", "à"):
        at = text.find(first)
        while at >= 0:
            if text[at:at + len(PLACEHOLDER)].upper() == PLACEHOLDER:
                return True
            at = text.find(first, at + 1)
    return False


@dataclass(frozen=True)
class ScoreItem:
    """One line of the quality score."""

    label: str
    points: int
    max_points: int
    hint: str

    @property
    def full(self) -> bool:
        return self.points == self.max_points


@dataclass(frozen=True)
class Score:
    """The quality score out of 10 with its breakdown."""

    items: tuple[ScoreItem, ...]

    @property
    def total(self) -> int:
        return sum(i.points for i in self.items)

    @property
    def missing(self) -> list[str]:
        """What to do to reach 10."""
        return [i.hint for i in self.items if not i.full]


def _one_sentence(text: Optional[str]) -> bool:
    if not text:
        return False
    body = text.strip().rstrip(".!?… ")
    return re.search(r"[.!?]\s+\S", body) is None


def _risks_ok(crc: Crc, most: int) -> bool:
    return 1 <= len(crc.risks) <= most and all(r.mitigation for r in crc.risks)


def _deliverables_ok(crc: Crc) -> bool:
    return bool(crc.deliverables) and all(d.by and d.due and d.format for d in crc.deliverables)


def _validation_requested(crc: Crc) -> bool:
    return crc.validation is not None and crc.validation.deadline is not None


def score(crc: Crc, language: str = "fr") -> Score:
    """The quality score of §3, out of 10 (target ≥ 8), labelled in language."""
    step = crc.next_step
    n_dec = len(crc.decisions)
    points = (
        ("objective", int(_one_sentence(crc.objective)), 1),
        ("facts", int(5 <= len(crc.facts) <= 7), 1),
        ("decisions", 2 if n_dec >= 2 else n_dec, 2),
        ("step_date", int(bool(step and step.date)), 1),
        ("owners", int(bool(step and step.owner_client and step.owner_vendor)), 1),
        ("risks", int(_risks_ok(crc, 3)), 1),
        ("deliverables", int(_deliverables_ok(crc)), 1),
        ("attachments", int(bool(crc.attachments)), 1),
        ("validation", int(_validation_requested(crc)), 1),
    )
    return _score(points, len(crc.facts), language)


@lru_cache(maxsize=4096)
def _score(points: tuple[tuple[str, int, int], ...], n_facts: int, language: str) -> Score:
    """The Score of given points, once per points, number of facts and language (Scores are immutable)."""
    lab = labels(language)
    return Score(tuple(ScoreItem(lab[f"score_{key}"], got, most, lab[f"hint_{key}"].format(n=n_facts))
                       for key, got, most in points))


@dataclass(frozen=True)
class CheckItem:
    label: str
    ok: bool


def sent_in_time(crc: Crc) -> bool:
    """Sent by J+1 (the day after the meeting)."""
    return crc.sent_on is not None and crc.sent_on <= crc.date + timedelta(days=1)


def checklist(crc: Crc, crm_aligned: Optional[bool] = None, language: str = "fr") -> tuple[CheckItem, ...]:
    """The minute checklist of the guide, labelled in language."""
    step = crc.next_step
    aligned = crc.crm is not None if crm_aligned is None else crm_aligned
    return _checklist((
        ("sent", sent_in_time(crc)),
        ("content", bool(crc.facts and crc.decisions and step and step.action)),
        ("step", bool(step and step.date and step.owner_client and step.owner_vendor)),
        ("risks", _risks_ok(crc, 2)),
        ("evidence", bool(crc.attachments)),
        ("crm", aligned),
        ("validation", _validation_requested(crc)),
    ), language)


@lru_cache(maxsize=1024)
def _checklist(oks: tuple[tuple[str, bool], ...], language: str) -> tuple[CheckItem, ...]:
    """The checklist items of given outcomes, once per outcomes and language."""
    lab = labels(language)
    return tuple(CheckItem(lab[f"check_{key}"], ok) for key, ok in oks)


# --- CRC findings -------------------------------------------------------------


def crc_findings(doc: CrcDoc) -> list[Finding]:
    """The per-file rules of §3 (errors and warnings)."""
    crc, src = doc.crc, doc.source
    out: list[Finding] = []

    def add(sev: str, loc: tuple, msg: str) -> None:
        from .schema import field_path
        out.append(Finding(src.path, src.line(loc), sev, field_path(loc), msg))

    if not golden_rule(crc):
        add(ERROR, ("next_step",) if crc.next_step else (),
            "golden rule: no dated next step with a named owner and no deliverable with `by` and `due` — "
            "this is only a note. Add next_step.date and next_step.owner_vendor (or owner_client)")
    for loc in placeholders(doc.data, text=doc.text):
        add(ERROR if crc.sent_on else WARNING, loc,
            f"placeholder « {PLACEHOLDER} » left: fill it in" + (" (this CRC is marked as sent)" if crc.sent_on else ""))
    if crc.client_code is not None and not valid_client_code(crc.client_code):
        add(ERROR, ("client_code",), f"client_code {crc.client_code!r} must match [A-Za-z0-9][A-Za-z0-9-]* "
            "(letters, digits and dashes, no spaces or accents)")
    if crc.major_minor[1] >= 1 and not (crc.amendment and crc.amendment.reason):
        add(ERROR, ("amendment",) if crc.amendment else ("version",),
            f"version {crc.version} is an amendment: add amendment.reason (why this version replaces the previous one)")
    for i, d in enumerate(crc.deliverables):
        missing = [k for k in ("by", "due") if not getattr(d, k)]
        if missing:
            add(ERROR, ("deliverables", i), f"deliverable {d.what!r} has no {' or '.join(missing)}: "
                "a deliverable needs an issuer (`by`) and a date (`due`)")
    if crc.sent_on and not sent_in_time(crc) and crc.major_minor == (crc.major_minor[0], 0):
        add(WARNING, ("sent_on",), f"sent on {crc.sent_on.isoformat()}, later than J+1 "
            f"({(crc.date + timedelta(days=1)).isoformat()}): send the CRC within 24 h")
    if len(crc.risks) > 3:
        add(WARNING, ("risks",), f"{len(crc.risks)} risks: keep a short prioritised list of 1 to 3")
    for i, r in enumerate(crc.risks):
        if not r.mitigation:
            add(WARNING, ("risks", i), f"risk {r.text!r} has no mitigation: add the plan to lift it")
    if not 5 <= len(crc.facts) <= 7:
        add(WARNING, ("facts",) if crc.facts else (), f"{plural(len(crc.facts), 'fact|facts', 'en')}: write 5 to 7 factual key points (7-3-1)")
    if len(crc.decisions) < 2:
        add(WARNING, ("decisions",) if crc.decisions else (),
            f"{plural(len(crc.decisions), 'decision|decisions', 'en')}: formalise at least 2 decisions, in the present tense")
    if not _validation_requested(crc):
        add(WARNING, ("validation",) if crc.validation else (),
            "no validation requested: add validation.deadline (\"Merci de répondre VALIDÉ… avant\")")
    from .render.email import recipient_findings
    out += recipient_findings(doc)
    return out


def opportunity_key(crc: Crc) -> str:
    """What groups CRCs of one deal: the opportunity id, else the client."""
    return crc.opportunity or f"client:{crc.client}"


def latest_by_opportunity(docs: Iterable[CrcDoc]) -> dict[str, CrcDoc]:
    """The latest CRC (by date, then version) of each opportunity."""
    latest: dict[str, CrcDoc] = {}
    for doc in docs:
        key = opportunity_key(doc.crc)
        cur = latest.get(key)
        if cur is None or (doc.crc.date, doc.crc.major_minor) > (cur.crc.date, cur.crc.major_minor):
            latest[key] = doc
    return latest


def overdue_findings(docs: list[CrcDoc], as_of: date) -> list[Finding]:
    """A next step dated before as_of with no later meeting for the opportunity."""
    out = []
    for doc in latest_by_opportunity(docs).values():
        step = doc.crc.next_step
        if step and step.date and step.date < as_of:
            out.append(Finding(doc.source.path, doc.source.line(("next_step", "date")), WARNING,
                               "next_step.date", f"next step of {step.date.isoformat()} is overdue "
                               f"(as of {as_of.isoformat()}) and no later CRC exists: hold it and write its CRC, or re-date it"))
    return out


def concordance(doc: CrcDoc, card: Card) -> list[tuple[tuple, str]]:
    """Where a CRC and its opportunity's card disagree, as (location, message) pairs."""
    crc, out = doc.crc, []
    crm = crc.crm
    if crm:
        pairs = [(("crm", "stage"), crm.stage, card.column, "stage", "column"),
                 (("crm", "probability"), crm.probability, card.probability, "probability", "probability"),
                 (("crm", "amount"), crm.amount, card.amount, "amount", "amount"),
                 (("crm", "close_date"), crm.close_date, card.close_date, "close date", "close_date")]
        for loc, mine, theirs, label, card_field in pairs:
            if mine is not None and theirs is not None and mine != theirs:
                out.append((loc, f"{label} {_show(mine)} disagrees with card {card.id} "
                                 f"({card_field}: {_show(theirs)}): update the CRM or the card"))
    step = crc.next_step
    nxt = card.next_action
    if step and step.date and nxt and nxt.date and step.date != nxt.date and card.active:
        out.append((("next_step", "date"), f"next step date {step.date.isoformat()} disagrees with card "
                    f"{card.id} (next_action.date: {nxt.date.isoformat()})"))
    return out


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def concordance_findings(docs: list[CrcDoc], cards: dict[str, CardDoc]) -> list[Finding]:
    """The §3 warnings where the latest CRC of an opportunity and its card disagree."""
    from .schema import field_path
    out = []
    for doc in latest_by_opportunity(docs).values():
        card = cards.get(doc.crc.opportunity or "")
        if card is None:
            continue
        for loc, msg in concordance(doc, card.card):
            out.append(Finding(doc.source.path, doc.source.line(loc), WARNING, field_path(loc), msg))
    return out


# --- board ----------------------------------------------------------------------


def entered(card: Card, column: str) -> Optional[date]:
    """When the card last entered this column, per its history."""
    dates = [h.date for h in card.history if h.column == column]
    return dates[-1] if dates else None


def days_in_column(card: Card, as_of: date) -> Optional[int]:
    """Days since the card entered its current column."""
    since = entered(card, card.column)
    return (as_of - since).days if since else None


def age_days(card: Card, as_of: date) -> Optional[int]:
    """Days since the last action."""
    last = card.last_action_date
    return (as_of - last).days if last else None


def negotiation_light(days: Optional[int], board: Board) -> str:
    """green ≤ green days, amber ≤ amber days, red above."""
    if days is None:
        return "green"
    limits = board.ageing.negotiation_days
    return "green" if days <= limits.green else "amber" if days <= limits.amber else "red"


def wip(cards: Iterable[Card], board: Board) -> dict[str, int]:
    """Active cards per column key."""
    counts = {c.key: 0 for c in board.columns}
    for card in cards:
        if card.active and card.column in counts:
            counts[card.column] += 1
    return counts


def board_findings(docs: list[CardDoc], board: Board, as_of: date) -> list[Finding]:
    """The board rules of §4–§5, each reported on the card file."""
    from .schema import field_path
    out: list[Finding] = []
    seen: dict[str, str] = {}
    keys = [c.key for c in board.columns]
    last = keys[-1]
    expedite = 0
    per_column: dict[str, list[CardDoc]] = defaultdict(list)

    def add(doc: CardDoc, sev: str, loc: tuple, msg: str) -> None:
        out.append(Finding(doc.source.path, doc.source.line(loc), sev, field_path(loc), msg))

    for doc in docs:
        card = doc.card
        if card.id in seen:
            add(doc, ERROR, ("id",), f"duplicate card id {card.id!r}, already used by {seen[card.id]}")
        seen.setdefault(card.id, doc.source.path)
        if card.column not in keys:
            add(doc, ERROR, ("column",), f"unknown column {card.column!r}: use one of {', '.join(keys)}")
            continue
        for i, h in enumerate(card.history):
            if h.column not in keys:
                add(doc, ERROR, ("history", i, "column"), f"unknown column {h.column!r} in history: use one of {', '.join(keys)}")
        if any(b.date < a.date for a, b in zip(card.history, card.history[1:])):
            add(doc, ERROR, ("history",), "history dates must go oldest first")
        if card.outcome and card.column != last:
            add(doc, ERROR, ("column",), f"a {card.outcome.result} card belongs in the last column {last!r}")
        if card.outcome and card.outcome.result == "lost" and not card.outcome.reason:
            add(doc, WARNING, ("outcome",), "lost without a reason: add outcome.reason (price, timing, fit, competition)")
        if not card.active:
            continue
        if card.column == last:
            add(doc, WARNING, ("column",), f"card in {last!r} without an outcome: add outcome {{result: won|lost, date}}")
        per_column[card.column].append(doc)
        if card.class_ == "expedite":
            expedite += 1
            if expedite > 1:
                add(doc, WARNING, ("class",), "a second active expedite card: the expedite lane holds one card at a time")
        if card.next_action is None or card.next_action.date is None:
            add(doc, WARNING, ("next_action", "date") if card.next_action else ("next_action",),
                "active card without a dated next action (target 0 %): add next_action {what, date}")
        age = age_days(card, as_of)
        if age is not None and age > board.ageing.idle_days:
            add(doc, WARNING, ("last_action",) if card.last_action else ("history",),
                f"idle for {age} days (> {board.ageing.idle_days}): act on it or move it")
        since = entered(card, card.column)
        if card.column == keys[0] and since and (as_of - since).days > board.ageing.prospect_purge_days:
            add(doc, WARNING, ("column",), f"in {keys[0]} for {(as_of - since).days} days "
                f"(> {board.ageing.prospect_purge_days}): purge it back to nurturing")
        if card.column == "negotiation" and since and negotiation_light((as_of - since).days, board) == "red":
            add(doc, WARNING, ("column",), f"in negotiation for {(as_of - since).days} days "
                f"(> {board.ageing.negotiation_days.amber}, red): escalate, set a decision date")
    for col in board.columns:
        cards = per_column.get(col.key, [])
        if col.wip_limit is not None and len(cards) > col.wip_limit:
            for doc in cards[col.wip_limit:]:
                add(doc, WARNING, ("column",), f"column {col.key!r} holds {len(cards)} active cards, "
                    f"over its WIP limit of {col.wip_limit}: finish before you start")
    return out
