"""Renderers: view model in, bytes out."""
from __future__ import annotations


class RenderError(Exception):
    """A template that cannot render: carries the template path and the offending text."""

    def __init__(self, template: str, message: str, line: int = 1) -> None:
        super().__init__(f"{template}:{line}: {message}")
        self.template = template
        self.message = message
        self.line = line
