"""Word documents rendered with docxtpl from a real .docx template."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import jinja2

from . import RenderError

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            zout.writestr(fixed, zin.read(info.filename))
    return out.getvalue()


class DocxRenderer:
    """Renders contexts into one Word template, read once per build."""

    def __init__(self, template: Path, display: str) -> None:
        self.display = display
        try:
            self.template_bytes = template.read_bytes()
        except OSError as exc:
            raise RenderError(display, f"cannot read the Word template: {exc.strerror}") from None
        self.env = jinja2.Environment(autoescape=True)

    def render(self, context: dict[str, Any]) -> bytes:
        """The rendered .docx bytes, deterministic for a given context."""
        from docxtpl import DocxTemplate  # heavy import kept off the check path

        try:
            tpl = DocxTemplate(io.BytesIO(self.template_bytes))
            tpl.render(context, jinja_env=self.env, autoescape=True)
            buf = io.BytesIO()
            tpl.save(buf)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(self.display, f"Jinja syntax error in the Word template: {exc.message} "
                              f"(near {exc.source.splitlines()[exc.lineno - 1][:80] if exc.source else '?'!r}); "
                              "a tag may be split across Word runs: retype it in one go") from None
        except jinja2.UndefinedError as exc:
            raise RenderError(self.display, f"unknown variable in the Word template: {exc.message}") from None
        except zipfile.BadZipFile:
            raise RenderError(self.display, "the Word template is not a .docx file (not a zip)") from None
        except Exception as exc:  # docxtpl raises many kinds on broken templates
            raise RenderError(self.display, f"the Word template failed to render: {exc}") from None
        return normalize_zip(buf.getvalue())
