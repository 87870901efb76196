"""Raw HTML in hand-written Markdown: what may reach the intranet, and what is refused.

Knowledge-base pages are Markdown, and Markdown lets raw HTML through. A page may use
harmless layout HTML (`<div markdown>`, `<br>`, `<kbd>`, tables, `<details>`), never
anything that runs or loads code: scripts, frames, objects, forms, styles, `on…=`
event attributes, `javascript:`/`vbscript:`/`data:` links. Code (fenced blocks and
inline code spans) is shown as text by Markdown, so it may hold anything.
"""
from __future__ import annotations

import html
import re

ALLOWED_TAGS = frozenset("""
a abbr b blockquote br caption code col colgroup dd del details dfn div dl dt em figcaption figure h1 h2 h3 h4
h5 h6 hr i img ins kbd li mark ol p pre q s samp small span strong sub summary sup table tbody td tfoot th
thead tr u ul var wbr
""".split())

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_COMMENT = re.compile(r"<!--.*?-->")
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_EVENT = re.compile(r"(?:^|[\s\"'/])on[a-z]+\s*=", re.I)
_URL_ATTR = re.compile(r"""\b(?:href|src|action|formaction|xlink:href|poster|background)\s*=\s*["']?\s*([^"'\s>]*)""", re.I)
_MD_LINK = re.compile(r"\]\(\s*<?\s*([^)\s>]*)|^\s{0,3}\[[^\]]+\]:\s*<?\s*(\S+)", re.I)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>|<[^<>\s@]+@[^<>\s]+>")
_SAFE_DATA = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,", re.I)


def unsafe_scheme(url: str) -> bool:
    """A URL that runs code or carries a document: javascript:, vbscript:, data: (but images), file:."""
    cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(html.unescape(url))).lower()
    if cleaned.startswith("data:"):
        return not _SAFE_DATA.match(cleaned)
    return cleaned.startswith(("javascript:", "vbscript:", "file:", "livescript:"))


def markup_problems(body: str) -> list[tuple[int, str]]:
    """(line in body, what to change) for every unsafe HTML construct outside code."""
    problems: list[tuple[int, str]] = []
    fence = ""
    for number, line in enumerate(body.split("\n"), start=1):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        text = _COMMENT.sub("", _INLINE_CODE.sub("", line))
        problems += [(number, msg) for msg in _line_problems(text)]
    return problems


def _line_problems(text: str) -> list[str]:
    out = []
    for match in _AUTOLINK.finditer(text):
        if match.group(1) and unsafe_scheme(match.group(1)):
            out.append(f"link {match.group(1)[:40]!r} runs code or embeds a document: use an https:// address")
    text = _AUTOLINK.sub("", text)
    for match in _TAG.finditer(text):
        name, attrs = match.group(2).lower(), match.group(3)
        if name not in ALLOWED_TAGS:
            out.append(f"raw HTML <{name}> is not allowed in a knowledge-base page: remove it, or show it as "
                       "code between backticks (layout tags such as div, span, br, kbd, table, details are fine)")
            continue
        if _EVENT.search(attrs):
            out.append(f"event attribute (on…=) in <{name}>: remove it, pages cannot run scripts")
        if re.search(r"\bstyle\s*=", attrs, re.I) and re.search(r"url\s*\(|expression\s*\(|@import", attrs, re.I):
            out.append(f"style attribute loading a resource in <{name}>: remove it")
        for url in _URL_ATTR.findall(attrs):
            if unsafe_scheme(url):
                out.append(f"link {url[:40]!r} in <{name}> runs code or embeds a document: use an https:// address")
    for groups in _MD_LINK.findall(text):
        url = next((g for g in groups if g), "")
        if unsafe_scheme(url):
            out.append(f"link {url[:40]!r} runs code or embeds a document: use an https:// address")
    return list(dict.fromkeys(out))
