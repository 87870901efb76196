"""Template linter: the user's templates are checked by `check`, before any rendering.

For `templates/crc.docx`: tags split across Word runs (read in the raw XML, before
docxtpl repairs them), tags left open across paragraphs, Jinja syntax errors, and
variables or fields that are not in the CRC view model (`context.crc_context`). Each
finding names the template and quotes the paragraph. For the Jinja text templates
(`templates/**/*.j2`, `templates/**/*.css`): syntax errors with their line.
"""
from __future__ import annotations

import difflib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator, Optional

import jinja2
from jinja2 import meta, nodes

from .models import ERROR, WARNING, Finding

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCX = "templates/crc.docx"
MAX_UNPACKED = 100_000_000  # bytes a Word template may unpack to
_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_OPEN = {"{{": "}}", "{%": "%}", "{#": "#}"}
_NEAR_TAG = re.compile(r"\{\s+[{%]|[%}]\s+\}")
_CURLY = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


@dataclass(frozen=True)
class Paragraph:
    """One Word paragraph: its number in the part, its text and where each run starts."""

    number: int
    text: str
    runs: tuple[tuple[int, int], ...]  # (offset in text, run index)

    def runs_between(self, start: int, end: int) -> set[int]:
        """The runs holding text[start:end]."""
        held = set()
        for i, (offset, run) in enumerate(self.runs):
            stop = self.runs[i + 1][0] if i + 1 < len(self.runs) else len(self.text)
            if offset < end and stop > start and stop > offset:
                held.add(run)
        return held

    def quote(self) -> str:
        text = " ".join(self.text.split())
        return f"« {text[:90]}{'…' if len(text) > 90 else ''} »"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True)


def paragraphs(xml: bytes) -> list[Paragraph]:
    """The paragraphs of a WordprocessingML part, in document order."""
    from lxml import etree
    root = etree.fromstring(xml)
    out = []
    for number, p in enumerate(root.iter(f"{W}p"), start=1):
        text, runs = "", []
        run_ids: dict[Any, int] = {}
        for t in p.iter(f"{W}t"):
            if next(t.iterancestors(f"{W}p")) is not p:
                continue  # text of a nested paragraph (text box)
            run = next(t.iterancestors(f"{W}r"), t)
            runs.append((len(text), run_ids.setdefault(run, len(run_ids))))
            text += t.text or ""
        out.append(Paragraph(number, text, tuple(runs)))
    return out


def tags(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, closed) of every Jinja tag in a paragraph's text."""
    pos = 0
    while True:
        starts = [(text.find(o, pos), o) for o in _OPEN if text.find(o, pos) != -1]
        if not starts:
            return
        start, opener = min(starts)
        end = text.find(_OPEN[opener], start + 2)
        if end == -1:
            yield start, len(text), False
            return
        yield start, end + 2, True
        pos = end + 2


def _where(part: str, para: Paragraph) -> str:
    where = "" if part == "word/document.xml" else f"{part.split('/')[-1].split('.')[0]}, "
    return f"{where}paragraph {para.number} {para.quote()}"


def split_findings(part: str, paras: list[Paragraph], path: str) -> list[Finding]:
    """Tags Word split across runs (warning) or left open across paragraphs (error)."""
    out = []
    for para in paras:
        for start, end, closed in tags(para.text):
            tag = para.text[start:end]
            if not closed:
                out.append(Finding(path, para.number, ERROR, "", f"{_where(part, para)}: tag {tag[:40]!r} is not "
                                   "closed in its paragraph: a tag must open and close in the same paragraph"))
            elif len(para.runs_between(start, end)) > 1:
                out.append(Finding(path, para.number, WARNING, "", f"{_where(part, para)}: tag {tag!r} is split "
                                   "across Word runs (a formatting or spelling mark inside it): select it, "
                                   "delete it and type it again in one go"))
        if _NEAR_TAG.search(para.text):
            out.append(Finding(path, para.number, WARNING, "", f"{_where(part, para)}: a space between the braces "
                               "(\"{ {\" or \"% }\") breaks the tag: write {{ … }} or {% … %}"))
    return out


def _error_paragraph(source: str, lineno: int, paras: list[Paragraph]) -> Optional[Paragraph]:
    """The raw paragraph that holds the patched source's line."""
    lines = source.splitlines()
    if not 0 < lineno <= len(lines):
        return None
    text = " ".join(re.sub(r"<[^>]+>", "", lines[lineno - 1]).split())
    if not text:
        return None
    return next((p for p in paras if " ".join(p.text.split()).translate(_CURLY).find(text[:40]) != -1), None)


