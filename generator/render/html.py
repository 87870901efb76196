"""Standalone HTML pages rendered with Jinja (autoescaped)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import jinja2

from . import RenderError
from ..templates import display_path, environment, template_path


class HtmlRenderer:
    """Renders one named Jinja template of the project (or the built-in one)."""

    def __init__(self, root: Optional[Path], name: str) -> None:
        self.display = display_path(template_path(root, name), root)
        env = environment(root)
        try:
            self.template = env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(self.display, f"Jinja syntax error: {exc.message}", exc.lineno or 1) from None
        except jinja2.TemplateNotFound:
            raise RenderError(self.display, f"template {name} not found") from None

    def render(self, context: dict[str, Any]) -> bytes:
        """The page as UTF-8 bytes."""
        try:
            return self.template.render(context).encode("utf-8")
        except jinja2.UndefinedError as exc:
            raise RenderError(self.display, f"unknown variable: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise RenderError(self.display, f"template error: {exc}") from None
