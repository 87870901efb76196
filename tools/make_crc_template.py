"""Build the built-in Word template of the CRC: generator/default_templates/crc.docx.

    python tools/make_crc_template.py [OUTPUT]

The template is an ordinary .docx (open it in Word, restyle it, save it) holding
docxtpl/Jinja tags. The view model it reads is `generator.context.crc_context()`;
every title comes from the label table `L` so one template renders French and
English. Conventions a template editor must keep:

* a tag is typed in one go, so Word keeps it in a single run;
* `{%p ... %}` alone in a paragraph removes that paragraph (loops and `if`
  guards: an empty section disappears with its heading);
* `{%tr ... %}` alone in a table row removes that row (table loops);
* `score['items']`, not `score.items` (which is the dict method in Jinja).

The script is deterministic: running it twice gives identical bytes.
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "generator" / "default_templates" / "crc.docx"

FONT = "Calibri"
# Width of the date columns (deliverables, milestones): two dates side by side without a break, since a
# redline shows a changed date as « 23/09/2025 » struck then « 25/09/2025 » with no space between them (in
# Calibri and in DejaVu Sans, LibreOffice's stand-in for it when Carlito is missing)
DATE_COLUMN_CM = 4.4
NAVY = "1F4E79"        # headings, title block, table headers
NAVY_SOFT = "BDD7EE"   # text on the title block, heading rule
INK = "262626"         # body text
MUTED = "7F7F7F"       # labels, header and footer
LINE = "C9D3DF"        # table borders
LABEL_BG = "F2F5F9"    # key column of key/value tables
STEP_BG = "EAF1FA"     # next-step box
STEP_BAR = "2E75B6"
CLOSE_BG = "FFF4D6"    # closing validation box
CLOSE_BAR = "C88A00"
TAG = "A6A6A6"         # template-only control paragraphs (removed at render)

TEXT_WIDTH = 9638      # 17 cm in twips: A4 width minus 2 x 2 cm margins
FIXED_TIME = datetime(2025, 1, 1, tzinfo=timezone.utc)
ZIP_TIME = (2025, 1, 1, 0, 0, 0)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def tw(cm: float) -> int:
    """Centimetres to twips."""
    return round(cm * 567)


# --- styles ----------------------------------------------------------------

def _rpr(size=None, bold=False, italic=False, color=None, caps=False, spacing=None) -> str:
    parts = [f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>']
    if bold:
        parts += ["<w:b/>", "<w:bCs/>"]
    if italic:
        parts += ["<w:i/>", "<w:iCs/>"]
    if caps:
        parts.append("<w:caps/>")
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if spacing is not None:
        parts.append(f'<w:spacing w:val="{spacing}"/>')
    if size:
        parts += [f'<w:sz w:val="{round(size * 2)}"/>', f'<w:szCs w:val="{round(size * 2)}"/>']
    return f"<w:rPr {nsdecls('w')}>{''.join(parts)}</w:rPr>"


def _ppr(before=0, after=0, line=None, keep_next=False, jc=None, outline=None, num_id=None,
         ind_left=None, hanging=None, border_bottom=None, border_left=None, tabs=None) -> str:
    parts = []
    if keep_next:
        parts += ["<w:keepNext/>", "<w:keepLines/>"]
    if num_id is not None:
        parts.append(f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
    if border_bottom or border_left:
        b = ""
        if border_left:
            color, sz = border_left
            b += f'<w:left w:val="single" w:sz="{sz}" w:space="6" w:color="{color}"/>'
        if border_bottom:
            color, sz = border_bottom
            b += f'<w:bottom w:val="single" w:sz="{sz}" w:space="2" w:color="{color}"/>'
        parts.append(f"<w:pBdr>{b}</w:pBdr>")
    if tabs:
        parts.append("<w:tabs>" + "".join(f'<w:tab w:val="{k}" w:pos="{p}"/>' for k, p in tabs) + "</w:tabs>")
    sp = f'<w:spacing w:before="{before}" w:after="{after}"'
    if line:
        sp += f' w:line="{line}" w:lineRule="auto"'
    parts.append(sp + "/>")
    if ind_left is not None:
        parts.append(f'<w:ind w:left="{ind_left}"' + (f' w:hanging="{hanging}"' if hanging else "") + "/>")
    if jc:
        parts.append(f'<w:jc w:val="{jc}"/>')
    if outline is not None:
        parts.append(f'<w:outlineLvl w:val="{outline}"/>')
    return f"<w:pPr {nsdecls('w')}>{''.join(parts)}</w:pPr>"


def restyle(style, ppr: str | None, rpr: str | None, ui_priority: int | None = None) -> None:
    """Replace a style's formatting; drop its linked character style and rsid."""
    el = style.element
    for tag in ("w:pPr", "w:rPr", "w:link", "w:rsid"):
        for child in el.findall(qn(tag)):
            el.remove(child)
    if ui_priority is not None and el.find(qn("w:uiPriority")) is None:
        prio = OxmlElement("w:uiPriority")
        prio.set(qn("w:val"), str(ui_priority))
        anchor = next(a for a in (el.find(qn(f"w:{n}")) for n in ("next", "basedOn", "name")) if a is not None)
        anchor.addnext(prio)
    if ppr:
        el.append(parse_xml(ppr))
    if rpr:
        el.append(parse_xml(rpr))


