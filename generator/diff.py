"""Record-level diff between two versions of a CRC: the field-level changes a client must see.

Works on view models (`context.crc_context`), so values are compared exactly as the documents
show them (`25/09/2025`, `28 000 €`) and labelled with the document's own French (or English)
titles: `Livrables › Cartographie des annuaires › Échéance`.
"""
from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any, Optional

SEP = " › "

Change = dict[str, str]

# Fields that describe the version rather than the meeting: never reported as changes.
BOOKKEEPING = ("name", "source", "version", "status", "status_label", "sent_on", "sent_on_iso", "history",
               "changes", "amendment_reason", "score", "checklist", "golden_rule", "exemplary", "delivery",
               "validation_text")

_SCALARS = (("subject", "subject"), ("client", "client"), ("opportunity", "opportunity"), ("date", "date"),
            ("type_label", "type"), ("objective", "objective"))
_PEOPLE = ("decision_makers", "sponsors", "operational", "vendor")
_STEP = ("action", "when", "owner_client", "owner_vendor", "invitation_sent")
_KEYED = (("risks", "text", ("category", "mitigation")),
          ("deliverables", "what", ("by", "due", "format")),
          ("milestones", "text", ("kind_label", "date")),
          ("attachments", "title", ("ref",)))
_SUBLABEL = {"kind_label": "category"}
_CRM = ("stage", "probability", "amount", "close_date")


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The field-level changes from old to new, in document order, as {field, old, new}."""
    lab = new["L"]
    out: list[Change] = []
    for key, label in _SCALARS:
        _scalar(out, lab[label], old.get(key), new.get(key))
    for key in _PEOPLE:
        _strings(out, lab["participants"] + SEP + lab[key], [p["label"] for p in old.get(key) or []],
                 [p["label"] for p in new.get(key) or []])
    _strings(out, lab["facts"], old.get("facts") or [], new.get("facts") or [])
    _strings(out, lab["decisions"], old.get("decisions") or [], new.get("decisions") or [])
    _next_step(out, lab, old.get("next_step"), new.get("next_step"))
    for key, ident, fields in _KEYED[:1]:
        _keyed(out, lab, key, ident, fields, old.get(key) or [], new.get(key) or [])
    _strings(out, lab["dependencies"], old.get("dependencies") or [], new.get("dependencies") or [])
    for key, ident, fields in _KEYED[1:]:
        _keyed(out, lab, key, ident, fields, old.get(key) or [], new.get(key) or [])
    _strings(out, lab["keywords"], old.get("keywords") or [], new.get("keywords") or [])
    old_crm, new_crm = old.get("crm") or {}, new.get("crm") or {}
    for key in _CRM:
        _scalar(out, lab["crm"] + SEP + lab[key], old_crm.get(key), new_crm.get(key))
    _scalar(out, lab["validation"] + SEP + lab["due"], old.get("validation_deadline"), new.get("validation_deadline"))
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _scalar(out: list[Change], field: str, old: Any, new: Any) -> None:
    if _text(old) != _text(new):
        out.append({"field": field, "old": _text(old), "new": _text(new)})


def _strings(out: list[Change], field: str, old: list[str], new: list[str]) -> None:
    """Items added, removed or edited in a list of texts (edits paired in order)."""
    if old == new:
        return
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a, b = old[i1:i2], new[j1:j2]
        for k in range(max(len(a), len(b))):
            out.append({"field": field, "old": a[k] if k < len(a) else "", "new": b[k] if k < len(b) else ""})


def _next_step(out: list[Change], lab: dict[str, str], old: Optional[dict], new: Optional[dict]) -> None:
    if not old and not new:
        return
    if not old or not new:
        _scalar(out, lab["next_step"], _step_summary(old), _step_summary(new))
        return
    for key in _STEP:
        _scalar(out, lab["next_step"] + SEP + lab[key], old.get(key), new.get(key))


def _step_summary(step: Optional[dict]) -> str:
    if not step:
        return ""
    return " — ".join(x for x in (step.get("action"), step.get("when")) if x)


def _summary(item: dict, ident: str, fields: tuple[str, ...]) -> str:
    details = [_text(item.get(f)) for f in fields if item.get(f)]
    return f"{item[ident]} ({', '.join(details)})" if details else _text(item[ident])


def _keyed(out: list[Change], lab: dict[str, str], key: str, ident: str, fields: tuple[str, ...],
           old: list[dict], new: list[dict]) -> None:
    """Rows matched by their name: a changed cell is reported as `Section › row › column`."""
    if old == new:
        return
    section = lab[key]
    old_keys, new_keys = _occurrence_keys(old, ident), _occurrence_keys(new, ident)
    old_by = dict(zip(old_keys, old))
    gone = [item for k, item in zip(old_keys, old) if k not in set(new_keys)]
    came = [item for k, item in zip(new_keys, new) if k not in set(old_keys)]
    renamed = _pair_renamed(gone, came, fields)
    for k, item in zip(new_keys, new):
        before = old_by.get(k) if k in old_by else renamed.get(id(item))
        if before is None:
            out.append({"field": section, "old": "", "new": _summary(item, ident, fields)})
            continue
        if before[ident] != item[ident]:
            _scalar(out, section + SEP + _text(before[ident]), before[ident], item[ident])
        for f in fields:
            _scalar(out, section + SEP + _text(item[ident]) + SEP + lab[_SUBLABEL.get(f, f)], before.get(f), item.get(f))
    paired = {id(v) for v in renamed.values()}
    for item in gone:
        if id(item) not in paired:
            out.append({"field": section, "old": _summary(item, ident, fields), "new": ""})


def _occurrence_keys(items: list[dict], ident: str) -> list[tuple[str, int]]:
    """(name, n-th occurrence) for each row, so two rows with the same name stay distinct."""
    seen: dict[str, int] = {}
    keys = []
    for item in items:
        name = _text(item.get(ident))
        keys.append((name, seen.get(name, 0)))
        seen[name] = seen.get(name, 0) + 1
    return keys


def _pair_renamed(gone: list[dict], came: list[dict], fields: tuple[str, ...]) -> dict[int, dict]:
    """A renamed row: a removed and an added row, in order, that share at least one other value."""
    pairs: dict[int, dict] = {}
    for before, after in zip(gone, came):
        if any(before.get(f) and before.get(f) == after.get(f) for f in fields):
            pairs[id(after)] = before
    return pairs
