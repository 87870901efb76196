"""View models shared by the Word, HTML, e-mail, board and site outputs."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from . import rules
from .i18n import LABELS, deadline_text, labels, long_date, money, percent, risk_category, short_date
from .models import Card, CrcDoc, Participant


def _person(p: Participant) -> dict[str, Any]:
    return {"name": p.name, "role": p.role or "", "email": p.email or "",
            "label": f"{p.name} ({p.role})" if p.role else p.name}


def default_subject(doc: CrcDoc, language: str = "fr") -> str:
    """The subject when the record gives none: `Découverte ACME SAS`."""
    crc = doc.crc
    return crc.subject or f"{labels(language)[crc.type].split(' /')[0]} {crc.client}"


def crc_context(doc: CrcDoc, language: str = "fr", card: Optional[Card] = None,
                history: Optional[list[dict[str, Any]]] = None,
                stage_titles: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """Everything a CRC output shows, as plain, already-formatted values."""
    crc, lab = doc.crc, labels(language)
    client_people = crc.participants.client
    deciders = [_person(p) for p in client_people if p.decision_maker]
    sponsors = [_person(p) for p in client_people if p.sponsor and not p.decision_maker]
    operational = [_person(p) for p in client_people if not (p.decision_maker or p.sponsor)]
    step = crc.next_step
    aligned = None
    if card is not None:
        aligned = crc.crm is not None and not rules.concordance(doc, card)
    sc = rules.score(crc, language)
    total = sc.total
    deadline = crc.validation.deadline if crc.validation else None
    deadline_str = deadline_text(deadline, language)
    request = lab["validation_request"].format(deadline=deadline_str) if deadline else lab["validation_none"]
    subject = default_subject(doc, language)
    day = long_date(crc.date, language)
    step_day = long_date(step.date, language) if step is not None else ""
    status = crc.status
    return {
        "lang": language,
        "L": lab,
        "name": doc.name,
        "source": doc.source.path,
        "title": subject if subject.lower().startswith(tuple(t["report"].lower() for t in LABELS.values()))
        else f"{lab['report']} — {subject} — {day}",
        "subject": subject,
        "type": crc.type,
        "type_label": lab[crc.type],
        "client": crc.client,
        "opportunity": crc.opportunity or "",
        "date": day,
        "date_iso": crc.date.isoformat(),
        "version": crc.version,
        "status": status,
        "status_label": lab[status],
        "objective": crc.objective or "",
        "decision_makers": deciders,
        "sponsors": sponsors,
        "operational": operational,
        "vendor": [_person(p) for p in crc.participants.vendor],
        "facts": list(crc.facts),
        "decisions": list(crc.decisions),
        "risks": [{"text": r.text, "category": risk_category(r.category, language), "category_key": r.category or "",
                   "mitigation": r.mitigation or ""} for r in crc.risks],
        "dependencies": list(crc.dependencies),
        "next_step": None if step is None else {
            "action": step.action or "",
            "date": step_day,
            "date_iso": step.date.isoformat() if step.date else "",
            "time": step.time or "",
            "when": " ".join(x for x in (step_day, step.time or "") if x),
            "owner_client": step.owner_client or "",
            "owner_vendor": step.owner_vendor or "",
            "invitation_sent": lab["invitation_yes" if step.invitation_sent else "invitation_no"],
            "invitation": lab["invitation_done" if step.invitation_sent else "invitation_todo"],
        },
        "deliverables": [{"what": d.what, "by": d.by or "", "due": short_date(d.due, language),
                          "format": d.format or ""} for d in crc.deliverables],
        "milestones": [{"kind": m.kind, "kind_label": lab[f"{m.kind}_ms"], "text": m.text,
                        "date": short_date(m.date, language)} for m in crc.milestones],
        "attachments": [{"title": a.title, "ref": a.ref or ""} for a in crc.attachments],
        "keywords": list(crc.keywords),
        "keywords_text": ", ".join(crc.keywords),
        "crm": None if crc.crm is None else {
            "stage": (stage_titles or {}).get(crc.crm.stage or "", crc.crm.stage or ""),
            "probability": percent(crc.crm.probability, language),
            "amount": money(crc.crm.amount, language),
            "close_date": short_date(crc.crm.close_date, language),
        },
        "score": {"total": total, "max": 10, "target": 8, "ok": total >= 8,
                  "items": [{"label": i.label, "points": i.points, "max": i.max_points} for i in sc.items],
                  "missing": sc.missing},
        "checklist": [{"label": c.label, "ok": c.ok, "mark": "☑" if c.ok else "☐"}
                      for c in rules.checklist(crc, aligned, language)],
        "golden_rule": rules.golden_rule(crc),
        "sent_on": long_date(crc.sent_on, language),
        "validation_deadline": deadline_str,
        "validation_request": request,
        "validation_text": validation_text(status, request, history or [], doc.name, language),
        "amendment_reason": crc.amendment.reason if crc.amendment and crc.amendment.reason else "",
        "exemplary": crc.exemplary,
        "history": history or [],
        "changes": [],
    }


def validation_text(status: str, request: str, history: list[dict[str, Any]], name: str, language: str = "fr") -> str:
    """What the closing box says: the request while the client has not answered, else the answer."""
    lab = labels(language)
    if status == "validated":
        return lab["validation_validated"]
    if status != "corrected":
        return request
    names = [h.get("name") for h in history]
    later = history[names.index(name) + 1:] if name in names else []
    return (lab["validation_corrected"].format(version=later[0]["version"]) if later
            else lab["validation_corrected_pending"])


def as_of_text(as_of: date, language: str = "fr") -> str:
    """The build's reference date, written out."""
    return long_date(as_of, language)
