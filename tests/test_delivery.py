"""Client delivery: the e-mail draft (.eml) and the calendar invite (.ics) of each CRC."""
from __future__ import annotations

import email
import json
from datetime import datetime
from email import policy
from pathlib import Path

import icalendar
import pytest

from conftest import GOOD_CRC, Scratch
from generator.render.email import short_subject
from generator.render.ics import sequence, time_range

AS_OF = "2025-09-25"
SENT = GOOD_CRC.replace("    validation: {deadline", "    sent_on: 2025-09-20\n    validation: {deadline")
TEAM = ("        - {name: Zoé Martin, role: AE, email: zoe.martin@vendor.example}\n",
        "        - {name: Zoé Martin, role: AE, email: zoe.martin@vendor.example}\n"
        "        - {name: Samir Haddad, role: Avant-vente, email: s.haddad@vendor.example}\n"
        "        - {name: Léa Roux, role: SDR}\n")


def build(scratch: Scratch, run_cli, out_name: str = "out") -> Path:
    run_cli("lock", "--root", str(scratch.root))
    out = scratch.root / out_name
    code, _, err = run_cli("build", "--root", str(scratch.root), "--out", str(out), "--as-of", AS_OF, "-q")
    assert code == 0, err
    return out / "crc"


def message(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


@pytest.fixture
def built(scratch_project: Scratch, run_cli) -> Path:
    scratch_project.crc("acme.yaml", SENT.replace(*TEAM))
    return build(scratch_project, run_cli)


# --- e-mail ---------------------------------------------------------------------------------


def test_eml_headers_and_recipients(built: Path) -> None:
    msg = message(built / "CRC-2025-09-19-ACME-v1.0.eml")
    assert str(msg["From"]) == "Zoé Martin <zoe.martin@vendor.example>"
    assert [a.addr_spec for a in msg["To"].addresses] == ["m.dubois@acme.example", "c.leroy@acme.example"]
    # J. Petit (operational) and Léa Roux (vendor) have no address: left out; the sender is not copied
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["s.haddad@vendor.example"]
    assert str(msg["Subject"]) == "CRC – ACME SAS – 19/09/2025 – Découverte ACME"
    assert msg["X-Unsent"] == "1"
    assert msg["Message-ID"] == "<CRC-2025-09-19-ACME-v1.0@dealdocs.invalid>"
    assert msg["Date"].datetime == datetime.fromisoformat("2025-09-20T09:00:00+02:00")


def test_eml_bodies_and_attachment(built: Path) -> None:
    msg = message(built / "CRC-2025-09-19-ACME-v1.0.eml")
    text = msg.get_body(("plain",)).get_content()
    assert "Suite à notre réunion du 19 septembre 2025" in text
    assert "- Douleur principale : 3 outils d'authentification non reliés." in text
    assert "1. Go pour un cadrage fonctionnel." in text
    assert "Réunion de cadrage multi-parties — 26 septembre 2025 10:00-10:45" in text
    assert "Merci de répondre VALIDÉ ou de corriger en rouge avant le 24/09/2025 à 17:00." in text
    assert "&#39;" not in text and "&amp;" not in text  # plain text is not HTML-escaped
    html = msg.get_body(("html",)).get_content()
    assert "<li>Douleur principale : 3 outils d&#39;authentification non reliés.</li>" in html
    assert "Merci de répondre VALIDÉ ou de corriger en rouge avant le 24/09/2025 à 17:00." in html
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert attachment.get_filename() == "CRC-2025-09-19-ACME-v1.0.docx"
    assert attachment.get_content() == (built / "CRC-2025-09-19-ACME-v1.0.docx").read_bytes()


def test_eml_bytes_are_deterministic_with_crlf(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("acme.yaml", SENT)
    a = (build(scratch_project, run_cli, "a") / "CRC-2025-09-19-ACME-v1.0.eml").read_bytes()
    (scratch_project.root / ".dealdocs-cache").rename(scratch_project.root / "old-cache")
    b = (build(scratch_project, run_cli, "b") / "CRC-2025-09-19-ACME-v1.0.eml").read_bytes()
    assert a == b
    assert b"\r\n" in a and a.count(b"\n") == a.count(b"\r\n")
    assert b'boundary="=_mixed_' in a and b'boundary="=_alt_' in a


def test_eml_summary_is_7_3_1(scratch_project: Scratch, run_cli) -> None:
    decisions = "".join(f"      - Décision {i}.\n" for i in range(1, 6))
    scratch_project.crc("acme.yaml", SENT.replace("      - Go pour un cadrage fonctionnel.\n"
                                                  "      - Mme Leroy sponsorise le projet.\n", decisions))
    text = message(build(scratch_project, run_cli) / "CRC-2025-09-19-ACME-v1.0.eml").get_body(("plain",)).get_content()
    assert "3. Décision 3." in text and "Décision 4" not in text
    assert "(+ 2 dans le compte rendu joint)" in text


def test_decision_maker_without_email_is_warned(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("acme.yaml", replace={", email: m.dubois@acme.example}": "}"})
    code, out, _ = run_cli("check", "--root", str(scratch_project.root), "--format", "json", "--as-of", AS_OF)
    [hit] = [f for f in json.loads(out) if "has no email" in f["message"]]
    assert (hit["line"], hit["severity"], hit["field"]) == (11, "warning", "participants.client[0].email")
    assert "M. Dubois" in hit["message"] and code == 0
    msg = message(build(scratch_project, run_cli) / "CRC-2025-09-19-ACME-v1.0.eml")
    assert [a.addr_spec for a in msg["To"].addresses] == ["c.leroy@acme.example"]


def test_short_subject_drops_what_the_subject_line_gives() -> None:
    ctx = {"L": {"report": "Compte rendu"}, "client": "ACME SAS", "date_iso": "2025-09-19",
           "date": "19 septembre 2025", "lang": "fr"}
    assert short_subject(dict(ctx, subject="Compte rendu — Découverte ACME — 19/09/2025")) == "Découverte ACME"
    assert short_subject(dict(ctx, subject="ACME SAS")) == "ACME SAS"


# --- calendar -------------------------------------------------------------------------------


def test_ics_next_step_invite(built: Path) -> None:
    cal = icalendar.Calendar.from_ical((built / "CRC-2025-09-19-ACME-v1.0.ics").read_bytes())
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    [event] = cal.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start.isoformat(), end.isoformat()) == ("2025-09-26T10:00:00+02:00", "2025-09-26T10:45:00+02:00")
    assert str(event["SUMMARY"]) == "Réunion de cadrage multi-parties – ACME SAS"
    attendees = {str(a): a.params["CN"] for a in event["ATTENDEE"]}
    assert attendees == {"mailto:m.dubois@acme.example": "M. Dubois", "mailto:zoe.martin@vendor.example": "Zoé Martin"}
    assert str(event["ORGANIZER"]) == "mailto:zoe.martin@vendor.example"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTAMP").isoformat() == "2025-09-20T08:00:00+00:00"


def test_ics_uid_is_stable_across_versions(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("acme.yaml", SENT)
    scratch_project.crc("acme-v1.1.yaml", SENT.replace('version: "1.0"', 'version: "1.1"').replace(
        "date: 2025-09-26", "date: 2025-09-29").replace(
        "sent_on: 2025-09-20\n", "amendment: {reason: Cadrage décalé au 29/09}\n").replace(
        "owner_client: M. Dubois", "owner_client: J. Petit"))
    crc = build(scratch_project, run_cli)
    v10, v11 = (icalendar.Calendar.from_ical((crc / f"CRC-2025-09-19-ACME-v{v}.ics").read_bytes()).walk("VEVENT")[0]
                for v in ("1.0", "1.1"))
    assert v10["UID"] == v11["UID"]
    assert (v10["SEQUENCE"], v11["SEQUENCE"]) == (0, 1)
    assert v11.decoded("DTSTART").isoformat() == "2025-09-29T10:00:00+02:00"
    # J. Petit has no address: named, with the placeholder calendar apps use
    assert {str(a): a.params["CN"] for a in v11["ATTENDEE"]}["invalid:nomail"] == "J. Petit"


def test_no_ics_without_a_dated_next_step(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc("acme.yaml", SENT.replace("      date: 2025-09-26\n", ""))
    crc = build(scratch_project, run_cli)
    assert (crc / "CRC-2025-09-19-ACME-v1.0.eml").exists()
    assert not (crc / "CRC-2025-09-19-ACME-v1.0.ics").exists()


def test_ics_helpers() -> None:
    assert [sequence(v) for v in ("1.0", "1.1", "1.12", "2.0")] == [0, 1, 12, 100]
    start, end = time_range(datetime(2025, 10, 27).date(), "9:30")
    assert (start.isoformat(), end.isoformat()) == ("2025-10-27T09:30:00+01:00", "2025-10-27T10:30:00+01:00")


def test_sample_drafts_have_a_sender_address() -> None:
    """The sample's draft CRCs name their vendor's address, so their .eml has a From (sent ones are locked)."""
    from generator.context import crc_context
    from generator.project import load_project
    from generator.render.email import build_message, sender

    project = load_project(Path(__file__).resolve().parents[1], datetime(2025, 10, 24).date())
    drafts = [d for d in project.crcs if d.crc.sent_on is None]
    assert drafts
    for doc in drafts:
        ctx = crc_context(doc, project.settings.language)
        address = (sender(ctx) or {}).get("email", "")
        assert address.endswith("@vendeur.example"), doc.name              # the vendor's domain in the examples
        msg = email.message_from_bytes(build_message(ctx, "texte\n", "<p>texte</p>\n", b"docx"), policy=policy.default)
        assert [a.addr_spec for a in msg["From"].addresses] == [address]
