"""`crc/<NAME>.ics`: the calendar invite for the CRC's next step (icalendar, Europe/Paris).

The UID comes from the opportunity and the next step's action, not from the version, so the
invite of v1.1 updates the event of v1.0 (higher SEQUENCE) instead of adding a second one.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

TZID = "Europe/Paris"
PARIS = ZoneInfo(TZID)
DEFAULT_MINUTES = 60
NO_MAIL = "invalid:nomail"  # what calendar apps write for a participant without an address


def uid(ctx: dict[str, Any]) -> str:
    """Stable across versions: the opportunity (else the client) and the next step's action."""
    step = ctx["next_step"]
    seed = "|".join((ctx.get("opportunity") or ctx["client"], step["action"].casefold()))
    return f"{hashlib.sha256(seed.encode('utf-8')).hexdigest()[:32]}@dealdocs"


def sequence(version: str) -> int:
    """1.0 → 0, 1.1 → 1, 2.0 → 100: later versions always update earlier invites."""
    major, minor = (int(x) for x in version.split("."))
    return (major - 1) * 100 + minor


def time_range(day: date, text: str) -> tuple[datetime, datetime]:
    """`10:00-10:45` (or `10:00`, one hour) on day, in Paris time."""
    start_text, _, end_text = text.partition("-")
    start = datetime.combine(day, time.fromisoformat(start_text.zfill(5)), PARIS)
    end = datetime.combine(day, time.fromisoformat(end_text.zfill(5)), PARIS) if end_text else None
    if end is None or end <= start:
        end = start + timedelta(minutes=DEFAULT_MINUTES)
    return start, end


def paris_timezone() -> Any:
    """The usual compact VTIMEZONE for Europe/Paris (EU rules since 1996), independent of tzdata."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    for cls, name, start, month, offsets in ((TimezoneDaylight, "CEST", datetime(1970, 3, 29, 2), 3, (1, 2)),
                                             (TimezoneStandard, "CET", datetime(1970, 10, 25, 3), 10, (2, 1))):
        part = cls()
        part.add("tzname", name)
        part.add("tzoffsetfrom", timedelta(hours=offsets[0]))
        part.add("tzoffsetto", timedelta(hours=offsets[1]))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        tz.add_component(part)
    return tz


def _person(ctx: dict[str, Any], name: str) -> dict[str, str]:
    people = ctx["decision_makers"] + ctx["sponsors"] + ctx["operational"] + ctx["vendor"]
    found = next((p for p in people if p["name"] == name and p["email"]), None)
    return {"name": name, "email": found["email"] if found else ""}


def _address(person: dict[str, str], role: Optional[str] = None) -> Any:
    from icalendar import vCalAddress

    addr = vCalAddress(f"mailto:{person['email']}" if person["email"] else NO_MAIL)
    addr.params["cn"] = person["name"]
    if role:
        addr.params["role"] = role
        addr.params["partstat"] = "NEEDS-ACTION"
        addr.params["rsvp"] = "TRUE" if person["email"] else "FALSE"
    return addr


def calendar(ctx: dict[str, Any]) -> Optional[bytes]:
    """The invite for the next step, or None when it has no date."""
    from icalendar import Calendar, Event

    step = ctx.get("next_step")
    if not step or not step.get("date_iso") or not step.get("action"):
        return None
    day = date.fromisoformat(step["date_iso"])
    stamp_day = date.fromisoformat(ctx.get("sent_on_iso") or ctx["date_iso"])
    cal = Calendar()
    cal.add("prodid", "-//dealdocs//CRC//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "REQUEST")
    cal.add_component(paris_timezone())
    event = Event()
    event.add("uid", uid(ctx))
    event.add("sequence", sequence(ctx["version"]))
    event.add("dtstamp", datetime(stamp_day.year, stamp_day.month, stamp_day.day, 8, 0, tzinfo=ZoneInfo("UTC")))
    if step.get("time"):
        start, end = time_range(day, step["time"])
        event.add("dtstart", start)
        event.add("dtend", end)
    else:
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    event.add("summary", f"{step['action']} – {ctx['client']}")
    event.add("description", description(ctx))
    organizer = _person(ctx, step.get("owner_vendor") or (ctx["vendor"][0]["name"] if ctx["vendor"] else "dealdocs"))
    event.add("organizer", _address(organizer))
    for name in dict.fromkeys(n for n in (step.get("owner_client"), step.get("owner_vendor")) if n):
        event.add("attendee", _address(_person(ctx, name), "REQ-PARTICIPANT"), encode=0)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    cal.add_component(event)
    return cal.to_ical()


def description(ctx: dict[str, Any]) -> str:
    """What the event is about, in the CRC's language."""
    if ctx.get("lang") == "en":
        return f"Next step agreed in the meeting report {ctx['name']} ({ctx['client']}, {ctx['date']})."
    return f"Prochaine étape convenue dans le compte rendu {ctx['name']} ({ctx['client']}, {ctx['date']})."


def ics_output(job: Any, docx_bytes: bytes, renderers: dict[str, Any]) -> dict[str, bytes]:
    """documents.companions() output: crc/<NAME>.ics when the next step is dated."""
    data = calendar(job.context)
    return {f"crc/{job.name}.ics": data} if data is not None else {}
