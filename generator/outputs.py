"""Every output of a build, generated from the loaded project into a Writer."""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from typing import Any, Optional

from . import custody
from .context import crc_context
from .i18n import labels, long_date
from .models import ERROR, CrcDoc, Finding
from .pipeline import Progress, Writer, json_bytes, sha256
from .project import Project
from .render import RenderError
from .render.docx import DocxRenderer
from .render.html import HtmlRenderer
from .templates import display_path, template_path

log = logging.getLogger(__name__)


def base_name(name: str) -> str:
    """`CRC-2025-09-19-ACME-v1.1` → `CRC-2025-09-19-ACME`."""
    return name.rsplit("-v", 1)[0]


def version_chains(docs: list[CrcDoc]) -> dict[str, list[CrcDoc]]:
    """The versions of each CRC, oldest first."""
    chains: dict[str, list[CrcDoc]] = defaultdict(list)
    for doc in docs:
        chains[base_name(doc.name)].append(doc)
    for chain in chains.values():
        chain.sort(key=lambda d: d.crc.major_minor)
    return chains


def history_rows(chain: list[CrcDoc], language: str) -> list[dict[str, Any]]:
    """The version history shown on every version's page."""
    lab = labels(language)
    return [{"name": d.name, "version": d.crc.version, "date": long_date(d.crc.sent_on, language),
             "status": d.crc.status, "status_label": lab[d.crc.status],
             "reason": d.crc.amendment.reason if d.crc.amendment and d.crc.amendment.reason else "",
             "sha256": custody.record_hash(d.crc)} for d in chain]


def crc_contexts(project: Project) -> list[tuple[CrcDoc, dict[str, Any]]]:
    """The view model of every CRC, in name order."""
    language = project.settings.language
    cards = project.cards_by_id
    chains = version_chains(project.crcs)
    out = []
    for doc in sorted(project.crcs, key=lambda d: d.name):
        card = cards.get(doc.crc.opportunity or "")
        chain = chains[base_name(doc.name)]
        ctx = crc_context(doc, language, card.card if card else None,
                          history_rows(chain, language) if len(chain) > 1 else [])
        out.append((doc, ctx))
    return out


def render_crcs(project: Project, writer: Writer, progress: Optional[Progress] = None) -> tuple[list[Finding], dict[str, str]]:
    """crc/<NAME>.docx and .html for every CRC; returns findings and docx hashes."""
    findings: list[Finding] = []
    hashes: dict[str, str] = {}
    root = project.root
    try:
        docx = DocxRenderer(template_path(root, "crc.docx"), display_path(template_path(root, "crc.docx"), root))
        html = HtmlRenderer(root, "crc.html.j2")
    except RenderError as exc:
        return [Finding(exc.template, exc.line, ERROR, "", exc.message)], hashes
    items = crc_contexts(project)
    for i, (doc, ctx) in enumerate(items):
        try:
            data = docx.render(ctx)
            writer.write(f"crc/{doc.name}.docx", data)
            hashes[doc.name] = sha256(data)
            writer.write(f"crc/{doc.name}.html", html.render(ctx))
        except RenderError as exc:
            findings.append(Finding(exc.template, exc.line, ERROR, "", f"{exc.message} (while rendering {doc.source.path})"))
        if progress:
            progress("crc", i + 1, len(items))
    return findings, hashes


def crc_index(project: Project, hashes: dict[str, str]) -> list[dict[str, Any]]:
    """crc/index.json: one object per CRC version, sorted by name."""
    from . import rules
    rows = []
    for doc in sorted(project.crcs, key=lambda d: d.name):
        crc = doc.crc
        people = crc.participants.client + crc.participants.vendor
        rows.append({"name": doc.name, "client": crc.client, "opportunity": crc.opportunity,
                     "date": crc.date.isoformat(), "type": crc.type, "version": crc.version,
                     "keywords": list(crc.keywords), "participants": [p.name for p in people],
                     "score": rules.score(crc).total, "status": crc.status,
                     "sha256": hashes.get(doc.name, "")})
    return rows


def generate(project: Project, as_of: date, writer: Writer, progress: Optional[Progress] = None,
             jobs: Optional[int] = None) -> list[Finding]:
    """Write every output; return the findings of rendering."""
    findings, hashes = render_crcs(project, writer, progress)
    writer.write("crc/index.json", json_bytes(crc_index(project, hashes)))
    from .site import write_site  # last: the site links the outputs it finds beside it
    findings += write_site(project, as_of, writer, hashes)
    return findings
