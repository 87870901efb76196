"""`crc/<NAME>-redline.docx`: this version's Word document with the changes from the previous one
as real Word tracked changes (`w:ins` / `w:del` with author and date).

Why a record-level redline and not a document comparison library. python-redlines (PyPI) wraps
the Open-XML-PowerTools comparer, a .NET program shipped as a platform binary: it needs a .NET
runtime on every build machine and CI runner, runs as a subprocess per document and compares two
*documents*, so everything that differs between two renders (version number, status, dates of
sending, score) would show up as revisions beside the real edits. We already hold both versions
as data, so we render the previous version's content with this version's bookkeeping (name,
sending, score…, see `diff.BOOKKEEPING`; the version and its status excepted, which the reader
should see change) through the same Word template, then align the
two bodies (paragraphs, tables, rows, cells) and mark word-level differences inside each changed
paragraph. Result: revisions exactly where a field changed (`23/09/2025` → `25/09/2025`, one
deliverable row added), any user template works, no extra dependency, deterministic bytes.
Accepting every change gives this version's .docx; rejecting them gives the previous content.
"""
from __future__ import annotations

import copy
import io
import re
from difflib import SequenceMatcher
from typing import Any, Iterator, Optional

from lxml import etree

from ..diff import BOOKKEEPING
from .docx import normalize_zip

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
FIRST_ID = 9000  # revision ids well above the template's bookmark ids
PAIR_THRESHOLD = 0.45  # paragraphs or rows this similar are the same field, edited
REWRITE_THRESHOLD = 0.25  # below this token similarity a paragraph is replaced as a whole
_TOKEN = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?(?!\d)"  # 28 000
                    r"|\d+(?:[/.:,h-]\d+)*"                              # 25/09/2025, 10:00-10:45
                    r"|\w+(?:['’]\w+)*"                                 # words, l'IT
                    r"|\s+|.", re.UNICODE)
_RUN_CONTENT = {"rPr", "t", "tab", "br", "lastRenderedPageBreak", "noBreakHyphen", "softHyphen"}
_PARA_CONTENT = {"pPr", "r", "bookmarkStart", "bookmarkEnd", "proofErr"}


def q(tag: str) -> str:
    """A qualified WordprocessingML tag name."""
    return f"{{{W}}}{tag}"


def local(el: etree._Element) -> str:
    """The local name of an element."""
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


# --- outputs hook --------------------------------------------------------------


def redline_output(job: Any, docx_bytes: bytes, renderers: dict[str, Any]) -> dict[str, bytes]:
    """documents.companions() output: the redline of every version after the first."""
    if job.previous is None:
        return {}
    before = renderers["docx"].render(previous_view(job.previous, job.context))
    return {f"crc/{job.name}-redline.docx": redline(before, docx_bytes, author(job.context),
                                                   revision_date(job.context, job.previous))}


#: Bookkeeping the redline marks all the same when it changed: the version and its status, which the document
#: shows in its header table (the reader sees 1.0 → 1.1 and Envoyé → Validé as tracked changes).
MARKED_BOOKKEEPING = ("version", "status", "status_label")


