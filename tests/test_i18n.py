"""French by default, English with one setting (`extra.dealdocs.language: en` in mkdocs.yml)."""
from __future__ import annotations

import inspect
import io
import json
import textwrap
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import GOOD_CRC, Scratch
from generator import rules
from generator.context import crc_context
from generator.i18n import (LABELS, METRIC_LABELS, SITE_LABELS, deadline_text, labels, long_date, metric_labels,
                            money, percent, pick, plural, site_labels)
from generator.loader import parse_yaml
from generator.models import Crc, CrcDoc, Located
from generator.naming import document_name

AS_OF = "2025-09-25"


def doc() -> CrcDoc:
    data = parse_yaml(textwrap.dedent(GOOD_CRC), "acme.yaml").data
    crc = Crc.model_validate(data)
    return CrcDoc(crc, document_name(crc), Located("content/crc/acme.yaml"), data)


def test_label_tables_match() -> None:
    assert LABELS["fr"].keys() == LABELS["en"].keys()
    for language, table in LABELS.items():
        assert all(isinstance(v, str) and v for v in table.values()), language
    assert labels("de") is LABELS["fr"]
    assert SITE_LABELS["fr"].keys() == SITE_LABELS["en"].keys()
    for language, table in SITE_LABELS.items():
        assert all(isinstance(v, str) and v for v in table.values()), language
    assert site_labels("de") is SITE_LABELS["fr"]
    assert METRIC_LABELS["fr"].keys() == METRIC_LABELS["en"].keys()
    for language, table in METRIC_LABELS.items():
        assert all(isinstance(v, str) and v for v in table.values()), language
    assert metric_labels("de") is METRIC_LABELS["fr"]


def test_french_metric_labels_are_the_metrics_json_texts() -> None:
    """metrics.json's French messages and loss labels are the French table's: the English ones translate them."""
    from generator import metrics
    fr = metric_labels("fr")
    assert fr["status_not_enough_data"] == metrics.NOT_ENOUGH_TEXT
    assert fr["status_no_throughput"] == metrics.NO_THROUGHPUT_TEXT
    assert {k: fr[f"reason_{k}"] for k in metrics.LOST_REASONS} == metrics.LOST_REASONS


def test_register_script_defaults_are_the_french_labels() -> None:
    """register.js holds the French js_* labels as its defaults (French pages emit none); English ones override."""
    from generator.site import SITE_DEFAULTS
    script = (SITE_DEFAULTS / "assets/dealdocs/register.js").read_text(encoding="utf-8")
    for key, value in SITE_LABELS["fr"].items():
        if key.startswith("js_"):
            assert f'{key[3:]}: {json.dumps(value, ensure_ascii=False)}' in script, key
    english = " ".join(v for k, v in SITE_LABELS["en"].items() if k.startswith("js_"))
    assert "CRC sur" not in english and "{shown} of {total} CRCs" in english


def test_colon_and_plural() -> None:
    """French puts a space before a colon, English does not; French takes the singular below 2, English at 1."""
    assert (labels("fr")["colon"], labels("en")["colon"]) == (" :", ":")
    assert plural(1, "version|versions") == "1 version" and plural(0, "fiche|fiches") == "0 fiche"
    assert plural(2, "fiche|fiches") == "2 fiches" and plural(0, "page|pages", "en") == "0 pages"
    assert plural(1, "page|pages", "en") == "1 page" and plural(3, "page|pages", "en") == "3 pages"
    assert pick("gain|gains", 1.3) == "gain" and pick("gain|gains", 2.0) == "gains"
    assert pick("win|wins", 1.3, "en") == "wins" and pick("win|wins", 1.0, "en") == "win"
    assert pick("Aucun", 5) == "Aucun"


def test_no_debug_plurals_in_labels() -> None:
    """Counts are known: no label writes "(s)" for the reader to sort out; plural forms are "one|many"."""
    for table in (LABELS, SITE_LABELS, METRIC_LABELS):
        for language, words in table.items():
            assert not [k for k, v in words.items() if "(s)" in v], language
            assert not [k for k, v in words.items() if v.count("|") > 1], language


@pytest.mark.parametrize("language, expected", [("fr", "19 septembre 2025"), ("en", "19 September 2025")])
def test_long_date(language: str, expected: str) -> None:
    assert long_date(date(2025, 9, 19), language) == expected
    assert long_date(None, language) == ""


def test_numbers_and_deadlines() -> None:
    assert money(28000, "fr") == "28 000 €"
    assert money(28000, "en") == "€28,000"
    assert (percent(40, "fr"), percent(40, "en"), percent(None)) == ("40 %", "40%", "")
    when = datetime(2025, 9, 24, 17, 0)
    assert deadline_text(when, "fr") == "24/09/2025 à 17:00"
    assert deadline_text(when, "en") == "2025-09-24 at 17:00"


def test_score_and_checklist_follow_the_language() -> None:
    crc = doc().crc.model_copy(update={"facts": ["un"]})
    fr, en = rules.score(crc), rules.score(crc, "en")
    assert fr.total == en.total
    assert fr.items[0].label == "Objectif en une phrase"
    assert en.items[0].label == "Objective in one sentence"
    assert "Ramener les faits saillants à 5–7 (actuellement 1)" in fr.missing
    assert "Bring the key facts to 5–7 (currently 1)" in en.missing
    assert rules.checklist(crc)[0].label == "Envoyé sous 24 h"
    assert rules.checklist(crc, None, "en")[0].label == "Sent within 24 h"
    assert [c.ok for c in rules.checklist(crc)] == [c.ok for c in rules.checklist(crc, None, "en")]