def paragraph_style(doc, name: str, ppr: str, rpr: str, based_on: str = "Normal", next_: str | None = None):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[based_on]
    if next_:
        style.next_paragraph_style = doc.styles[next_]
    style.quick_style = True
    restyle(style, ppr, rpr, ui_priority=20)
    return style


def build_styles(doc) -> None:
    styles_el = doc.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    styles_el.remove(defaults)
    styles_el.insert(0, parse_xml(
        f"<w:docDefaults {nsdecls('w')}>"
        f'<w:rPrDefault><w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
        '<w:sz w:val="20"/><w:szCs w:val="20"/><w:lang w:val="fr-FR" w:eastAsia="en-US" w:bidi="ar-SA"/>'
        "</w:rPr></w:rPrDefault>"
        '<w:pPrDefault><w:pPr><w:spacing w:after="80" w:line="264" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
        "</w:docDefaults>"))

    s = doc.styles
    restyle(s["Normal"], _ppr(after=80, line=264), _rpr(size=10, color=INK))
    restyle(s["Heading 1"], _ppr(before=260, after=100, keep_next=True, outline=0,
                                 border_bottom=(NAVY_SOFT, 6)),
            _rpr(size=12.5, bold=True, color=NAVY))
    restyle(s["Heading 2"], _ppr(before=140, after=60, keep_next=True, outline=1),
            _rpr(size=10.5, bold=True, color=NAVY))
    restyle(s["Header"], _ppr(after=0, line=240, jc="right"), _rpr(size=8, color=MUTED))
    restyle(s["Footer"], _ppr(after=0, line=240, jc="center"), _rpr(size=8, color=MUTED))
    restyle(s["List Bullet"], _ppr(after=50, line=259, num_id=1, ind_left=340, hanging=227), None)
    restyle(s["List Number"], _ppr(after=50, line=259, num_id=2, ind_left=340, hanging=340), None)

    paragraph_style(doc, "Doc Name", _ppr(after=40, line=240), _rpr(size=9, color=NAVY_SOFT, spacing=10))
    paragraph_style(doc, "Doc Title", _ppr(after=0, line=240), _rpr(size=17, bold=True, color="FFFFFF"))
    paragraph_style(doc, "Table Text", _ppr(after=0, line=252), _rpr(size=9.5, color=INK))
    paragraph_style(doc, "Table Label", _ppr(after=0, line=252), _rpr(size=9.5, bold=True, color="595959"),
                    based_on="Table Text")
    paragraph_style(doc, "Table Header", _ppr(after=0, line=252), _rpr(size=9, bold=True, color="FFFFFF"),
                    based_on="Table Text")
    paragraph_style(doc, "Box Title", _ppr(after=40, line=252, keep_next=True), _rpr(size=11, bold=True, color=NAVY))
    paragraph_style(doc, "Note", _ppr(before=120, after=80, line=252, border_left=(CLOSE_BAR, 18), ind_left=170),
                    _rpr(size=9.5, italic=True, color="595959"))
    paragraph_style(doc, "Check Item", _ppr(after=30, line=252, ind_left=340, hanging=340), _rpr(size=9.5))
    paragraph_style(doc, "Spacer", _ppr(after=0, line=240), _rpr(size=6))
    # Control paragraphs: visible (small, grey) while editing, removed by docxtpl at render.
    paragraph_style(doc, "Template Tag", _ppr(after=0, line=240), _rpr(size=7, color=TAG))

    table = s.add_style("Deal Table", WD_STYLE_TYPE.TABLE)
    table.base_style = s["Normal Table"]
    table.element.append(parse_xml(
        f"<w:pPr {nsdecls('w')}><w:spacing w:after=\"0\" w:line=\"252\" w:lineRule=\"auto\"/></w:pPr>"))
    table.element.append(parse_xml(
        f"<w:tblPr {nsdecls('w')}>"
        "<w:tblBorders>"
        '<w:top w:val="nil"/>'
        '<w:left w:val="nil"/>'
        f'<w:bottom w:val="single" w:sz="4" w:space="0" w:color="{LINE}"/>'
        '<w:right w:val="nil"/>'
        f'<w:insideH w:val="single" w:sz="4" w:space="0" w:color="{LINE}"/>'
        '<w:insideV w:val="nil"/>'
        "</w:tblBorders>"
        '<w:tblCellMar><w:top w:w="45" w:type="dxa"/><w:left w:w="96" w:type="dxa"/>'
        '<w:bottom w:w="45" w:type="dxa"/><w:right w:w="96" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr>"))


NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W_NS}">
<w:abstractNum w:abstractNumId="0"><w:nsid w:val="5DEA1B01"/><w:multiLevelType w:val="singleLevel"/>
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="&#8226;"/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="340" w:hanging="227"/></w:pPr>
<w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}"/><w:color w:val="{STEP_BAR}"/></w:rPr></w:lvl></w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:nsid w:val="5DEA1B02"/><w:multiLevelType w:val="singleLevel"/>
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="340" w:hanging="340"/></w:pPr>
<w:rPr><w:b/><w:color w:val="{NAVY}"/></w:rPr></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>
"""


# --- building blocks -------------------------------------------------------

def para(container, text: str = "", style: str = "Normal", **run_fmt):
    """A paragraph with its text in one run (so a Jinja tag is never split)."""
    p = container.add_paragraph(style=style)
    if text:
        run(p, text, **run_fmt)
    return p


def run(p, text: str, bold: bool = False, color: str | None = None):
    r = p.add_run(text)
    if bold:
        r.bold = True
    if color:
        rpr = r._r.get_or_add_rPr()
        c = OxmlElement("w:color")
        c.set(qn("w:val"), color)
        rpr.append(c)
    return r


def tag(container, text: str):
    """A control paragraph `{%p ... %}`, removed by docxtpl at render."""
    return para(container, text, "Template Tag")


def shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def table(doc, widths_cm: list[float], rows: int, *, edges: dict | None = None,
          margins: tuple[int, int, int, int] | None = None):
    """A full-width, fixed-layout table in the Deal Table style with the given column widths.

    edges overrides the style's borders (side=(val, size, colour)); margins the
    cell margins in twips (top, left, bottom, right).
    """
    t = doc.add_table(rows=rows, cols=len(widths_cm))
    widths = [tw(w) for w in widths_cm]
    widths[-1] += TEXT_WIDTH - sum(widths)
    tbl_pr = t._tbl.tblPr
    for child in list(tbl_pr):
        tbl_pr.remove(child)
    xml = f'<w:tblStyle w:val="DealTable"/><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/>'
    if edges is not None:
        xml += "<w:tblBorders>"
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            val, sz, color = edges.get(side, ("nil", 0, "auto"))
            xml += (f'<w:{side} w:val="{val}" w:sz="{sz}" w:space="0" w:color="{color}"/>'
                    if val != "nil" else f'<w:{side} w:val="nil"/>')
        xml += "</w:tblBorders>"
    xml += '<w:tblLayout w:type="fixed"/>'
    if margins is not None:
        top, left, bottom, right = margins
        xml += (f'<w:tblCellMar><w:top w:w="{top}" w:type="dxa"/><w:left w:w="{left}" w:type="dxa"/>'
                f'<w:bottom w:w="{bottom}" w:type="dxa"/><w:right w:w="{right}" w:type="dxa"/></w:tblCellMar>')
    xml += ('<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" '
            'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>')
    for child in parse_xml(f"<w:tblPr {nsdecls('w')}>{xml}</w:tblPr>"):
        tbl_pr.append(child)
    for gc, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        gc.set(qn("w:w"), str(w))
    for row in t.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for c, w in zip(row.cells, widths):
            c.width = w * 635  # twips -> EMU
            c.paragraphs[0].style = doc.styles["Table Text"]
    return t


def keep_together(t, rows: range | None = None) -> None:
    """Keep rows on one page with what follows (Word: keep-with-next on their paragraphs)."""
    for row in (t.rows if rows is None else [t.rows[i] for i in rows]):
        for c in row.cells:
            for p in c.paragraphs:
                p.paragraph_format.keep_with_next = True


def header_row(t, labels: list[str]) -> None:
    row = t.rows[0]
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for c, text in zip(row.cells, labels):
        shade(c, NAVY)
        c.paragraphs[0].style = t.part.document.styles["Table Header"]
        c.paragraphs[0].paragraph_format.keep_with_next = True
        run(c.paragraphs[0], text)


def tag_row(t, index: int, text: str) -> None:
    """A `{%tr ... %}` row: one merged cell holding the tag, removed at render."""
    row = t.rows[index]
    merged = row.cells[0].merge(row.cells[-1]) if len(row.cells) > 1 else row.cells[0]
    p = merged.paragraphs[0]
    p.style = t.part.document.styles["Template Tag"]
    run(p, text)


def fill_row(t, index: int, texts: list[str]) -> None:
    """A data row (repeated by a `{%tr for %}` loop: no keep-with-next, or the last row would
    chain the table to the following sections and push them all to the next page)."""
    for c, text in zip(t.rows[index].cells, texts):
        run(c.paragraphs[0], text)


def kv_rows(t, start: int, pairs: list[tuple[str, str]]) -> None:
    """Key/value rows: shaded label column, plain value column."""
    doc_styles = t.part.document.styles
    for i, (key, value) in enumerate(pairs):
        row = t.rows[start + i]
        label, val = row.cells[0], row.cells[1]
        shade(label, LABEL_BG)
        label.paragraphs[0].style = doc_styles["Table Label"]
        run(label.paragraphs[0], key)
        run(val.paragraphs[0], value)


def field(p, instr: str, placeholder: str) -> None:
    """A PAGE / NUMPAGES field as fldChar runs."""
    def fld_run(kind: str | None = None, instr_text: str | None = None, text: str | None = None):
        r = OxmlElement("w:r")
        if kind:
            fc = OxmlElement("w:fldChar")
            fc.set(qn("w:fldCharType"), kind)
            r.append(fc)
        if instr_text:
            it = OxmlElement("w:instrText")
            it.set(qn("xml:space"), "preserve")
            it.text = instr_text
            r.append(it)
        if text:
            t = OxmlElement("w:t")
            t.text = text
            r.append(t)
        p._p.append(r)
    fld_run("begin")
    fld_run(instr_text=f" {instr} ")
    fld_run("separate")
    fld_run(text=placeholder)
    fld_run("end")


# --- the document ----------------------------------------------------------

def build_document():
    doc = Document()
    build_styles(doc)

    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2)
    sec.top_margin, sec.bottom_margin = Cm(2), Cm(2)
    sec.header_distance = sec.footer_distance = Cm(1)

    hp = sec.header.paragraphs[0]
    hp.style = doc.styles["Header"]
    run(hp, "{{ name }}")
    fp = sec.footer.paragraphs[0]
    fp.style = doc.styles["Footer"]
    run(fp, "{{ L.page }} ")
    field(fp, "PAGE", "1")
    run(fp, " {{ L.of }} ")
    field(fp, "NUMPAGES", "1")

    # Title block
    t = table(doc, [17], 1, edges={}, margins=(200, 260, 220, 260))
    keep_together(t)
    c = t.rows[0].cells[0]
    shade(c, NAVY)
    c.paragraphs[0].style = doc.styles["Doc Name"]
    run(c.paragraphs[0], "{{ name }}")
    p = c.add_paragraph(style="Doc Title")
    run(p, "{{ title }}")
    para(doc, style="Spacer")

    # Identification / indexation
    info = [("{{ L.client }}", "{{ client }}"),
            ("{{ L.opportunity }}", "{{ opportunity or L.none }}"),
            ("{{ L.date }}", "{{ date }}"),
            ("{{ L.type }}", "{{ type_label }}"),
            ("{{ L.version }}", "{{ version }}"),
            ("{{ L.status }}", "{{ status_label }}"),
            ("{{ L.sent_on }}", "{{ sent_on or L.none }}"),
            ("{{ L.keywords }}", "{{ keywords_text or L.none }}")]
    t = table(doc, [4.5, 12.5], len(info))
    kv_rows(t, 0, info)
    keep_together(t, range(len(info) - 1))

    tag(doc, "{%p if amendment_reason %}")
    p = para(doc, style="Note")
    run(p, "{{ L.amendment }} — ", bold=True, color=CLOSE_BAR)
    run(p, "{{ amendment_reason }}")
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if objective %}")
    para(doc, "{{ L.objective }}", "Heading 1")
    para(doc, "{{ objective }}")
    tag(doc, "{%p endif %}")

    # Participants: one row per non-empty group
    tag(doc, "{%p if decision_makers or sponsors or operational or vendor %}")
    para(doc, "{{ L.participants }}", "Heading 1")
    groups = ["decision_makers", "sponsors", "operational", "vendor"]
    t = table(doc, [4.5, 12.5], 3 * len(groups))
    for i, g in enumerate(groups):
        tag_row(t, 3 * i, f"{{%tr if {g} %}}")
        kv_rows(t, 3 * i + 1, [(f"{{{{ L.{g} }}}}",
                                f"{{{{ {g}|map(attribute='label')|join(', ') }}}}")])
        tag_row(t, 3 * i + 2, "{%tr endif %}")
    tag(doc, "{%p endif %}")

    # 7 facts
    tag(doc, "{%p if facts %}")
    para(doc, "{{ L.facts }}", "Heading 1")
    tag(doc, "{%p for f in facts %}")
    para(doc, "{{ f }}", "List Bullet")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    # 3 decisions
    tag(doc, "{%p if decisions %}")
    para(doc, "{{ L.decisions }}", "Heading 1")
    tag(doc, "{%p for d in decisions %}")
    para(doc, "{{ d }}", "List Number")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    # 1 dated next step
    tag(doc, "{%p if next_step %}")
    para(doc, "{{ L.next_step }}", "Heading 1")
    step = [("{{ L.when }}", "{{ next_step.when or L.none }}"),
            ("{{ L.owner_client }}", "{{ next_step.owner_client or L.none }}"),
            ("{{ L.owner_vendor }}", "{{ next_step.owner_vendor or L.none }}"),
            ("{{ L.invitation_sent }}", "{{ next_step.invitation_sent }}")]
    t = table(doc, [4.5, 12.5], 1 + len(step), edges={"left": ("single", 24, STEP_BAR)})
    first = t.rows[0].cells[0].merge(t.rows[0].cells[1])
    first.paragraphs[0].style = doc.styles["Box Title"]
    run(first.paragraphs[0], "{{ next_step.action or L.none }}")
    shade(first, STEP_BG)
    keep_together(t, range(len(step)))
    for i, (key, value) in enumerate(step, start=1):
        row = t.rows[i]
        for cc in row.cells:
            shade(cc, STEP_BG)
        row.cells[0].paragraphs[0].style = doc.styles["Table Label"]
        run(row.cells[0].paragraphs[0], key)
        run(row.cells[1].paragraphs[0], value)
    tag(doc, "{%p endif %}")

    # Risks
    tag(doc, "{%p if risks %}")
    para(doc, "{{ L.risks }}", "Heading 1")
    t = table(doc, [7.2, 2.8, 7.0], 4)
    header_row(t, ["{{ L.risk }}", "{{ L.category }}", "{{ L.mitigation }}"])
    tag_row(t, 1, "{%tr for r in risks %}")
    fill_row(t, 2, ["{{ r.text }}", "{{ r.category }}", "{{ r.mitigation }}"])
    tag_row(t, 3, "{%tr endfor %}")
    tag(doc, "{%p endif %}")

    tag(doc, "{%p if dependencies %}")
    para(doc, "{{ L.dependencies }}", "Heading 1")
    tag(doc, "{%p for dep in dependencies %}")
    para(doc, "{{ dep }}", "List Bullet")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    # Deliverables
    tag(doc, "{%p if deliverables %}")
    para(doc, "{{ L.deliverables }}", "Heading 1")
    # the date column holds two dates side by side: a redline shows the old one struck beside the new one
    t = table(doc, [6.2, 3.5, DATE_COLUMN_CM, 2.9], 4)
    header_row(t, ["{{ L.what }}", "{{ L.by }}", "{{ L.due }}", "{{ L.format }}"])
    tag_row(t, 1, "{%tr for d in deliverables %}")
    fill_row(t, 2, ["{{ d.what }}", "{{ d.by }}", "{{ d.due }}", "{{ d.format }}"])
    tag_row(t, 3, "{%tr endfor %}")
    tag(doc, "{%p endif %}")

    # Milestones
    tag(doc, "{%p if milestones %}")
    para(doc, "{{ L.milestones }}", "Heading 1")
    t = table(doc, [4.3, 8.3, DATE_COLUMN_CM], 4)
    header_row(t, ["{{ L.category }}", "{{ L.milestones }}", "{{ L.date }}"])
    tag_row(t, 1, "{%tr for m in milestones %}")
    fill_row(t, 2, ["{{ m.kind_label }}", "{{ m.text }}", "{{ m.date }}"])
    tag_row(t, 3, "{%tr endfor %}")
    tag(doc, "{%p endif %}")

    # Attachments and evidence
    tag(doc, "{%p if attachments %}")
    para(doc, "{{ L.attachments }}", "Heading 1")
    t = table(doc, [9.0, 8.0], 4)
    header_row(t, ["{{ L.document }}", "{{ L.ref }}"])
    tag_row(t, 1, "{%tr for a in attachments %}")
    fill_row(t, 2, ["{{ a.title }}", "{{ a.ref }}"])
    tag_row(t, 3, "{%tr endfor %}")
    tag(doc, "{%p endif %}")

    # No CRM line here: stage, win probability and amount are internal (the HTML report and the site
    # show them); the Word file goes to the client.

    # Quality score
    para(doc, "{{ L.score }} — {{ score.total }}/{{ score.max }}", "Heading 1")
    t = table(doc, [14.5, 2.5], 3)
    tag_row(t, 0, "{%tr for i in score['items'] %}")
    fill_row(t, 1, ["{{ i.label }}", "{{ i.points }}/{{ i.max }}"])
    t.rows[1].cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    keep_together(t, range(1, 2))  # short, fixed-length list: never split it
    tag_row(t, 2, "{%tr endfor %}")
    tag(doc, "{%p if score.missing %}")
    para(doc, "{{ L.to_reach_10 }}", "Heading 2")
    tag(doc, "{%p for m in score.missing %}")
    para(doc, "{{ m }}", "List Bullet")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    # Minute checklist
    tag(doc, "{%p if checklist %}")
    para(doc, "{{ L.checklist }}", "Heading 1")
    tag(doc, "{%p for c in checklist %}")
    p = para(doc, style="Check Item")
    p.paragraph_format.keep_with_next = True  # the checklist stays with the closing box
    run(p, "{{ c.mark }}", color=NAVY)
    run(p, "\t{{ c.label }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    # Closing box: the explicit validation request, or the client's answer once given
    para(doc, style="Spacer").paragraph_format.keep_with_next = True
    t = table(doc, [17], 1, edges={"left": ("single", 24, CLOSE_BAR)}, margins=(140, 220, 160, 220))
    c = t.rows[0].cells[0]
    shade(c, CLOSE_BG)
    c.paragraphs[0].style = doc.styles["Box Title"]
    run(c.paragraphs[0], "{{ L.validation }}")
    p = c.add_paragraph(style="Table Text")
    run(p, "{{ validation_text }}", bold=True)
    para(doc, style="Spacer")

    cp = doc.core_properties
    cp.title = "Compte rendu commercial"
    cp.author = "dealdocs"
    cp.last_modified_by = "dealdocs"
    cp.comments = ""
    cp.subject = ""
    cp.keywords = ""
    cp.category = ""
    cp.revision = 1
    cp.created = FIXED_TIME
    cp.modified = FIXED_TIME
    return doc


# --- leaning and deterministic packaging ----------------------------------

DROP_PARTS = ("customXml/", "docProps/thumbnail.jpeg", "word/stylesWithEffects.xml")

APP_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">\
<Application>dealdocs</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>\
<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>\
</Properties>
"""