def previous_view(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The previous version's content, version and status under this version's other bookkeeping (name, score…)."""
    merged = dict(previous)
    for key in BOOKKEEPING:
        if key in current and key not in MARKED_BOOKKEEPING:
            merged[key] = current[key]
    return merged


def author(ctx: dict[str, Any]) -> str:
    """Who made the changes: the vendor owner of the next step, else the first vendor, else dealdocs."""
    step = ctx.get("next_step") or {}
    if step.get("owner_vendor"):
        return step["owner_vendor"]
    vendor = ctx.get("vendor") or []
    return vendor[0]["name"] if vendor else "dealdocs"


def revision_date(ctx: dict[str, Any], previous: Optional[dict[str, Any]] = None) -> str:
    """Deterministic revision date: this version's sending, else the previous one's, else the meeting."""
    day = ctx.get("sent_on_iso") or (previous or {}).get("sent_on_iso") or ctx["date_iso"]
    return f"{day}T00:00:00Z"


# --- the redline ---------------------------------------------------------------------


class Revisions:
    """Makes w:ins / w:del marks with one author, one date and unique ids."""

    def __init__(self, author_name: str, date: str) -> None:
        self.author = author_name
        self.date = date
        self.next_id = FIRST_ID
        self.count = 0

    def mark(self, kind: str) -> etree._Element:
        """A new, empty w:ins or w:del element."""
        el = etree.Element(q(kind))
        el.set(q("id"), str(self.next_id))
        el.set(q("author"), self.author)
        el.set(q("date"), self.date)
        self.next_id += 1
        self.count += 1
        return el


def redline(before: bytes, after: bytes, author_name: str, date: str) -> bytes:
    """after (.docx) with the differences from before as tracked changes."""
    from docx import Document  # heavy import kept off the check path

    old = Document(io.BytesIO(before))
    new = Document(io.BytesIO(after))
    rev = Revisions(author_name, date)
    diff_children(old.element.body, new.element.body, rev)
    track_revisions(new.settings.element)
    buf = io.BytesIO()
    new.save(buf)
    return normalize_zip(buf.getvalue())


# w:settings children that come before w:trackRevisions in the schema's sequence
_BEFORE_TRACK = ("writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
                 "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
                 "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
                 "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
                 "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors",
                 "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate",
                 "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge",
                 "revisionView")


def track_revisions(settings: etree._Element) -> None:
    """Switch on Track Changes, so the client's corrections to the redline are tracked too."""
    if settings.find(q("trackRevisions")) is not None:
        return
    before = [c for c in settings if local(c) in _BEFORE_TRACK]
    if before:
        before[-1].addnext(etree.Element(q("trackRevisions")))
    else:
        settings.insert(0, etree.Element(q("trackRevisions")))


# --- block alignment -------------------------------------------------------------------


def content_children(parent: etree._Element) -> list[etree._Element]:
    """The paragraphs, tables and rows directly under a body, cell or table."""
    return [c for c in parent if local(c) in ("p", "tbl", "tr")]


def text_of(el: etree._Element) -> str:
    """The visible text of an element, tabs included, cells separated by tabs."""
    parts = []
    for node in el.iter(q("t"), q("delText"), q("tab"), q("br"), q("tc")):
        name = local(node)
        parts.append(node.text or "" if name in ("t", "delText") else "\n" if name == "br" else "\t")
    return "".join(parts)


def signature(el: etree._Element, siblings: list[etree._Element], i: int) -> tuple:
    """What must be equal for two blocks to be the same block, unchanged or edited inside."""
    kind = local(el)
    if kind == "tbl":
        heading = next((text_of(s) for s in reversed(siblings[:i]) if local(s) == "p" and text_of(s).strip()), "")
        return ("tbl", len(el.findall(q("tblGrid") + "/" + q("gridCol"))), heading)
    return (kind, text_of(el))


def similarity(a: etree._Element, b: etree._Element) -> float:
    """How alike two blocks of the same kind are, 0 to 1."""
    if local(a) != local(b):
        return 0.0
    if local(a) == "tr" and len(a.findall(q("tc"))) != len(b.findall(q("tc"))):
        return 0.0
    return SequenceMatcher(None, text_of(a), text_of(b), autojunk=False).ratio()


Pair = tuple[Optional[etree._Element], Optional[etree._Element]]


def pair_up(olds: list[etree._Element], news: list[etree._Element]) -> list[Pair]:
    """Align changed blocks in order: similar ones pair up (edited), the rest are deleted or inserted."""
    n, m = len(olds), len(news)
    sim = [[similarity(o, w) for w in news] for o in olds]
    if n == 1 and m == 1 and local(olds[0]) == local(news[0]) and (local(olds[0]) != "tr" or sim[0][0] > 0):
        return [(olds[0], news[0])]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = best[i + 1][j + 1] + sim[i][j] if sim[i][j] >= PAIR_THRESHOLD else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    out: list[Pair] = []
    i = j = 0
    while i < n and j < m:
        if sim[i][j] >= PAIR_THRESHOLD and best[i][j] == best[i + 1][j + 1] + sim[i][j]:
            out.append((olds[i], news[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append((olds[i], None))
            i += 1
        else:
            out.append((None, news[j]))
            j += 1
    out += [(o, None) for o in olds[i:]] + [(None, w) for w in news[j:]]
    return out


def diff_children(old_parent: etree._Element, new_parent: etree._Element, rev: Revisions) -> None:
    """Mark, inside new_parent, what changed from old_parent, block by block."""
    old, new = content_children(old_parent), content_children(new_parent)
    old_sig = [signature(e, old, i) for i, e in enumerate(old)]
    new_sig = [signature(e, new, i) for i, e in enumerate(new)]
    anchor: Optional[etree._Element] = None
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_sig, new_sig, autojunk=False).get_opcodes():
        pairs = list(zip(old[i1:i2], new[j1:j2])) if tag == "equal" else pair_up(old[i1:i2], new[j1:j2])
        for before, after in pairs:
            if before is not None and after is not None:
                compare(before, after, rev)
                anchor = after
            elif after is not None:
                mark_block(after, "ins", rev)
                anchor = after
            elif before is not None:
                gone = copy.deepcopy(before)
                mark_block(gone, "del", rev)
                place_after(anchor, gone, new_parent)
                anchor = gone


def compare(before: etree._Element, after: etree._Element, rev: Revisions) -> None:
    """Two blocks taken as the same one: look inside for the edits."""
    kind = local(after)
    if kind == "tbl":
        diff_children(before, after, rev)
    elif kind == "tr":
        old_cells, new_cells = before.findall(q("tc")), after.findall(q("tc"))
        if len(old_cells) != len(new_cells):
            replace_block(before, after, rev)
            return
        for a, b in zip(old_cells, new_cells):
            if text_of(a) != text_of(b):
                diff_children(a, b, rev)
    elif kind == "p" and text_of(before) != text_of(after):
        rewrite_paragraph(before, after, rev)


def place_after(anchor: Optional[etree._Element], el: etree._Element, parent: etree._Element) -> None:
    """Put el after anchor, or first among parent's content (after its properties)."""
    if anchor is not None:
        anchor.addnext(el)
        return
    first = next((c for c in parent if local(c) in ("p", "tbl", "tr", "sectPr")), None)
    if first is not None:
        first.addprevious(el)
    else:
        parent.append(el)


def replace_block(before: etree._Element, after: etree._Element, rev: Revisions) -> None:
    """The old block deleted, then the new one inserted in its place."""
    gone = copy.deepcopy(before)
    mark_block(gone, "del", rev)
    after.addprevious(gone)
    mark_block(after, "ins", rev)


# --- marking whole blocks ----------------------------------------------------------------


def mark_block(el: etree._Element, kind: str, rev: Revisions) -> None:
    """Mark a whole paragraph, row or table (and everything in it) as inserted or deleted."""
    rows = [el] if local(el) == "tr" else list(el.iter(q("tr")))
    for row in rows:
        props = row.find(q("trPr"))
        if props is None:
            props = etree.Element(q("trPr"))
            prefix = row.find(q("tblPrEx"))
            if prefix is not None:
                prefix.addnext(props)
            else:
                row.insert(0, props)
        props.append(rev.mark(kind))
    paragraphs = [el] if local(el) == "p" else list(el.iter(q("p")))
    for p in paragraphs:
        mark_paragraph_mark(p, kind, rev)
        for run in [r for r in p.iter(q("r")) if local(r.getparent()) not in ("ins", "del")]:
            wrap_run(run, kind, rev)


def mark_paragraph_mark(p: etree._Element, kind: str, rev: Revisions) -> None:
    """Mark the paragraph mark itself as inserted or deleted (w:pPr/w:rPr/w:ins|w:del)."""
    ppr = p.find(q("pPr"))
    if ppr is None:
        ppr = etree.Element(q("pPr"))
        p.insert(0, ppr)
    rpr = ppr.find(q("rPr"))
    if rpr is None:
        rpr = etree.Element(q("rPr"))
        tail = next((c for c in ppr if local(c) in ("sectPr", "pPrChange")), None)
        if tail is not None:
            tail.addprevious(rpr)
        else:
            ppr.append(rpr)
    rpr.insert(0, rev.mark(kind))


def wrap_run(run: etree._Element, kind: str, rev: Revisions) -> None:
    """Put a run inside a w:ins or w:del (deleted text becomes w:delText)."""
    if kind == "del":
        for t in run.iter(q("t"), q("instrText")):
            t.tag = q("delText") if local(t) == "t" else q("delInstrText")
    mark = rev.mark(kind)
    run.addprevious(mark)
    mark.append(run)


# --- word-level edits inside a paragraph ---------------------------------------------------


def tokens(p: etree._Element) -> Optional[list[tuple[str, Optional[etree._Element]]]]:
    """(token, run properties) of a paragraph, or None if it holds fields, links or images."""
    out: list[tuple[str, Optional[etree._Element]]] = []
    for child in p:
        name = local(child)
        if name not in _PARA_CONTENT:
            return None
        if name != "r":
            continue
        if any(local(c) not in _RUN_CONTENT for c in child):
            return None
        rpr = child.find(q("rPr"))
        text = "".join(c.text or "" if local(c) == "t" else "\t" if local(c) == "tab"
                       else "\n" if local(c) == "br" else "" for c in child)
        out += [(tok, rpr) for tok in _TOKEN.findall(text)]
    return out


def rewrite_paragraph(before: etree._Element, after: etree._Element, rev: Revisions) -> None:
    """Rewrite after's runs as kept text + w:del + w:ins around only the changed words."""
    old, new = tokens(before), tokens(after)
    if old is None or new is None:
        replace_block(before, after, rev)
        return
    matcher = SequenceMatcher(None, [t for t, _ in old], [t for t, _ in new], autojunk=False)
    if matcher.ratio() < REWRITE_THRESHOLD:
        segments = [("delete", old, []), ("insert", [], new)]
    else:
        segments = merge_segments([(tag, old[i1:i2], new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()])
    for child in [c for c in after if local(c) != "pPr"]:
        after.remove(child)
    for tag, gone, came in segments:
        if tag == "equal":
            after.extend(make_runs(came, "t"))
            continue
        if gone:
            mark = rev.mark("del")
            mark.extend(make_runs(gone, "delText"))
            after.append(mark)
        if came:
            mark = rev.mark("ins")
            mark.extend(make_runs(came, "t"))
            after.append(mark)


Segment = tuple[str, list, list]


def merge_segments(segments: list[Segment]) -> list[Segment]:
    """Fold blanks between two edits into one edit: a changed value reads as one del + one ins."""
    out: list[Segment] = []
    for seg in segments:
        tag, gone, came = seg
        if tag == "equal" and not "".join(t for t, _ in came).strip() and out and out[-1][0] != "equal":
            out.append(("blank", gone, came))
            continue
        if tag != "equal" and len(out) >= 2 and out[-1][0] == "blank" and out[-2][0] != "equal":
            blank = out.pop()
            prev = out.pop()
            out.append(("replace", prev[1] + blank[1] + gone, prev[2] + blank[2] + came))
            continue
        out.append(seg if tag == "equal" else ("replace", gone, came))
    return [("equal", g, c) if t == "blank" else (t, g, c) for t, g, c in out]


def make_runs(items: list[tuple[str, Optional[etree._Element]]], text_tag: str) -> Iterator[etree._Element]:
    """Runs for consecutive tokens sharing the same run properties."""
    group: list[str] = []
    props: Optional[etree._Element] = None
    for i, (tok, rpr) in enumerate(items):
        if i and not same_props(rpr, props):
            yield make_run("".join(group), props, text_tag)
            group = []
        group.append(tok)
        props = rpr
    if group:
        yield make_run("".join(group), props, text_tag)


def same_props(a: Optional[etree._Element], b: Optional[etree._Element]) -> bool:
    """Whether two run property sets are the same formatting."""
    if a is None or b is None:
        return a is b
    return a is b or etree.tostring(a) == etree.tostring(b)


def make_run(text: str, rpr: Optional[etree._Element], text_tag: str) -> etree._Element:
    """A w:r with the given formatting, its tabs and line breaks as w:tab / w:br."""
    run = etree.Element(q("r"))
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    for piece in re.split(r"([\t\n])", text):
        if piece == "\t":
            etree.SubElement(run, q("tab"))
        elif piece == "\n":
            etree.SubElement(run, q("br"))
        elif piece:
            t = etree.SubElement(run, q(text_tag))
            t.text = piece
            t.set(XML_SPACE, "preserve")
    return run
