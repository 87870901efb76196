"""The CRC view model as the Word and HTML documents show it: phrases, labels and the client's answer."""
from __future__ import annotations

import io
import re
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import GOOD_CRC
from generator.context import crc_context
from generator.i18n import risk_category
from generator.loader import parse_yaml
from generator.models import Crc, CrcDoc, Located
from generator.naming import document_name
from generator.render.docx import DocxRenderer
from generator.render.html import HtmlRenderer
from generator.templates import DEFAULTS

HISTORY = [{"name": f"CRC-2025-09-19-ACME-v{v}", "version": v, "date": "", "status": "sent", "status_label": "Envoyé",
            "reason": "", "sha256": "", "locked": False} for v in ("1.0", "1.1")]


def doc(replace: dict[str, str] | None = None) -> CrcDoc:
    """The sample CRC (version 1.0, validation pending), with some lines replaced."""
    text = textwrap.dedent(GOOD_CRC)
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    data = parse_yaml(text, "acme.yaml").data
    crc = Crc.model_validate(data)
    return CrcDoc(crc, document_name(crc), Located("content/crc/acme.yaml"), data)


def answered(status: str) -> CrcDoc:
    return doc({"status: pending": f"status: {status}"})


def html(ctx: dict[str, Any]) -> str:
    return HtmlRenderer(None, "crc.html.j2").render(ctx).decode("utf-8")


def word(ctx: dict[str, Any]) -> str:
    data = DocxRenderer(DEFAULTS / "crc.docx", "crc.docx").render(ctx)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", zf.read("word/document.xml").decode("utf-8")))


@pytest.mark.parametrize("language, sent, not_sent", [("fr", "Invitation envoyée", "Invitation à envoyer"),
                                                       ("en", "Invitation sent", "Invitation to be sent")])
def test_invitation_reads_as_a_phrase(language: str, sent: str, not_sent: str) -> None:
    ctx = crc_context(doc(), language)
    assert ctx["next_step"]["invitation"] == sent
    assert f"{ctx['L']['invitation_sent']} {ctx['next_step']['invitation_sent']}" == sent  # Word's label and value
    other = crc_context(doc({"invitation_sent: true": "invitation_sent: false"}), language)
    assert other["next_step"]["invitation"] == not_sent
    page = html(ctx)
    assert f"· {sent}</div>" in page and ": oui" not in page and ": yes" not in page
    assert sent in word(ctx) and " oui " not in word(ctx)


@pytest.mark.parametrize("value, fr, en", [("budget", "Budget", "Budget"), ("planning", "Planning", "Schedule"),
                                           ("IT", "Informatique (IT)", "IT"), ("Juridique", "Juridique", "Legal"),
                                           ("sécurité", "Sécurité", "Security"), ("cyber", "Cyber", "Cyber"),
                                           (None, "", "")])
def test_risk_categories_are_words(value: str | None, fr: str, en: str) -> None:
    assert (risk_category(value), risk_category(value, "en")) == (fr, en)


def test_risk_category_in_the_documents() -> None:
    ctx = crc_context(doc())
    assert ctx["risks"][0]["category"] == "Budget" and ctx["risks"][0]["category_key"] == "budget"
    assert "<td>Budget</td>" in html(ctx) and "<td>budget</td>" not in html(ctx)
    assert " Budget " in word(ctx) and " budget " not in word(ctx)


def test_the_html_name_keeps_its_lowercase_v() -> None:
    """The document name reads as the files do (`-v1.0`): no CSS upper-casing of it."""
    ctx = crc_context(doc())
    page = html(ctx)
    assert '<div class="docname">CRC-2025-09-19-ACME-v1.0</div>' in page
    rule = page.split(".docname {")[1].split("}")[0]
    assert "uppercase" not in rule


@pytest.mark.parametrize("status, language, expected", [
    ("pending", "fr", "Merci de répondre VALIDÉ ou de corriger en rouge avant le 24/09/2025 à 17:00."),
    ("validated", "fr", "Validé par le client : ce compte rendu fait foi."),
    ("corrected", "fr", "Corrigé par le client : les corrections sont reprises dans la version 1.1."),
    ("validated", "en", "Validated by the client: this report is the agreed record."),
    ("corrected", "en", "Corrected by the client: the corrections are carried into version 1.1."),
])
def test_an_answered_crc_shows_the_answer_not_the_request(status: str, language: str, expected: str) -> None:
    ctx = crc_context(answered(status), language, history=HISTORY)
    assert ctx["validation_text"] == expected
    assert ctx["validation_request"].startswith("Merci de répondre" if language == "fr" else "Please reply")  # e-mail
    page = html(ctx)
    assert f'<div class="validation status-{ctx["status"]}">{expected}</div>' in page.replace("&#39;", "'")
    assert expected in word(ctx).replace("&#39;", "'")
    if status != "pending":
        assert "VALID" not in page.split('class="validation')[-1] and "avant le" not in word(ctx).split("Validation")[-1]


def test_a_correction_without_a_later_version_says_one_will_follow() -> None:
    ctx = crc_context(answered("corrected"), history=HISTORY[:1])
    assert ctx["validation_text"] == "Corrigé par le client : les corrections seront reprises dans une nouvelle version."


def test_the_word_template_is_the_script_output() -> None:
    """generator/default_templates/crc.docx is what tools/make_crc_template.py writes (rebuilt after editing it)."""
    import importlib.util
    script = Path(__file__).resolve().parents[1] / "tools" / "make_crc_template.py"
    spec = importlib.util.spec_from_file_location("make_crc_template", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == (DEFAULTS / "crc.docx").read_bytes()