def test_rules_hold_no_french_text() -> None:
    """The rules stay pure logic: their user-facing words live in i18n."""
    source = inspect.getsource(rules.score) + inspect.getsource(rules.checklist)
    assert "phrase" not in source and "Envoyé" not in source


def test_view_model_in_english() -> None:
    ctx = crc_context(doc(), "en")
    assert ctx["L"]["facts"] == "Key facts"
    assert ctx["date"] == "19 September 2025"
    assert ctx["type_label"] == "Discovery"
    assert ctx["title"] == "Meeting report — Découverte ACME — 19 September 2025"
    assert ctx["crm"]["probability"] == "40%" and ctx["crm"]["amount"] == "€28,000"
    assert ctx["next_step"]["when"] == "26 September 2025 10:00-10:45"
    assert ctx["score"]["items"][0]["label"] == "Objective in one sentence"
    assert ctx["validation_request"] == "Please reply VALIDATED or correct in red before 2025-09-24 at 17:00."
    fr = crc_context(doc())
    assert fr["title"] == "Compte rendu — Découverte ACME — 19 septembre 2025"
    assert fr["crm"]["probability"] == "40 %"
    assert fr["validation_request"] == "Merci de répondre VALIDÉ ou de corriger en rouge avant le 24/09/2025 à 17:00."


def test_a_subject_already_titled_is_kept_in_any_language() -> None:
    d = doc()
    d = CrcDoc(d.crc.model_copy(update={"subject": "Compte rendu — Démo SSO"}), d.name, d.source, d.data)
    assert crc_context(d, "en")["title"] == "Compte rendu — Démo SSO"


def build(scratch: Scratch, run_cli, out: Path, language: str | None) -> Path:
    if language:
        scratch.write("mkdocs.yml", f"site_name: Ventes\nextra:\n  dealdocs:\n    language: {language}\n")
    scratch.crc()
    code, stdout, stderr = run_cli("build", "--root", str(scratch.root), "--out", str(out), "--as-of", AS_OF,
                                   "-q", "--jobs", "1")
    assert code == 0, stdout + stderr
    return out


@pytest.mark.parametrize("language, present, absent", [
    (None, ["Faits saillants", "19 septembre 2025", "Découverte", "Probabilité : 40 %", "Quand : "],
     ["Key facts", "September", "Probabilité:"]),
    ("en", ["Key facts", "19 September 2025", "Discovery", "Probability: 40%", "When: "],
     ["Faits saillants", "septembre 2025", "Probability :", "When :"]),
])
def test_build_follows_the_setting(scratch_project: Scratch, run_cli, tmp_path: Path, language, present, absent) -> None:
    out = build(scratch_project, run_cli, tmp_path / "site", language)
    html = (out / "crc" / "CRC-2025-09-19-ACME-v1.0.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(io.BytesIO((out / "crc" / "CRC-2025-09-19-ACME-v1.0.docx").read_bytes())) as zf:
        word = zf.read("word/document.xml").decode("utf-8")
    for text in present:
        assert text in html, text
    for text in absent:
        assert text not in html, text
    assert present[0] in word and absent[0] not in word
    assert f'lang="{language or "fr"}"' in html
    from pypdf import PdfReader  # the board's band: metrics.headline() in the language
    band = PdfReader(io.BytesIO((out / "board" / "board.pdf").read_bytes())).pages[0].extract_text()
    assert ("0 wins per week" if language else "0 gain par semaine") in band
    assert ("gain" if language else "win") not in band and "(s)" not in band


@pytest.mark.parametrize("language, words", [
    (None, ["Bonjour,", "Suite à notre réunion du 19 septembre 2025", "Faits saillants",
            "Merci de répondre VALIDÉ ou de corriger en rouge avant le 24/09/2025 à 17:00.", "Bien cordialement,"]),
    ("en", ["Hello,", "Following our meeting on 19 September 2025", "Key facts",
            "Please reply VALIDATED or correct in red before 2025-09-24 at 17:00.", "Kind regards,"]),
])
def test_email_follows_the_setting(scratch_project: Scratch, run_cli, tmp_path: Path, language, words) -> None:
    from email import message_from_bytes, policy
    out = build(scratch_project, run_cli, tmp_path / "site", language)
    message = message_from_bytes((out / "crc" / "CRC-2025-09-19-ACME-v1.0.eml").read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    for word in words:
        assert word in text, word
    owners = "Owners: M. Dubois and Zoé Martin" if language == "en" else "Responsables : M. Dubois et Zoé Martin"
    assert owners in text and owners in message.get_body(("html",)).get_content()


def test_unknown_language_is_an_error(scratch_project: Scratch, run_cli) -> None:
    scratch_project.write("mkdocs.yml", "extra:\n  dealdocs:\n    language: de\n")
    code, out, _ = run_cli("check", "--root", str(scratch_project.root), "--format", "json", "--as-of", AS_OF)
    assert code == 1
    assert any(f["path"] == "mkdocs.yml" and "fr or en" in f["message"] for f in json.loads(out))