def _xml(el) -> bytes:
    return etree.tostring(el, xml_declaration=True, encoding="UTF-8", standalone=True)


def lean_styles(styles_xml: bytes, used_xml: list[bytes]) -> bytes:
    """Keep only the styles the document uses, their basedOn/next/link chains and the defaults."""
    root = etree.fromstring(styles_xml)
    w = f"{{{W_NS}}}"
    for latent in root.findall(f"{w}latentStyles"):
        root.remove(latent)
    by_id = {s.get(f"{w}styleId"): s for s in root.findall(f"{w}style")}
    wanted: set[str] = set()
    for xml in used_xml:
        wanted.update(m.decode() for m in re.findall(
            rb'<w:(?:pStyle|rStyle|tblStyle|numStyleLink|styleLink) w:val="([^"]+)"', xml))
    wanted.update(sid for sid, s in by_id.items() if s.get(f"{w}default") == "1")
    todo = list(wanted)
    while todo:
        s = by_id.get(todo.pop())
        if s is None:
            continue
        for ref in ("basedOn", "next", "link"):
            r = s.find(f"{w}{ref}")
            if r is not None and r.get(f"{w}val") not in wanted:
                wanted.add(r.get(f"{w}val"))
                todo.append(r.get(f"{w}val"))
    for sid, s in by_id.items():
        if sid not in wanted:
            root.remove(s)
        else:
            for rsid in s.findall(f"{w}rsid"):
                s.remove(rsid)
    return _xml(root)


