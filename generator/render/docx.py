"""Word documents rendered with docxtpl from a real .docx template.

docxtpl prepares a template on every render (parse the package, clean the Jinja tags that
Word split across runs, compile the whole document XML as a Jinja template, save through
python-docx). A build renders hundreds of documents from one template, so `DocxRenderer`
does docxtpl's preparation once — the same `patch_xml` cleaning, the same paragraph
handling and `resolve_listing` post-processing — and per document only renders the
compiled Jinja templates and writes the zip with fixed timestamps. `render_with_docxtpl`
keeps the plain docxtpl path; a test checks both give the same document.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2

from . import RenderError

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_BODY = re.compile(r"<w:body\b.*</w:body>", re.DOTALL)


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes so equal content gives equal bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        return write_zip([(info.filename, zin.read(info.filename)) for info in zin.infolist()])


def write_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """A deflated zip of (name, bytes) entries with fixed timestamps, in the given order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zout.writestr(info, data)
    return out.getvalue()


def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def _explain(display: str, exc: Exception) -> RenderError:
    """A template failure as a RenderError naming the template and the offending text."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        near = ""
        if exc.source and exc.lineno:
            near = re.sub(r"<[^>]+>", "", exc.source.splitlines()[exc.lineno - 1])[:80]
        return RenderError(display, f"Jinja syntax error in the Word template: {exc.message} near {near!r}; "
                           "a tag may be split across Word runs or styles: retype it in one go")
    if isinstance(exc, jinja2.UndefinedError):
        return RenderError(display, f"unknown variable in the Word template: {exc.message}")
    if isinstance(exc, zipfile.BadZipFile):
        return RenderError(display, "the Word template is not a .docx file (not a zip)")
    return RenderError(display, f"the Word template failed to render: {exc}")


class DocxRenderer:
    """Renders contexts into one Word template, prepared once per build."""

    def __init__(self, template: Path, display: str) -> None:
        self.display = display
        try:
            self.template_bytes = template.read_bytes()
        except OSError as exc:
            raise RenderError(display, f"cannot read the Word template: {exc.strerror}") from None
        try:
            self._prepare()
        except Exception as exc:  # docxtpl / python-docx raise many kinds on broken templates
            raise _explain(display, exc) from None

    def _prepare(self) -> None:
        from docxtpl import DocxTemplate  # heavy import kept off the check path

        tpl = DocxTemplate(io.BytesIO(self.template_bytes))
        tpl.render_init()
        self._tpl = tpl
        env = _environment()
        with zipfile.ZipFile(io.BytesIO(self.template_bytes)) as zf:
            self._entries = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
        self._parts: dict[str, jinja2.Template] = {}
        body = tpl.patch_xml(tpl.get_xml())
        self._parts["word/document.xml"] = env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", body))
        for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
            for _, part in tpl.get_headers_footers(uri):
                xml = tpl.patch_xml(tpl.get_part_xml(part))
                self._parts[str(part.partname).lstrip("/")] = env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))
        self._document = dict(self._entries)["word/document.xml"].decode("utf-8")
        if not _BODY.search(self._document):
            raise ValueError("word/document.xml has no body")

    def _render_part(self, name: str, context: dict[str, Any]) -> str:
        xml = self._parts[name].render(context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self._tpl.resolve_listing(xml)

    def render(self, context: dict[str, Any]) -> bytes:
        """The rendered .docx bytes, deterministic for a given context."""
        try:
            rendered = {name: self._render_part(name, context) for name in self._parts}
        except Exception as exc:
            raise _explain(self.display, exc) from None
        body = rendered.pop("word/document.xml")
        document = _BODY.sub(lambda _: body, self._document, count=1)
        entries = []
        for name, data in self._entries:
            if name == "word/document.xml":
                data = document.encode("utf-8")
            elif name in rendered:
                data = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + rendered[name]).encode("utf-8")
            entries.append((name, data))
        return write_zip(entries)


def render_with_docxtpl(template: Path, context: dict[str, Any]) -> bytes:
    """The plain docxtpl path (reference for tests)."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template))
    tpl.render(context, jinja_env=_environment(), autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return normalize_zip(buf.getvalue())