def _unclosed_block(message: str, paras: list[Paragraph]) -> Optional[Paragraph]:
    """For "Unexpected end of template", the paragraph that opens the block left open."""
    match = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
    if not match:
        return None
    opener = re.compile(r"\{%[-+]?[a-z]{0,2}\s*" + match.group(1) + r"\b")
    found = [p for p in paras if opener.search(p.text)]
    return found[-1] if found else None


def expression_findings(part: str, paras: list[Paragraph], path: str) -> tuple[list[Finding], list[str]]:
    """Syntax errors in each {{ … }} expression, reported one by one; and the broken tags."""
    env = _environment()
    out, broken = [], []
    for para in paras:
        for start, end, closed in tags(para.text):
            tag = para.text[start:end].translate(_CURLY)
            if not closed or not tag.startswith("{{"):
                continue
            inner = re.sub(r"^\{\{[rp]\s", "{{ ", tag)
            try:
                env.parse(inner)
            except jinja2.TemplateSyntaxError as exc:
                broken.append(tag)
                out.append(Finding(path, para.number, ERROR, "", f"{_where(part, para)}: Jinja syntax error in "
                                   f"{tag!r}: {exc.message}"))
    return out, broken


def _sample_context() -> dict[str, Any]:
    """The CRC view model of a fully filled-in sample CRC."""
    from .context import crc_context
    from .init import example_crcs
    from .models import Crc, CrcDoc, Located
    from .naming import document_name
    record = dict(next(iter(example_crcs(date(2025, 9, 19)).values())))
    record["version"], record["amendment"] = "1.1", {"reason": "Correction"}
    crc = Crc.model_validate(record)
    doc = CrcDoc(crc, document_name(crc), Located("sample.yaml"), record)
    return crc_context(doc, "fr", None, [{"name": doc.name, "version": "1.1", "date": "", "status": "sent",
                                         "status_label": "", "reason": "", "sha256": ""}])


_UNKNOWN = object()


def _resolve(node: nodes.Node, scope: dict[str, Any]) -> Any:
    """The sample value an expression designates, or _UNKNOWN."""
    if isinstance(node, nodes.Name):
        return scope.get(node.name, _UNKNOWN)
    if isinstance(node, nodes.Getattr):
        base = _resolve(node.node, scope)
        return base.get(node.attr, _UNKNOWN) if isinstance(base, dict) else _UNKNOWN
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _resolve(node.node, scope)
        return base.get(node.arg.value, _UNKNOWN) if isinstance(base, dict) else _UNKNOWN
    return _UNKNOWN


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_dotted(node.node)}[{node.arg.value!r}]"
    return "…"


def _field_problems(tree: nodes.Node, context: dict[str, Any]) -> list[tuple[str, str]]:
    """(expression, message) for every `a.b` whose `b` the view model does not have."""
    scope = dict(context)
    for loop in tree.find_all(nodes.For):
        items = _resolve(loop.iter, scope)
        if isinstance(loop.target, nodes.Name) and isinstance(items, list) and items:
            scope.setdefault(loop.target.name, items[0])
    problems = []
    for node in tree.find_all(nodes.Getattr):
        base = _resolve(node.node, scope)
        if not isinstance(base, dict):
            continue
        if node.attr in base and hasattr(dict, node.attr):
            problems.append((_dotted(node), f"`{_dotted(node)}` is the dictionary method, not the field: "
                             f"write {_dotted(node.node)}['{node.attr}']"))
        elif node.attr not in base and not hasattr(dict, node.attr):
            problems.append((_dotted(node), f"unknown field `{_dotted(node)}`{_suggest(node.attr, base)}"))
    return problems