def lean_settings(settings_xml: bytes) -> bytes:
    root = etree.fromstring(settings_xml)
    w = f"{{{W_NS}}}"
    for name in ("rsids", "savePreviewPicture", "proofState", "attachedTemplate"):
        for el in root.findall(f"{w}{name}"):
            root.remove(el)
    for cs in root.iter(f"{w}compatSetting"):
        if cs.get(f"{w}name") == "compatibilityMode":
            cs.set(f"{w}val", "15")
    for dl in root.findall(f"{w}decimalSymbol"):
        dl.set(f"{w}val", ",")
    for ls in root.findall(f"{w}listSeparator"):
        ls.set(f"{w}val", ";")
    return _xml(root)


def strip_rsids(xml: bytes) -> bytes:
    return re.sub(rb' w:rsid\w*="[0-9A-F]+"', b"", xml)


def package(raw: bytes) -> bytes:
    """Drop unused parts, lean the styles, and write the zip with fixed metadata."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    for name in list(parts):
        if name.startswith(DROP_PARTS):
            del parts[name]

    ct = etree.fromstring(parts["[Content_Types].xml"])
    for el in list(ct):
        part = el.get("PartName", "")
        if part and part.lstrip("/") not in parts:
            ct.remove(el)
        if el.get("Extension") == "jpeg":
            ct.remove(el)
    parts["[Content_Types].xml"] = _xml(ct)

    for name in [n for n in parts if n.endswith(".rels")]:
        rels = etree.fromstring(parts[name])
        base = name.replace("_rels/", "").removesuffix(".rels")
        folder = base.rsplit("/", 1)[0] + "/" if "/" in base else ""
        for rel in list(rels):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            resolved = target.lstrip("/") if target.startswith("/") else _normpath(folder + target)
            if resolved not in parts:
                rels.remove(rel)
        parts[name] = _xml(rels)

    parts["word/numbering.xml"] = NUMBERING.encode()
    content = [v for k, v in parts.items()
               if k in ("word/document.xml", "word/numbering.xml") or re.match(r"word/(header|footer)\d*\.xml", k)]
    parts["word/styles.xml"] = lean_styles(parts["word/styles.xml"], content)
    parts["word/settings.xml"] = lean_settings(parts["word/settings.xml"])
    parts["docProps/app.xml"] = APP_XML.encode()
    for name in parts:
        if name.startswith("word/") and name.endswith(".xml"):
            parts[name] = strip_rsids(parts[name])

    order = ["[Content_Types].xml", "_rels/.rels"] + sorted(n for n in parts if n not in
                                                            ("[Content_Types].xml", "_rels/.rels"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            zout.writestr(info, parts[name], compresslevel=9)
    return out.getvalue()


def _normpath(path: str) -> str:
    out: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            if out:
                out.pop()
        elif piece and piece != ".":
            out.append(piece)
    return "/".join(out)


def build() -> bytes:
    doc = build_document()
    buf = io.BytesIO()
    doc.save(buf)
    return package(buf.getvalue())


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else OUTPUT
    data = build()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    print(f"wrote {target} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
