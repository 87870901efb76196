"""`crc/<NAME>.eml`: the e-mail draft a rep opens in Outlook or Thunderbird and sends.

To the client's decision makers and sponsor, Cc the operational participants and the vendor
team, the 7-3-1 summary and the validation request in plain text and HTML (template
`crc.eml.j2`, user-overridable), the .docx attached. Deterministic bytes: the Date, the
Message-ID and the MIME boundaries are derived from the document, never from the clock.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Optional
from zoneinfo import ZoneInfo

from ..models import WARNING, CrcDoc, Finding

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
POLICY = policy.default.clone(linesep="\r\n", max_line_length=78)
PARIS = ZoneInfo("Europe/Paris")
TEMPLATE = "crc.eml.j2"
SUMMARY_FACTS, SUMMARY_DECISIONS = 7, 3


# --- check rule ---------------------------------------------------------------------


def recipient_findings(doc: CrcDoc) -> list[Finding]:
    """Warn about decision makers the e-mail draft cannot reach (no `email`)."""
    out = []
    for i, person in enumerate(doc.crc.participants.client):
        if person.decision_maker and not person.email:
            out.append(Finding(doc.source.path, doc.source.line(("participants", "client", i)), WARNING,
                               f"participants.client[{i}].email",
                               f"decision maker {person.name} has no email: the CRC e-mail draft cannot be "
                               f"addressed to them; add participants.client[{i}].email"))
    return out


# --- recipients ------------------------------------------------------------------------


def _address(person: dict[str, Any]) -> Address:
    user, _, domain = person["email"].partition("@")
    return Address(display_name=person["name"], username=user, domain=domain)


def sender(ctx: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The vendor owner of the next step, else the first vendor participant."""
    vendor = ctx.get("vendor") or []
    owner = (ctx.get("next_step") or {}).get("owner_vendor")
    return next((p for p in vendor if p["name"] == owner), vendor[0] if vendor else None)


def recipients(ctx: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    """(To, Cc): deciders and sponsors; operational and vendor team (with an address, sender excluded)."""
    mine = (sender(ctx) or {}).get("email", "").lower()
    seen = {mine} if mine else set()

    def keep(person: dict[str, Any]) -> bool:
        key = person["email"].lower()
        if not key or key in seen:
            return False
        seen.add(key)
        return True
    to = [p for p in ctx["decision_makers"] + ctx["sponsors"] if keep(p)]
    cc = [p for p in ctx["operational"] + ctx["vendor"] if keep(p)]
    return to, cc


# --- message ----------------------------------------------------------------------------


def _day(ctx: dict[str, Any]) -> str:
    day = date.fromisoformat(ctx["date_iso"])
    return day.strftime("%d/%m/%Y") if ctx.get("lang", "fr") == "fr" else day.isoformat()


def short_subject(ctx: dict[str, Any]) -> str:
    """The subject without what the e-mail subject already says: `Compte rendu — X — 19/09/2025` → `X`."""
    known = {x.casefold() for x in ("CRC", ctx["L"]["report"], ctx["client"], _day(ctx), ctx["date_iso"], ctx["date"])}
    parts = [p.strip() for p in re.split(r"\s+[—–|-]\s+", ctx["subject"])]
    kept = [p for p in parts if p and p.casefold() not in known]
    return " – ".join(kept) if kept else ctx["subject"]


def subject_line(ctx: dict[str, Any]) -> str:
    """`CRC – ACME SAS – 19/09/2025 – Découverte ACME`."""
    return " – ".join(x for x in ("CRC", ctx["client"], _day(ctx), short_subject(ctx)) if x)


def message_date(ctx: dict[str, Any]) -> datetime:
    """The draft's fixed date: the sending day (else the meeting day) at 09:00, Paris time."""
    day = date.fromisoformat(ctx.get("sent_on_iso") or ctx["date_iso"])
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=PARIS)


def summary(ctx: dict[str, Any]) -> dict[str, Any]:
    """The 7-3-1 view: up to 7 facts, 3 decisions, the next step."""
    me = sender(ctx)
    return {"facts": ctx["facts"][:SUMMARY_FACTS], "decisions": ctx["decisions"][:SUMMARY_DECISIONS],
            "more_facts": max(0, len(ctx["facts"]) - SUMMARY_FACTS),
            "more_decisions": max(0, len(ctx["decisions"]) - SUMMARY_DECISIONS),
            "sender": me or {"name": "", "role": "", "email": ""},
            "attachment": f"{ctx['name']}.docx", "subject": short_subject(ctx)}


def render_bodies(template: Any, ctx: dict[str, Any]) -> tuple[str, str]:
    """The plain-text and HTML bodies: the `text` and `html` blocks of the e-mail template."""
    context = template.new_context(dict(ctx, mail=summary(ctx)))
    text = "".join(template.blocks["text"](context)).strip() + "\n"
    context = template.new_context(dict(ctx, mail=summary(ctx)))
    html = "".join(template.blocks["html"](context)).strip() + "\n"
    return text, html


def build_message(ctx: dict[str, Any], text: str, html: str, docx: bytes) -> bytes:
    """The draft as MIME bytes with CRLF line ends, ready for Outlook or Thunderbird."""
    msg = EmailMessage(policy=POLICY)
    me = sender(ctx)
    to, cc = recipients(ctx)
    if me and me["email"]:
        msg["From"] = _address(me)
    if to:
        msg["To"] = [_address(p) for p in to]
    if cc:
        msg["Cc"] = [_address(p) for p in cc]
    msg["Subject"] = subject_line(ctx)
    msg["Date"] = format_datetime(message_date(ctx))
    msg["Message-ID"] = f"<{ctx['name']}@dealdocs.invalid>"
    msg["X-Unsent"] = "1"
    msg["Content-Language"] = ctx.get("lang", "fr")
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    msg.add_attachment(docx, maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename=f"{ctx['name']}.docx")
    seed = hashlib.sha256(ctx["name"].encode("utf-8")).hexdigest()[:24]
    msg.set_boundary(f"=_mixed_{seed}")
    msg.get_payload()[0].set_boundary(f"=_alt_{seed}")
    return msg.as_bytes(policy=POLICY)


def email_output(job: Any, docx_bytes: bytes, renderers: dict[str, Any]) -> dict[str, bytes]:
    """documents.companions() output: crc/<NAME>.eml with the .docx attached."""
    import jinja2

    from . import RenderError

    env = renderers["html"].template.environment
    try:
        template = env.get_template(TEMPLATE)
        text, html = render_bodies(template, job.context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(exc.name or TEMPLATE, f"Jinja syntax error: {exc.message}", exc.lineno or 1) from None
    except (jinja2.TemplateError, KeyError) as exc:
        raise RenderError(TEMPLATE, f"the e-mail template failed to render: {exc} (it needs blocks "
                          "`text` and `html`)") from None
    return {f"crc/{job.name}.eml": build_message(job.context, text, html, docx_bytes)}
