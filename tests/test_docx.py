"""The prepared-once Word renderer gives the same document as plain docxtpl."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from conftest import GOOD_CRC
from generator.context import crc_context
from generator.loader import parse_yaml
from generator.models import Crc, CrcDoc, Located
from generator.render import RenderError
from generator.render.docx import DocxRenderer, render_with_docxtpl
from generator.templates import DEFAULTS
import textwrap

TEMPLATE = DEFAULTS / "crc.docx"


def context(text: str = GOOD_CRC) -> dict:
    loaded = parse_yaml(textwrap.dedent(text))
    crc = Crc.model_validate(loaded.data)
    return crc_context(CrcDoc(crc, "CRC-2025-09-19-ACME-v1.0", Located("x.yaml", loaded.lines), loaded.data))


def structure(data: bytes) -> list:
    document = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    footers = [s.footer._element.xml for s in document.sections]
    return [paragraphs, tables, footers]


@pytest.mark.parametrize("text", [GOOD_CRC, "client: X\ndate: 2025-01-02\ntype: qbr\nversion: \"1.0\"\n"])
def test_fast_path_matches_docxtpl(text: str) -> None:
    ctx = context(text)
    fast = DocxRenderer(TEMPLATE, "crc.docx").render(ctx)
    assert structure(fast) == structure(render_with_docxtpl(TEMPLATE, ctx))


def test_output_is_deterministic_zip() -> None:
    renderer = DocxRenderer(TEMPLATE, "crc.docx")
    a, b = renderer.render(context()), renderer.render(context())
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_builtin_template_is_lean() -> None:
    assert TEMPLATE.stat().st_size < 40_000
    with zipfile.ZipFile(TEMPLATE) as zf:
        assert b"latentStyles" not in zf.read("word/styles.xml")


def test_broken_template_names_the_tag(tmp_path: Path) -> None:
    bad = docx.Document()
    bad.add_paragraph("Client : {{ client }")
    path = tmp_path / "crc.docx"
    bad.save(str(path))
    with pytest.raises(RenderError) as exc:
        DocxRenderer(path, "templates/crc.docx")
    assert exc.value.template == "templates/crc.docx"
    assert "Client" in exc.value.message


def test_unknown_variable_is_reported(tmp_path: Path) -> None:
    bad = docx.Document()
    bad.add_paragraph("{{ nonexistent.field }}")
    path = tmp_path / "crc.docx"
    bad.save(str(path))
    with pytest.raises(RenderError) as exc:
        DocxRenderer(path, "templates/crc.docx").render(context())
    assert "unknown variable" in exc.value.message


def test_word_file_for_the_client_leaves_out_the_internal_crm_figures() -> None:
    """Stage, win probability and amount stay internal: the HTML report shows them, the Word file does not."""
    from generator.render.html import HtmlRenderer
    ctx = context()
    document = docx.Document(io.BytesIO(DocxRenderer(DEFAULTS / "crc.docx", "crc.docx").render(ctx)))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    amount, probability = ctx["crm"]["amount"], ctx["crm"]["probability"]  # "28 000 €", "40 %"
    assert amount not in text and probability not in text and "Score" in text
    html = HtmlRenderer(None, "crc.html.j2").render(ctx).decode("utf-8")
    assert amount in html and probability in html
