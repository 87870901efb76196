"""How many lines a text takes in a box of the printed board: widths from the print fonts' metrics.

The board packs its cards into pages itself, so it must know how tall each card prints: the card's account,
next action and block reason wrap onto as many lines as they need (up to a limit). The widths come from the
DejaVu Sans Condensed fonts that print.css names; without them, from a wide average glyph, so that a card is
never estimated shorter than it prints.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
import math
from typing import Optional, Sequence

log = logging.getLogger(__name__)

FONT_FILES = {False: "DejaVuSansCondensed.ttf", True: "DejaVuSansCondensed-Bold.ttf"}
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
             "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts")
FALLBACK_EM = {False: 0.62, True: 0.70}  # wider than any DejaVu Condensed average: never an underestimate
SAFETY = 1.02                            # kerning and rounding in the layout engine: estimate a little wide
PT_TO_MM = 25.4 / 72


@lru_cache(maxsize=None)
def _font_path(bold: bool) -> Optional[Path]:
    """The DejaVu Sans Condensed file of this weight, if the machine has it."""
    name = FONT_FILES[bold]
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir():
            found = next(iter(sorted(root.rglob(name))), None)
            if found is not None:
                return found
    return None


@lru_cache(maxsize=None)
def _advances(bold: bool) -> Optional[tuple[dict[int, int], int, int]]:
    """Advance widths by code point, the em size and the fallback advance; None without the font."""
    path = _font_path(bold)
    if path is None:
        log.debug("print font %s not found: card heights estimated from an average glyph", FONT_FILES[bold])
        return None
    try:
        from fontTools.ttLib import TTFont
        font = TTFont(str(path), lazy=True)
        metrics, upm = font["hmtx"].metrics, font["head"].unitsPerEm
        widths = {cp: metrics[glyph][0] for cp, glyph in font.getBestCmap().items() if glyph in metrics}
    except Exception as exc:  # a broken or unreadable font file: fall back, never fail the build
        log.debug("cannot read %s (%s): card heights estimated from an average glyph", path, exc)
        return None
    return widths, upm, widths.get(ord("M"), upm)


def text_mm(text: str, size_pt: float, bold: bool = False) -> float:
    """The printed width of `text` at `size_pt` in mm (a little wide, never narrow)."""
    table = _advances(bold)
    if table is None:
        return len(text) * FALLBACK_EM[bold] * size_pt * PT_TO_MM * SAFETY
    widths, upm, wide = table
    units = sum(widths.get(ord(c), wide) for c in text)
    return units / upm * size_pt * PT_TO_MM * SAFETY


def count_lines(pieces: Sequence[float], space: float, width: float) -> int:
    """Lines that pieces of these widths take when laid greedily, `space` apart, in `width`.

    A piece wider than the line is broken anywhere (the card's CSS says overflow-wrap: anywhere).
    """
    lines, used = 1, 0.0
    for piece in pieces:
        if used and used + space + piece > width:
            lines, used = lines + 1, 0.0
        elif used:
            piece += space
        if used + piece > width:
            extra = math.ceil((used + piece) / width) - 1
            lines, used = lines + extra, used + piece - extra * width
        else:
            used += piece
    return lines


def words(text: str, size_pt: float, bold: bool = False) -> list[float]:
    """The widths of the words of `text` (broken at spaces only, as the layout breaks at least there)."""
    return [text_mm(w, size_pt, bold) for w in text.split()]


def space_mm(size_pt: float, bold: bool = False) -> float:
    """The width of a space."""
    return text_mm(" ", size_pt, bold)


def lines_of(text: str, size_pt: float, width: float, bold: bool = False, most: int = 2) -> int:
    """Lines `text` wraps onto in `width` mm, at least 1 and at most `most` (the rest is cut)."""
    return max(1, min(most, count_lines(words(text, size_pt, bold), space_mm(size_pt, bold), width)))