def _suggest(name: str, known: Any) -> str:
    guess = difflib.get_close_matches(name, [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {guess[0]!r}?)" if guess else ""


def _find_paragraph(needle: str, paras: list[Paragraph]) -> Optional[Paragraph]:
    pattern = re.compile(r"(?<![\w.])" + re.escape(needle) + r"(?![\w])")
    return next((p for p in paras if pattern.search(p.text)), None)


def variable_findings(part: str, source: str, paras: list[Paragraph], path: str,
                      context: dict[str, Any]) -> list[Finding]:
    """Variables and fields the template uses that the CRC view model does not give."""
    env = _environment()
    tree = env.parse(source)
    out = []
    unknown = sorted(meta.find_undeclared_variables(tree) - set(context) - set(env.globals))
    for name in unknown:
        para = _find_paragraph(name, paras)
        where = _where(part, para) if para else part
        out.append(Finding(path, para.number if para else 1, ERROR, "", f"{where}: unknown variable "
                           f"`{name}`{_suggest(name, context)}: the CRC view model has no such value"))
    for expr, message in _field_problems(tree, context):
        para = _find_paragraph(expr.split("[")[0], paras)
        severity = WARNING if "dictionary method" in message else ERROR
        where = _where(part, para) if para else part
        out.append(Finding(path, para.number if para else 1, severity, "", f"{where}: {message}"))
    return out


def lint_docx(data: bytes, path: str = DOCX, context: Optional[dict[str, Any]] = None) -> list[Finding]:
    """Every finding about a Word template's tags, syntax and variables."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
            if unpacked > MAX_UNPACKED:  # a zip bomb must not exhaust the memory
                return [Finding(path, 1, ERROR, "", f"the Word template unpacks to {unpacked} bytes, over the limit "
                                f"of {MAX_UNPACKED}: save a lighter template (compressed images)")]
            parts = {n: zf.read(n) for n in sorted(zf.namelist()) if _PARTS.match(n)}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, NotImplementedError, ValueError):
        return [Finding(path, 1, ERROR, "", "not a Word .docx file (not a zip): save it from Word as .docx")]
    if "word/document.xml" not in parts:
        return [Finding(path, 1, ERROR, "", "not a Word document: word/document.xml is missing")]
    from docxtpl import DocxTemplate  # heavy import, only when the user has a Word template
    try:
        tpl = DocxTemplate(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on broken packages
        return [Finding(path, 1, ERROR, "", f"the Word template cannot be opened: {exc}")]
    context = context if context is not None else _sample_context()
    findings: list[Finding] = []
    ordered = ["word/document.xml"] + [n for n in parts if n != "word/document.xml"]
    for part in ordered:
        try:
            paras = paragraphs(parts[part])
            parts[part].decode("utf-8")
        except UnicodeDecodeError:
            findings.append(Finding(path, 1, ERROR, "", f"{part} is not UTF-8 XML: open the template in Word "
                                    "and save it again as .docx"))
            continue
        except Exception as exc:  # lxml XMLSyntaxError and friends
            findings.append(Finding(path, 1, ERROR, "", f"{part} is not valid XML: {exc}"))
            continue
        splits = split_findings(part, paras, path)
        expr, broken = expression_findings(part, paras, path)
        findings += splits + expr
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(parts[part].decode("utf-8")))
        for tag in broken:  # already reported: leave them out so the rest can be checked
            source = source.replace(tag, "")
        try:
            findings += variable_findings(part, source, paras, path, context)
        except jinja2.TemplateSyntaxError as exc:
            para = _unclosed_block(exc.message or "", paras) or _error_paragraph(source, exc.lineno or 0, paras)
            if para is not None and any(f.line == para.number and f.severity == ERROR for f in splits + expr):
                continue  # already reported with a better message
            where = _where(part, para) if para else part
            findings.append(Finding(path, para.number if para else 1, ERROR, "",
                                    f"{where}: Jinja syntax error: {exc.message}"))
    return _dedupe(findings)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


def lint_text(path: Path, rel: str) -> list[Finding]:
    """Jinja syntax of one text template (HTML, CSS, e-mail), with its line."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(rel, 1, ERROR, "", f"cannot read the template: {exc}")]
    try:
        _environment().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        line = exc.lineno or 1
        lines = source.splitlines()
        near = lines[line - 1].strip()[:80] if 0 < line <= len(lines) else ""
        return [Finding(rel, line, ERROR, "", f"Jinja syntax error: {exc.message}" + (f" near {near!r}" if near else ""))]
    return []


def lint_templates(root: Path) -> list[Finding]:
    """Findings about the user's templates/ (nothing when the built-in templates are used)."""
    folder = root / "templates"
    if not folder.is_dir():
        return []
    findings: list[Finding] = []
    home = root.resolve()
    outside = sorted(p for p in folder.rglob("*") if not p.resolve().is_relative_to(home))
    for path in outside:  # a template linked out of the repository would print that file into the outputs
        findings.append(Finding(path.relative_to(root).as_posix(), 1, ERROR, "",
                                "symbolic link pointing outside the repository: refused"))
    docx = folder / "crc.docx"
    if docx.is_file() and docx not in outside:
        try:
            findings += lint_docx(docx.read_bytes(), DOCX)
        except OSError as exc:
            findings.append(Finding(DOCX, 1, ERROR, "", f"cannot read the Word template: {exc.strerror}"))
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith((".j2", ".css"))):
        if path not in outside:
            findings += lint_text(path, path.relative_to(root).as_posix())
    return findings
