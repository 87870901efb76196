"""Template linter: `check` reports broken user templates with their path and paragraph or line."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from docx import Document

from conftest import Scratch
from generator.lint import lint_docx, paragraphs, tags
from generator.templates import DEFAULTS

AS_OF = "2025-09-25"


def word(*paragraphs_runs: object) -> bytes:
    """A .docx whose paragraphs hold the given runs (a tuple is several runs, alternately bold)."""
    doc = Document()
    for runs in paragraphs_runs:
        p = doc.add_paragraph()
        for i, text in enumerate(runs if isinstance(runs, tuple) else (runs,)):
            p.add_run(text).bold = bool(i % 2)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def check(scratch: Scratch, run_cli, *extra: str) -> tuple[int, list[dict]]:
    code, out, _ = run_cli("check", "--root", str(scratch.root), "--format", "json", "--as-of", AS_OF, *extra)
    return code, [f for f in json.loads(out) if f["path"].startswith("templates/")]


def put_docx(scratch: Scratch, data: bytes) -> None:
    (scratch.root / "templates").mkdir(parents=True, exist_ok=True)
    (scratch.root / "templates" / "crc.docx").write_bytes(data)


def test_builtin_template_is_clean(scratch_project: Scratch, run_cli) -> None:
    """Every built-in template, copied into templates/ to be customised, passes the linter."""
    shutil.copytree(DEFAULTS, scratch_project.root / "templates")
    assert (scratch_project.root / "templates" / "crc.eml.j2").is_file()
    assert check(scratch_project, run_cli, "--strict") == (0, [])


def test_no_templates_no_findings(scratch_project: Scratch, run_cli) -> None:
    assert check(scratch_project, run_cli) == (0, [])


def test_split_tag_is_reported_with_the_paragraph(scratch_project: Scratch, run_cli) -> None:
    put_docx(scratch_project, word("Compte rendu {{ client }}", ("Client : {", "{ client }}")))
    code, found = check(scratch_project, run_cli)
    assert code == 0  # docxtpl repairs it: a warning, an error under --strict
    [f] = found
    assert (f["path"], f["line"], f["severity"]) == ("templates/crc.docx", 2, "warning")
    assert "paragraph 2 « Client : {{ client }} »" in f["message"] and "split across Word runs" in f["message"]
    assert check(scratch_project, run_cli, "--strict")[0] == 1


def test_tag_split_inside_the_expression(scratch_project: Scratch, run_cli) -> None:
    put_docx(scratch_project, word(("{{ next_", "step.action }}")))
    [f] = check(scratch_project, run_cli)[1]
    assert "'{{ next_step.action }}' is split" in f["message"]


def test_unknown_variable_and_field(scratch_project: Scratch, run_cli) -> None:
    put_docx(scratch_project, word("Bonjour {{ clinet }}", "{{ next_step.actoin }}",
                                   "{%p for r in risks %}", "{{ r.txt }}", "{%p endfor %}", "{{ L.clent }}"))
    code, found = check(scratch_project, run_cli)
    assert code == 1
    messages = {f["line"]: f["message"] for f in found}
    assert "paragraph 1 « Bonjour {{ clinet }} »: unknown variable `clinet` (did you mean 'client'?)" in messages[1]
    assert "unknown field `next_step.actoin` (did you mean 'action'?)" in messages[2]
    assert "unknown field `r.txt` (did you mean 'text'?)" in messages[4]
    assert "unknown field `L.clent`" in messages[6]
    assert all(f["severity"] == "error" for f in found)


def test_dict_method_instead_of_field(scratch_project: Scratch, run_cli) -> None:
    put_docx(scratch_project, word("{%p for i in score.items %}", "{{ i.label }}", "{%p endfor %}"))
    [f] = check(scratch_project, run_cli)[1]
    assert f["severity"] == "warning" and "write score['items']" in f["message"]


def test_syntax_errors_each_with_their_paragraph(scratch_project: Scratch, run_cli) -> None:
    put_docx(scratch_project, word("Objet : {{ subject | }}", "{{ client }}", "Date : {{ date date }}"))
    code, found = check(scratch_project, run_cli)
    assert code == 1
    assert [(f["line"], f["severity"]) for f in found] == [(1, "error"), (3, "error")]
    assert "« Objet : {{ subject | }} »: Jinja syntax error in '{{ subject | }}'" in found[0]["message"]


def test_unclosed_block_points_to_its_opening(scratch_project: Scratch, run_cli) -> None:
    put_docx(scratch_project, word("Intro", "{%p if objective %}", "{{ objective }}", "Fin"))
    [f] = check(scratch_project, run_cli)[1]
    assert f["line"] == 2 and "« {%p if objective %} »" in f["message"] and "endif" in f["message"]


def test_tag_across_paragraphs_and_spaced_braces(scratch_project: Scratch, run_cli) -> None:
    put_docx(scratch_project, word("{{ client", "}}", "{ { date } }"))
    found = check(scratch_project, run_cli)[1]
    assert any("not closed in its paragraph" in f["message"] and f["line"] == 1 for f in found)
    assert any("space between the braces" in f["message"] and f["line"] == 3 for f in found)


def test_not_a_docx(scratch_project: Scratch, run_cli) -> None:
    put_docx(scratch_project, b"this is not a zip")
    [f] = check(scratch_project, run_cli)[1]
    assert f["severity"] == "error" and "not a Word .docx" in f["message"]


def test_html_and_css_syntax_with_line(scratch_project: Scratch, run_cli) -> None:
    scratch_project.write("templates/crc.html.j2", """\
        <html>
        <body>
        <h1>{{ title }}</h1>
        {% for f in facts %}<li>{{ f }}</li>{% endfor
        </body>
        """)
    scratch_project.write("templates/print.css", "h1 { color: {{ colour | }}; }\n")
    scratch_project.write("templates/board/board.html.j2", "{% if x %}ok{% endif %}\n")
    code, found = check(scratch_project, run_cli)
    assert code == 1
    by_path = {f["path"]: f for f in found}
    assert set(by_path) == {"templates/crc.html.j2", "templates/print.css"}
    assert by_path["templates/crc.html.j2"]["line"] in (4, 5)
    assert by_path["templates/print.css"]["line"] == 1
    assert "Jinja syntax error" in by_path["templates/print.css"]["message"]


def test_build_stops_before_rendering(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    put_docx(scratch_project, word("{{ clinet }}"))
    code, out, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(tmp_path / "site"),
                             "--as-of", AS_OF)
    assert code == 1 and "templates/crc.docx:1: error:" in out
    assert not (tmp_path / "site").exists()


def test_paragraph_runs_and_tags() -> None:
    [p] = paragraphs(_document_xml(word(("ab{", "{ x }}"))))
    assert p.text == "ab{{ x }}" and p.runs_between(2, 9) == {0, 1}
    assert list(tags("a {{ b }} {% c %} {# d")) == [(2, 9, True), (10, 17, True), (18, 22, False)]


def _document_xml(data: bytes) -> bytes:
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("word/document.xml")


@pytest.mark.parametrize("text", ["{{ client }}", "{{ next_step.when or L.none }}", "{{ score['items'] | length }}"])
def test_known_expressions_pass(text: str) -> None:
    assert lint_docx(word(text)) == []
