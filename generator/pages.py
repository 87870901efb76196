"""Knowledge-base pages as Markdown with front matter, from the same view models as the documents.

Pure and engine-independent: `site_pages()` returns `{docs path: Markdown}` and a navigation; only
generator/site.py knows which static-site engine turns them into HTML. Every value that comes from a
record goes through `md()` (inline Markdown) or `attr()` (raw HTML) so that a field such as
`<script>` or `**gras**` shows as text: records can never inject HTML or Markdown.
"""
from __future__ import annotations

import html
import json
import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from typing import Any, Iterable, Optional, Sequence

from . import rules
from .i18n import labels, long_date as _long_date, money, short_date
from .models import Board, Card, CardDoc, CrcDoc, KbPage
from .naming import slug
from .outputs import base_name, crc_contexts, version_chains
from .project import Project

HOME = "index.md"
REGISTER = "registre.md"
EXEMPLARY_INDEX = "exemplaires/index.md"
OPPORTUNITY_INDEX = "opportunites/index.md"
KB_INDEX = "kb/index.md"
BOARD = "pilotage/tableau.md"
METRICS = "pilotage/indicateurs.md"
BY_CLIENT = "parcourir/clients.md"
BY_TYPE = "parcourir/types.md"
BY_KEYWORD = "parcourir/mots-cles.md"
BY_MONTH = "parcourir/mois.md"
REGISTER_DATA = "assets/dealdocs/crc-index.js"

LOW_SCORE = 8
LIST_LIMIT = 25

KINDS = {"objection": "Objections", "email-script": "Scripts e-mail", "playbook": "Playbooks",
         "checklist": "Check-lists", None: "Autres fiches"}
KIND_ICONS = {"objection": ":material-shield-check-outline:", "email-script": ":material-email-edit-outline:",
              "playbook": ":material-book-open-page-variant-outline:", "checklist": ":material-clipboard-check-outline:",
              None: ":material-file-document-outline:"}
CLASSES = {"standard": "Standard", "fixed-date": "Date fixe", "expedite": "Urgent (expedite)", "partner": "Partenaire"}
SOURCES = {"inbound": "Entrant", "outbound": "Prospection sortante", "trade-show": "Salon",
           "referral": "Recommandation", "partner": "Partenaire"}
OUTCOMES = {"won": "Gagné", "lost": "Perdu"}
LOSS_REASONS = {"price": "prix", "timing": "calendrier", "fit": "adéquation", "competition": "concurrence"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")

# What Markdown or a common extension may act on, written as numeric entities: HTML (& < >), code,
# emphasis, links, attribute lists, headings, tables, emoji (`:name:`), doubled ~ ^ = + (pymdownx),
# and a block marker opening the text (list, quote, heading). The rest stays plain text, so pages
# stay cheap to render.
_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_[]{}#|<>~^=+:"}
_ENTITIES["&"] = "&amp;"
_ACTIVE = re.compile(r"[&<>\\`*_\[\]{}#|]|:(?=\S)|([~^=+])(?=\1)|(?<=([~^=+]))\2")
_LEADING = re.compile(r"^(?:[-+*>]|\d+(?=[.)]))")


def md(value: object) -> str:
    """Record text as inline Markdown that renders literally (no HTML, no markup, one line)."""
    return _md(str(value if value is not None else ""))


@lru_cache(maxsize=65536)
def _md(value: str) -> str:
    """md() of a string, memoised: labels, names and dates repeat across thousands of pages."""
    text = " ".join(value.split())
    text = _ACTIVE.sub(lambda m: _ENTITIES[m.group(0)], text)
    return _LEADING.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group(0)), text)


def attr(value: object) -> str:
    """Record text for raw HTML (element content or a quoted attribute)."""
    return html.escape(" ".join(str(value if value is not None else "").split()), quote=True)


def title_text(value: str) -> str:
    """A page title for the front matter: HTML-escaped, as themes insert it verbatim."""
    return html.escape(" ".join(value.split()), quote=True)


def front_matter(title: str, **meta: Any) -> str:
    """YAML front matter, every text HTML-escaped (themes insert title, tags and description verbatim).

    JSON scalars are valid YAML, so no YAML quoting rule can be broken by a record.
    """
    lines = ["---", f"title: {json.dumps(title_text(title), ensure_ascii=False)}"]
    for key, value in meta.items():
        if value:
            safe = [title_text(v) for v in value] if isinstance(value, list) else title_text(str(value))
            lines.append(f"{key}: {json.dumps(safe, ensure_ascii=False)}")
    return "\n".join(lines + ["---", "", ""])


def json_script(element_id: str, value: object) -> str:
    """A JSON data island that cannot close its <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def rel(from_page: str, target: str) -> str:
    """A relative link from a docs page to another docs path or output file (both relative to the root)."""
    base = _parts(posixpath.dirname(from_page))
    parts = _parts(target)
    common = 0
    for a_part, b_part in zip(base, parts):
        if a_part != b_part:
            break
        common += 1
    return "/".join([".."] * (len(base) - common) + list(parts[common:])) or "."


@lru_cache(maxsize=None)
def _parts(path: str) -> tuple[str, ...]:
    """The segments of a normalised relative path (`.` has none)."""
    norm = posixpath.normpath(path)
    return () if norm == "." else tuple(norm.split("/"))


@lru_cache(maxsize=4096)
def long_date(value: Optional[date], language: str = "fr") -> str:
    """`19 octobre 2025`, memoised: the site formats the same few dates thousands of times."""
    return _long_date(value, language)


def out_html(path: str) -> str:
    """The output path of a docs page (`use_directory_urls: false`)."""
    return path[:-3] + ".html" if path.endswith(".md") else path


def link(page: str, text: str, target: str, anchor: str = "", css: str = "") -> str:
    """A Markdown link to another page, text escaped."""
    return f"[{md(text)}]({rel(page, target)}{'#' + anchor if anchor else ''})" + (f"{{: .{css} }}" if css else "")


def opp_link(page: str, key: str, target: str) -> str:
    """A link to an opportunity page that does not break inside its id."""
    return link(page, key.removeprefix("client:"), target, css="dd-id")


def a(page: str, text: str, target: str, css: str = "", download: bool = False, query: str = "") -> str:
    """A raw HTML link to a build output (a file MkDocs does not know about)."""
    cls = f' class="{css}"' if css else ""
    dl = " download" if download else ""
    return f'<a href="{attr(rel(page, target) + query)}"{cls}{dl}>{attr(text)}</a>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table from already-escaped cells."""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(c or "—" for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def month_label(day: date) -> str:
    """`octobre 2025`."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def plural(n: int, one: str, many: str) -> str:
    """`1 CRC`, `3 opportunités`."""
    return f"{n} {one if n == 1 else many}"


def score_badge(total: int) -> str:
    """A coloured score chip."""
    level = "ok" if total >= LOW_SCORE else "warn" if total >= 6 else "bad"
    return f'<span class="dd-score dd-score--{level}">{total}/10</span>'


# --- the model shared by every page -------------------------------------------


@dataclass(frozen=True)
class Extras:
    """Other build outputs present beside the site (board PDFs, metrics), if any."""

    files: frozenset[str] = frozenset()
    metrics: Optional[dict] = None


@dataclass(frozen=True)
class Entry:
    """One CRC version with its view model and where the site links it."""

    doc: CrcDoc
    ctx: dict[str, Any]
    key: str
    opp_page: str
    page: Optional[str]

    @property
    def html(self) -> str:
        return f"crc/{self.doc.name}.html"

    @property
    def docx(self) -> str:
        return f"crc/{self.doc.name}.docx"

    @property
    def score(self) -> int:
        return self.ctx["score"]["total"]


@dataclass
class Site:
    """Everything the pages are made from, computed once."""

    project: Project
    as_of: date
    extras: Extras
    entries: list[Entry]
    chains: dict[str, list[Entry]]
    opp_pages: dict[str, str]
    cards: dict[str, CardDoc]
    latest: dict[str, Entry] = field(default_factory=dict)
    current: list[Entry] = field(default_factory=list)
    by_tag: dict[str, list[Entry]] = field(default_factory=dict)

    @property
    def lab(self) -> dict[str, str]:
        return labels(self.project.settings.language)

    @property
    def board(self) -> Optional[Board]:
        return self.project.board

    def column_title(self, key: str) -> str:
        col = self.board.column(key) if self.board else None
        return col.title if col else key

    def by_key(self) -> dict[str, list[Entry]]:
        groups: dict[str, list[Entry]] = defaultdict(list)
        for e in self.entries:
            groups[e.key].append(e)
        return groups


def _opportunity_pages(keys: Iterable[str]) -> dict[str, str]:
    """A unique, file-safe page per opportunity key (card id, or `client:<name>`)."""
    pages: dict[str, str] = {}
    used: set[str] = set()
    for key in sorted(set(keys)):
        stem = ("client-" + slug(key[7:])) if key.startswith("client:") else slug(key)
        name, n = stem, 2
        while name in used:
            name, n = f"{stem}-{n}", n + 1
        used.add(name)
        pages[key] = f"opportunites/{name}.md"
    return pages


Contexts = list[tuple[CrcDoc, dict[str, Any]]]


def build_site(project: Project, as_of: date, extras: Extras, contexts: Optional[Contexts] = None) -> Site:
    """The shared model: view models of every CRC (given, or computed), pages of every opportunity."""
    contexts = crc_contexts(project) if contexts is None else contexts
    cards = project.cards_by_id
    keys = [rules.opportunity_key(d.crc) for d, _ in contexts] + list(cards)
    opp_pages = _opportunity_pages(keys)
    entries = []
    for doc, ctx in contexts:
        key = rules.opportunity_key(doc.crc)
        page = f"exemplaires/{doc.name}.md" if doc.crc.exemplary else None
        entries.append(Entry(doc, ctx, key, opp_pages[key], page))
    by_name = {e.doc.name: e for e in entries}
    chains = {k: [by_name[d.name] for d in chain] for k, chain in version_chains(project.crcs).items()}
    site = Site(project, as_of, extras, entries, chains, opp_pages, cards)
    latest = rules.latest_by_opportunity(project.crcs)
    site.latest = {k: by_name[d.name] for k, d in latest.items()}
    site.current = [chain[-1] for _, chain in sorted(site.chains.items())]
    site.by_tag = tag_index(site.current)
    return site


def tag_index(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    """Entries by the slug of each of their keywords, in the given order."""
    index: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        for tag in dict.fromkeys(slug(k) for k in e.doc.crc.keywords):
            index[tag].append(e)
    return dict(index)


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """By meeting date then version, newest first, name as the tie-break."""
    return sorted(entries, key=lambda e: (e.doc.crc.date, e.doc.crc.major_minor, e.doc.name), reverse=True)


def latest_versions(site: Site) -> list[Entry]:
    """The current version of every CRC (older versions are superseded)."""
    return site.current


def crc_label(e: Entry) -> str:
    """`Négociation — ACME SAS — 21 octobre 2025`."""
    return f"{e.ctx['subject']} — {e.ctx['date']}"


def register_link(page: str, **params: str) -> str:
    """A raw link to the register pre-filtered by URL parameters."""
    from urllib.parse import urlencode
    query = "?" + urlencode(params) if params else ""
    return a(page, "Voir dans le registre", out_html(REGISTER), "dd-more", query=query)


# --- CRC rows shared by the lists -----------------------------------------------


def crc_row(page: str, e: Entry) -> list[str]:
    """Date, CRC (document), client, opportunity, type, version, status, score."""
    crc = e.doc.crc
    opp = opp_link(page, crc.opportunity or crc.client, e.opp_page)
    name = link(page, e.doc.name, e.page) if e.page else a(page, e.doc.name, e.html)
    return [short_date(crc.date), name, md(crc.client), opp, md(e.ctx["type_label"]),
            md(crc.version), md(e.ctx["status_label"]), score_badge(e.score)]


CRC_HEADERS = ("Date", "CRC", "Client", "Opportunité", "Type", "Version", "Statut", "Score")


def crc_table(page: str, entries: Sequence[Entry], limit: int = LIST_LIMIT, **filters: str) -> str:
    """The newest CRC versions as a table, with a link to the register for the rest."""
    rows = newest_first(entries)
    out = table(CRC_HEADERS, (crc_row(page, e) for e in rows[:limit]))
    if len(rows) > limit:
        out += f"\n{len(rows) - limit} autres versions : {register_link(page, **filters)}\n"
    return out


def downloads(page: str, e: Entry) -> str:
    """Buttons to the Word document and the standalone HTML of a version."""
    return (a(page, "Word (.docx)", e.docx, "md-button md-button--primary", download=True) + " "
            + a(page, "Page HTML imprimable", e.html, "md-button"))


# --- home -------------------------------------------------------------------------


def overdue_steps(site: Site) -> list[dict[str, Any]]:
    """Next steps dated before as-of: the latest CRC's (§3 rule) and active cards' next actions."""
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for key, e in site.latest.items():
        step = e.doc.crc.next_step
        card = site.cards.get(key)
        if card and not card.card.active:
            continue
        if step and step.date and step.date < site.as_of:
            owner = step.owner_vendor or step.owner_client or ""
            items[(key, step.date.isoformat())] = {"key": key, "client": e.doc.crc.client, "what": step.action or "",
                                                   "date": step.date, "owner": owner, "source": e.doc.name}
    for key, doc in site.cards.items():
        card, nxt = doc.card, doc.card.next_action
        if card.active and nxt and nxt.date and nxt.date < site.as_of:
            items.setdefault((key, nxt.date.isoformat()), {
                "key": key, "client": card.account or "", "what": nxt.what, "date": nxt.date,
                "owner": card.owner.name if card.owner else "", "source": "carte"})
    return sorted(items.values(), key=lambda i: (i["date"], i["key"]))


def blocked_cards(site: Site) -> list[Card]:
    """Active blocked cards, longest blocked first."""
    cards = [d.card for d in site.cards.values() if d.card.active and d.card.blocked]
    return sorted(cards, key=lambda c: (c.blocked.since if c.blocked else site.as_of, c.id))


def low_scores(site: Site) -> list[Entry]:
    """Current versions scoring under the target, lowest first."""
    low = [e for e in latest_versions(site) if e.score < LOW_SCORE]
    return sorted(low, key=lambda e: (e.score, e.doc.name))


def weighted_pipeline(site: Site) -> float:
    """Σ amount × probability over active cards."""
    return sum((c.card.amount or 0) * (c.card.probability or 0) / 100 for c in site.cards.values() if c.card.active)


def tile(icon: str, title: str, target: str, text: str) -> str:
    """One Material grid card (target already a relative link)."""
    return f"-   {icon} **[{title}]({target})**\n\n    ---\n\n    {text}\n"


def home_tiles(site: Site) -> str:
    """Quick links: register, board, metrics, knowledge base, browse."""
    tiles = [
        tile(":material-table-search:", "Registre des CRC", REGISTER,
             f"Les {plural(len(site.entries), 'version', 'versions')} de CRC, filtrables par client, type, mois, mot-clé."),
        tile(":material-view-column-outline:", "Tableau Kanban", BOARD,
             "Les cartes dans leurs colonnes, limites WIP et blocages, avec les PDF à imprimer."),
        tile(":material-chart-line:", "Indicateurs", METRICS,
             "Débit, temps de cycle, conversion, pipeline pondéré et prévision."),
        tile(":material-bookshelf:", "Fiches et scripts", KB_INDEX,
             f"{plural(len(site.project.kb), 'fiche', 'fiches')} : objections, e-mails, check-lists, playbooks."),
        tile(":material-briefcase-outline:", "Opportunités", OPPORTUNITY_INDEX,
             f"{plural(len(site.opp_pages), 'opportunité', 'opportunités')} : carte, prochaine étape et historique des CRC."),
        tile(":material-folder-search-outline:", "Parcourir", BY_CLIENT,
             "Les CRC par client, par type de réunion, par mot-clé et par mois."),
    ]
    return '<div class="grid cards" markdown>\n\n' + "\n".join(tiles) + "\n</div>\n"


def exemplary_cards(page: str, entries: Sequence[Entry]) -> str:
    """Exemplary CRCs as grid cards."""
    if not entries:
        return "Aucun CRC n'est encore proposé comme exemplaire (`exemplary: true`).\n"
    items = []
    for e in entries:
        kw = ", ".join(md(k) for k in e.doc.crc.keywords)
        items.append(f"-   :material-star-outline: **{link(page, e.ctx['subject'], e.page or e.opp_page)}**\n\n"
                     f"    {md(e.doc.crc.client)} · {md(e.ctx['type_label'])} · {md(e.ctx['date'])} · "
                     f"{score_badge(e.score)}\n\n    {kw}\n")
    return '<div class="grid cards dd-exemplary" markdown>\n\n' + "\n".join(items) + "\n</div>\n"


def home_attention(site: Site, page: str) -> str:
    """What needs attention: overdue next steps, blocked cards, low scores."""
    out = ["## À traiter {#a-traiter}\n"]
    overdue = overdue_steps(site)
    out.append(f"### Prochaines étapes en retard ({len(overdue)}) {{#en-retard}}\n")
    if overdue:
        out.append(table(("Opportunité", "Client", "Action", "Prévue le", "Retard", "Responsable"), (
            [opp_link(page, i["key"], site.opp_pages[i["key"]]), md(i["client"]), md(i["what"]),
             short_date(i["date"]), f'<span class="dd-late">{(site.as_of - i["date"]).days} j</span>', md(i["owner"])]
            for i in overdue[:LIST_LIMIT])))
    else:
        out.append("Aucune prochaine étape en retard. :material-check:\n")
    blocked = blocked_cards(site)
    out.append(f"\n### Cartes bloquées ({len(blocked)}) {{#bloquees}}\n")
    if blocked:
        out.append(table(("Opportunité", "Compte", "Colonne", "Bloquée depuis", "Cause", "Déblocage", "Responsable"), (
            [opp_link(page, c.id, site.opp_pages[c.id]), md(c.account), md(site.column_title(c.column)),
             f"{(site.as_of - c.blocked.since).days} j", md(c.blocked.cause), md(c.blocked.next),
             md(c.blocked.owner)] for c in blocked if c.blocked)))
    else:
        out.append("Aucune carte bloquée.\n")
    low = low_scores(site)
    out.append(f"\n### CRC sous {LOW_SCORE}/10 ({len(low)}) {{#scores-bas}}\n")
    if low:
        out.append(table(("CRC", "Client", "Date", "Score", "Pour progresser"), (
            [a(page, e.doc.name, e.html), md(e.doc.crc.client), short_date(e.doc.crc.date), score_badge(e.score),
             md(e.ctx["score"]["missing"][0] if e.ctx["score"]["missing"] else "")] for e in low[:LIST_LIMIT])))
        if len(low) > LIST_LIMIT:
            out.append(f"\n{register_link(page, score='lt8')}\n")
    else:
        out.append(f"Tous les CRC atteignent {LOW_SCORE}/10.\n")
    return "\n".join(out)


def home_page(site: Site) -> str:
    """The knowledge-base home."""
    page, proj = HOME, site.project
    active = sum(c.card.active for c in site.cards.values())
    exemplary = newest_first(e for e in site.entries if e.page)
    parts = [front_matter(proj.settings.site_name, hide=["navigation", "toc"]),
             f"# {md(proj.settings.site_name)}\n",
             f'<p class="dd-lead">Situation au {long_date(site.as_of)} · {plural(len(site.entries), "version de CRC", "versions de CRC")}'
             f" · {plural(active, 'opportunité active', 'opportunités actives')} · pipeline pondéré "
             f"{attr(money(weighted_pipeline(site)) or '0 €')}</p>\n",
             home_tiles(site),
             "## CRC exemplaires {#exemplaires}\n",
             "Des comptes rendus à imiter : objectif en une phrase, faits, décisions au présent, "
             "prochaine étape datée avec ses responsables.\n",
             exemplary_cards(page, exemplary[:6]),
             link(page, f"Tous les CRC exemplaires ({len(exemplary)})", EXEMPLARY_INDEX) + "\n",
             home_attention(site, page),
             "\n## Parcourir {#parcourir}\n",
             " · ".join([link(page, "par client", BY_CLIENT), link(page, "par type de réunion", BY_TYPE),
                         link(page, "par mot-clé", BY_KEYWORD), link(page, "par mois", BY_MONTH),
                         link(page, "toutes les opportunités", OPPORTUNITY_INDEX)]) + "\n"]
    return "\n".join(parts)


# --- exemplary CRC pages -----------------------------------------------------------


def people_list(ctx: dict[str, Any]) -> str:
    """Participants by role group."""
    lab = ctx["L"]
    rows = []
    for key in ("decision_makers", "sponsors", "operational", "vendor"):
        people = ctx[key]
        if people:
            rows.append(f"- **{lab[key]}** : " + ", ".join(md(p["label"]) for p in people))
    return "\n".join(rows) + "\n" if rows else "—\n"


def bullets(items: Sequence[str]) -> str:
    """A bullet list of record texts."""
    return "\n".join(f"- {md(i)}" for i in items) + "\n" if items else "—\n"


def exemplary_page(site: Site, e: Entry) -> str:
    """A full knowledge-base page for an exemplary CRC."""
    page, ctx, lab = e.page or "", e.ctx, site.lab
    crc = e.doc.crc
    sc = ctx["score"]
    step = ctx["next_step"]
    parts = [front_matter(f"{ctx['subject']} ({e.doc.name})", tags=list(crc.keywords),
                          description=ctx["objective"]),
             f"# {md(ctx['subject'])}\n",
             f'<p class="dd-meta">{attr(crc.client)} · {attr(ctx["type_label"])} · {attr(ctx["date"])} · '
             f'version {attr(crc.version)} · {attr(ctx["status_label"])} · {score_badge(sc["total"])}</p>\n',
             f"**{lab['objective']}** : {md(ctx['objective']) or '—'}\n",
             f"<p>{downloads(page, e)}</p>\n",
             f"Opportunité : {link(page, crc.opportunity or crc.client, e.opp_page)} · "
             f"Document : `{e.doc.name}`\n",
             f'!!! {"success" if sc["ok"] else "warning"} "Score qualité : {sc["total"]}/10 (cible ≥ {sc["target"]})"\n'
             + "".join(f"    - {md(m)}\n" for m in sc["missing"]) + ("" if sc["missing"] else "    Tous les critères sont remplis.\n"),
             f"## {lab['checklist']}\n",
             '<ul class="dd-checklist">' + "".join(
                 f'<li class="dd-check--{"ok" if c["ok"] else "ko"}">{attr(c["label"])}</li>' for c in ctx["checklist"])
             + "</ul>\n",
             f"## {lab['participants']}\n", people_list(ctx),
             f"## {lab['facts']}\n", bullets(ctx["facts"]),
             f"## {lab['decisions']}\n", bullets(ctx["decisions"]),
             f"## {lab['risks']}\n",
             table((lab["risk"], lab["category"], lab["mitigation"]),
                   ([md(r["text"]), md(r["category"]), md(r["mitigation"])] for r in ctx["risks"])) if ctx["risks"] else "—\n",
             f"## {lab['dependencies']}\n", bullets(ctx["dependencies"]),
             f"## {lab['next_step']}\n",
             table(("", ""), ([lab["action"], md(step["action"])], [lab["when"], md(step["when"])],
                              [lab["owner_client"], md(step["owner_client"])], [lab["owner_vendor"], md(step["owner_vendor"])],
                              [lab["invitation_sent"], md(step["invitation_sent"])])) if step else "—\n",
             f"## {lab['deliverables']}\n",
             table((lab["what"], lab["by"], lab["due"], lab["format"]),
                   ([md(d["what"]), md(d["by"]), md(d["due"]), md(d["format"])] for d in ctx["deliverables"]))
             if ctx["deliverables"] else "—\n",
             f"## {lab['milestones']}\n",
             table(("Type", "Jalon", lab["date"]),
                   ([md(m["kind_label"]), md(m["text"]), md(m["date"])] for m in ctx["milestones"]))
             if ctx["milestones"] else "—\n",
             f"## {lab['attachments']}\n",
             "\n".join(f"- {md(x['title'])}" + (f" — `{md(x['ref'])}`" if x["ref"] else "") for x in ctx["attachments"]) + "\n"
             if ctx["attachments"] else "—\n",
             f"## {lab['crm']}\n",
             table((lab["stage"], lab["probability"], lab["amount"], lab["close_date"]),
                   [[md(site.column_title(ctx["crm"]["stage"])), md(ctx["crm"]["probability"]), md(ctx["crm"]["amount"]),
                     md(ctx["crm"]["close_date"])]]) if ctx["crm"] else "—\n",
             f"## {lab['validation']}\n", md(ctx["validation_request"]) + "\n",
             f"## {lab['score']}\n",
             table(("Critère", "Points"), ([md(i["label"]), f"{i['points']}/{i['max']}"] for i in sc["items"]))]
    return "\n".join(parts)


def exemplary_index(site: Site) -> str:
    """Every exemplary CRC."""
    page = EXEMPLARY_INDEX
    entries = newest_first(e for e in site.entries if e.page)
    rows = ([link(page, e.ctx["subject"], e.page or ""), md(e.doc.crc.client), md(e.ctx["type_label"]),
             short_date(e.doc.crc.date), score_badge(e.score), ", ".join(md(k) for k in e.doc.crc.keywords)]
            for e in entries)
    return (front_matter("CRC exemplaires") + "# CRC exemplaires\n\n"
            "Les comptes rendus proposés par l'équipe comme modèles (`exemplary: true` dans le fichier du CRC).\n\n"
            + (table(("CRC", "Client", "Type", "Date", "Score", "Mots-clés"), rows) if entries
               else "Aucun CRC exemplaire pour l'instant.\n"))


# --- opportunity pages ---------------------------------------------------------------


def card_table(site: Site, page: str, card: Card) -> str:
    """The card's fields."""
    lab = site.lab
    nxt = card.next_action
    since = rules.entered(card, card.column)
    column = md(site.column_title(card.column))
    if since and card.active:
        column += f" (depuis {(site.as_of - since).days} j)"
    rows = [["Colonne", column],
            [lab["amount"], md(money(card.amount))],
            [lab["probability"], f"{card.probability} %" if card.probability is not None else ""],
            ["Prochaine action", md(" — ".join(x for x in (nxt.what, short_date(nxt.date), nxt.time or "") if x)) if nxt else
             ('<span class="dd-late">aucune</span>' if card.active else "")],
            ["Responsable", md(f"{card.owner.name} ({card.owner.role})" if card.owner and card.owner.role else
                                card.owner.name if card.owner else "")],
            ["Contact", md(card.contact)],
            [lab["close_date"], short_date(card.close_date)],
            ["Classe de service", md(CLASSES.get(card.class_, card.class_))],
            ["Source", md(SOURCES.get(card.source or "", card.source or ""))],
            ["Objections", ", ".join(md(o) for o in card.objections)],
            ["Notes", md(card.notes)]]
    if card.blocked:
        b = card.blocked
        rows.insert(1, ["Bloquée", f'<span class="dd-blocked">BLOQUÉE</span> depuis le {short_date(b.since)} : '
                        f"{md(b.cause)}" + (f" — déblocage : {md(b.next)}" if b.next else "")
                        + (f" ({md(b.owner)})" if b.owner else "")])
    if card.outcome:
        o = card.outcome
        reason = f" ({LOSS_REASONS.get(o.reason, o.reason)})" if o.reason else ""
        rows.insert(1, ["Issue", f"{OUTCOMES[o.result]} le {short_date(o.date)}{md(reason)}"])
    out = table(("Carte", md(card.id)), rows)
    if card.history:
        out += "\n**Parcours** : " + " → ".join(
            f"{md(site.column_title(h.column))} ({short_date(h.date)})" for h in card.history) + "\n"
    return out


def key_figures(site: Site, card: Card) -> str:
    """Column, amount, probability and state of a card, as a strip of figures."""
    state = (OUTCOMES[card.outcome.result] if card.outcome else "Bloquée" if card.blocked else "Active")
    cells = [("Colonne", site.column_title(card.column)), ("Montant", money(card.amount) or "—"),
             ("Probabilité", f"{card.probability} %" if card.probability is not None else "—"),
             ("Pondéré", money((card.amount or 0) * (card.probability or 0) / 100) if card.amount else "—"),
             ("État", state)]
    css = "dd-figure dd-figure--blocked" if card.blocked and card.active else "dd-figure"
    return ('<div class="dd-figures">' + "".join(
        f'<div class="{css if k == "État" else "dd-figure"}"><span>{attr(k)}</span><strong>{attr(v)}</strong></div>'
        for k, v in cells) + "</div>\n")


def next_step_block(site: Site, key: str) -> str:
    """The latest CRC's next step, flagged when overdue."""
    e = site.latest.get(key)
    step = e.doc.crc.next_step if e else None
    if not e or not step:
        return "Aucune prochaine étape écrite dans un CRC.\n"
    late = step.date is not None and step.date < site.as_of
    kind = "danger" if late else "info"
    title = "En retard" if late else "Prochaine étape"
    owners = " / ".join(x for x in (step.owner_client, step.owner_vendor) if x)
    when = md(" ".join(x for x in (long_date(step.date), step.time or "") if x)) or "non datée"
    body = [f"**{md(step.action or '—')}** — {when}" + (f" · responsables : {md(owners)}" if owners else "")]
    if late and step.date:
        body.append(f"Date dépassée de {(site.as_of - step.date).days} jours : tenir le rendez-vous et écrire son CRC, ou la redater.")
    body.append(f"D'après {md(e.doc.name)}.")
    return f'!!! {kind} "{title}"\n' + "".join(f"    {line}\n\n" for line in body)


def version_table(page: str, chain: Sequence[Entry]) -> str:
    """Every version of a CRC with its documents."""
    rows = []
    for e in reversed(chain):
        ctx = e.ctx
        docs = a(page, "HTML", e.html) + " · " + a(page, "Word", e.docx, download=True)
        if e.page:
            docs += " · " + link(page, "fiche exemplaire", e.page)
        rows.append([f"v{md(e.doc.crc.version)}", md(ctx["sent_on"]) or "non envoyé", md(ctx["status_label"]),
                     score_badge(e.score), docs, md(ctx["amendment_reason"])])
    return table(("Version", "Envoyé le", "Statut", "Score", "Documents", "Motif de l'amendement"), rows)


def crc_section(site: Site, page: str, chain: Sequence[Entry]) -> str:
    """One CRC (all its versions) on an opportunity page."""
    cur = chain[-1]
    ctx = cur.ctx
    anchor = slug(base_name(cur.doc.name))
    parts = [f"### {md(ctx['type_label'])} du {md(ctx['date'])} {{#{anchor}}}\n",
             f"{md(ctx['subject'])}" + (" — :material-star: exemplaire" if any(e.page for e in chain) else "") + "\n",
             f"- **{site.lab['objective']}** : {md(ctx['objective']) or '—'}",
             f"- **{site.lab['keywords']}** : {', '.join(md(k) for k in cur.doc.crc.keywords) or '—'}",
             f"- **{site.lab['decisions']}** :" + ("".join(f"\n    - {md(d)}" for d in ctx["decisions"]) or " —"),
             f"- **{site.lab['next_step']}** : " + (md(f"{ctx['next_step']['action']} — {ctx['next_step']['when']}")
                                                    if ctx["next_step"] else "—") + "\n",
             version_table(page, chain)]
    return "\n".join(parts)


def opportunity_page(site: Site, key: str, entries: Sequence[Entry]) -> str:
    """One opportunity: its card, next step and every CRC version."""
    page = site.opp_pages[key]
    card = site.cards.get(key)
    client = entries[0].doc.crc.client if entries else (card.card.account if card else "") or ""
    name = key.removeprefix("client:")
    title = f"{name} · {client}" if not key.startswith("client:") and client else name
    tags = sorted({k for e in entries for k in e.doc.crc.keywords} | set(card.card.objections if card else []))
    parts = [front_matter(title, description=f"Opportunité {name} : carte, prochaine étape et CRC"),
             f"# {md(title)}\n"]
    chips = [f'<span class="dd-chip">{attr(t)}</span>' for t in tags]
    if chips:
        parts.append('<p class="dd-chips">' + " ".join(chips) + "</p>\n")
    if card:
        parts.append(key_figures(site, card.card))
    parts.append("## Prochaine étape\n")
    parts.append(next_step_block(site, key))
    parts.append("## Carte Kanban\n")
    parts.append(card_table(site, page, card.card) if card else "Pas de carte pour cette opportunité.\n")
    chains: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        chains[base_name(e.doc.name)].append(e)
    parts.append(f"## CRC ({plural(len(chains), 'compte rendu', 'comptes rendus')}, "
                 f"{plural(len(entries), 'version', 'versions')})\n")
    ordered = sorted(chains.values(), key=lambda ch: (ch[-1].doc.crc.date, ch[-1].doc.name), reverse=True)
    for chain in ordered:
        parts.append(crc_section(site, page, sorted(chain, key=lambda e: e.doc.crc.major_minor)))
    if not chains:
        parts.append("Aucun CRC pour cette opportunité.\n")
    return "\n".join(parts)


def opportunity_index(site: Site) -> str:
    """Every opportunity, by board column."""
    page = OPPORTUNITY_INDEX
    groups = site.by_key()
    parts = [front_matter("Opportunités"), "# Opportunités\n"]
    order = [c.key for c in site.board.columns] if site.board else []
    by_column: dict[str, list[str]] = defaultdict(list)
    for key in site.opp_pages:
        card = site.cards.get(key)
        by_column[card.card.column if card else ""].append(key)
    for col in order + sorted(k for k in by_column if k not in order):
        keys = by_column.get(col)
        if not keys:
            continue
        parts.append(f"## {md(site.column_title(col)) if col else 'Sans carte'} ({len(keys)})\n")
        rows = []
        for key in sorted(keys):
            card = site.cards[key].card if key in site.cards else None
            nxt = card.next_action if card else None
            state = ('<span class="dd-blocked">BLOQUÉE</span>' if card and card.blocked and card.active else
                     md(OUTCOMES[card.outcome.result]) if card and card.outcome else "")
            rows.append([opp_link(page, key, site.opp_pages[key]),
                         md(card.account if card else groups[key][0].doc.crc.client),
                         md(money(card.amount)) if card else "", f"{card.probability} %" if card and card.probability is not None else "",
                         md(f"{nxt.what} ({short_date(nxt.date)})" if nxt and nxt.date else nxt.what if nxt else ""),
                         md(card.owner.name if card and card.owner else ""), state, str(len(groups.get(key, [])))])
        parts.append(table(("Opportunité", "Compte", "Montant", "Proba.", "Prochaine action", "Responsable", "État", "CRC"), rows))
    return "\n".join(parts)


# --- indexes -----------------------------------------------------------------------------


def by_client_page(site: Site) -> str:
    """Clients, their opportunities and CRCs."""
    page = BY_CLIENT
    clients: dict[str, list[Entry]] = defaultdict(list)
    for e in site.entries:
        clients[e.doc.crc.client].append(e)
    for key, doc in site.cards.items():
        if doc.card.account and doc.card.account not in clients:
            clients[doc.card.account] = []
    card_keys: dict[str, set[str]] = defaultdict(set)
    for key, doc in site.cards.items():
        if doc.card.account:
            card_keys[doc.card.account].add(key)
    rows = []
    for client in sorted(clients, key=lambda c: (slug(c), c)):
        entries = clients[client]
        keys = sorted({e.key for e in entries} | card_keys[client])
        last = newest_first(entries)[0] if entries else None
        rows.append([f"**{md(client)}**", ", ".join(link(page, k.removeprefix("client:"), site.opp_pages[k]) for k in keys),
                     str(len(entries)), a(page, f"{short_date(last.doc.crc.date)} · {last.doc.name}", last.html) if last else "",
                     register_link(page, q=client) if entries else ""])
    return (front_matter("CRC par client") + "# CRC par client\n\n"
            + table(("Client", "Opportunités", "Versions de CRC", "Dernier CRC", "Registre"), rows))


def by_type_page(site: Site) -> str:
    """CRCs by meeting type."""
    page = BY_TYPE
    parts = [front_matter("CRC par type de réunion"), "# CRC par type de réunion\n"]
    for t in ("discovery", "demo", "negotiation", "qbr"):
        entries = [e for e in site.entries if e.doc.crc.type == t]
        parts.append(f"## {site.lab[t]} ({len(entries)}) {{#{t}}}\n")
        if not entries:
            parts.append("Aucun CRC de ce type.\n")
            continue
        avg = sum(e.score for e in entries) / len(entries)
        exemplary = [e for e in newest_first(entries) if e.page]
        parts.append(f"Score moyen : {avg:.1f}/10".replace(".", ",") + ". "
                     + (("Exemplaires : " + ", ".join(link(page, e.ctx["subject"], e.page or "") for e in exemplary) + ".")
                        if exemplary else "") + "\n")
        parts.append(crc_table(page, entries, type=t))
    return "\n".join(parts)


def keyword_counts(site: Site) -> list[tuple[str, int]]:
    """Keywords of CRC versions with their counts, most used first."""
    counts = Counter(k for e in site.entries for k in dict.fromkeys(e.doc.crc.keywords))
    return sorted(counts.items(), key=lambda kv: (-kv[1], slug(kv[0]), kv[0]))


def by_keyword_page(site: Site) -> str:
    """Keywords: pages tagged with them (tags listing) and CRC counts."""
    page = BY_KEYWORD
    kb_by_tag: dict[str, list[KbPage]] = defaultdict(list)
    for p in site.project.kb:
        for t in p.meta.tags:
            kb_by_tag[t].append(p)
    rows = []
    for kw, n in keyword_counts(site):
        pages = ", ".join(link(page, p.meta.title, kb_path(p)) for p in kb_by_tag.get(kw, []))
        rows.append([f'<span class="dd-chip">{attr(kw)}</span>', str(n), pages, register_link(page, kw=kw)])
    return (front_matter("Mots-clés") + "# Mots-clés\n\n"
            "## Mots-clés des CRC\n\n"
            + (table(("Mot-clé", "Versions de CRC", "Fiches", "Registre"), rows) if rows else "Aucun mot-clé.\n")
            + "\n## Pages par tag\n\nFiches et CRC exemplaires, regroupés par tag.\n\n<!-- material/tags -->\n")


def by_month_page(site: Site) -> str:
    """CRCs by meeting month, newest month first."""
    page = BY_MONTH
    months: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for e in site.entries:
        months[(e.doc.crc.date.year, e.doc.crc.date.month)].append(e)
    parts = [front_matter("CRC par mois"), "# CRC par mois\n"]
    for (y, m) in sorted(months, reverse=True):
        entries = months[(y, m)]
        label = month_label(date(y, m, 1))
        parts.append(f"## {label.capitalize()} ({len(entries)}) {{#m{y}-{m:02d}}}\n")
        parts.append(crc_table(page, entries, month=f"{y}-{m:02d}"))
    if not months:
        parts.append("Aucun CRC.\n")
    return "\n".join(parts)


# --- register ------------------------------------------------------------------------------


def register_page(site: Site) -> str:
    """The filterable register of every CRC version (data: crc/index.json)."""
    page = REGISTER
    months = sorted({e.doc.crc.date.strftime("%Y-%m") for e in site.entries}, reverse=True)
    types = [(t, site.lab[t]) for t in ("discovery", "demo", "negotiation", "qbr")]
    statuses = [(s, site.lab[s]) for s in ("draft", "sent", "validated", "corrected")]
    keywords = sorted({k for e in site.entries for k in e.doc.crc.keywords}, key=lambda k: (slug(k), k))

    def select(ident: str, label: str, options: Iterable[tuple[str, str]]) -> str:
        opts = "".join(f'<option value="{attr(v)}">{attr(t)}</option>' for v, t in options)
        return (f'<label class="dd-field"><span>{label}</span><select id="dd-{ident}" name="{ident}">'
                f'<option value="">Tous</option>{opts}</select></label>')

    month_opts = [(m, month_label(date(int(m[:4]), int(m[5:]), 1))) for m in months]
    opp_map = {key: out_html(p) for key, p in site.opp_pages.items()}
    exemplary = {e.doc.name: out_html(e.page) for e in site.entries if e.page}
    labels_map = {"type": dict(types), "status": dict(statuses)}
    html_block = (
        f'<div class="dd-register" id="dd-register" data-base="{attr(rel(page, "."))}/" data-data="{attr(REGISTER_DATA)}">\n'
        '<form class="dd-register__filters" id="dd-filters" role="search">'
        '<label class="dd-field dd-field--grow"><span>Rechercher</span>'
        '<input type="search" id="dd-q" name="q" autocomplete="off" '
        'placeholder="Client, opportunité, participant, mot-clé…"></label>'
        + select("type", "Type", types) + select("status", "Statut", statuses)
        + select("month", "Mois", month_opts) + select("kw", "Mot-clé", ((k, k) for k in keywords))
        + select("score", "Score", [("lt8", "Sous 8/10"), ("ge8", "8/10 et plus")])
        + '</form>\n'
        '<p class="dd-register__count" id="dd-count" aria-live="polite">Chargement du registre…</p>\n'
        '<div class="dd-register__scroll"><table class="dd-register__table"><thead><tr>'
        '<th><button type="button" data-sort="date">Date</button></th>'
        '<th><button type="button" data-sort="name">CRC</button></th>'
        '<th><button type="button" data-sort="client">Client</button></th>'
        '<th><button type="button" data-sort="opportunity">Opportunité</button></th>'
        '<th><button type="button" data-sort="type">Type</button></th>'
        '<th><button type="button" data-sort="status">Statut</button></th>'
        '<th><button type="button" data-sort="score">Score</button></th>'
        '<th>Mots-clés</th><th>Word</th></tr></thead>'
        '<tbody id="dd-rows"></tbody></table></div>\n'
        '<nav class="dd-pager" id="dd-pager" aria-label="Pages du registre"></nav>\n'
        '<noscript><p>Le registre a besoin de JavaScript ; la liste complète est dans '
        f'<a href="{attr(rel(page, "crc/index.json"))}">crc/index.json</a>.</p></noscript>\n'
        '</div>\n')
    return (front_matter("Registre des CRC", hide=["navigation", "toc"]) + "# Registre des CRC\n\n"
            "Toutes les versions de tous les CRC. Tapez pour filtrer (plusieurs mots : tous doivent figurer), "
            "combinez avec les listes, cliquez un en-tête pour trier. L'adresse de la page garde les filtres : "
            "copiez-la pour partager une vue.\n\n"
            + html_block + "\n"
            + json_script("dd-opps", opp_map) + "\n\n"
            + json_script("dd-exemplary", exemplary) + "\n\n"
            + json_script("dd-labels", labels_map) + "\n")


def register_data(rows: list[dict[str, Any]]) -> str:
    """crc/index.json as a script, for the register opened from file:// where fetch() is refused."""
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.__dealdocsIndex = {text};\n"


# --- hand-written pages ------------------------------------------------------------------------


def kb_path(page: KbPage) -> str:
    """`content/kb/objections/prix.md` → `kb/objections/prix.md`."""
    return page.path.removeprefix("content/")


def related_crcs(site: Site, page: KbPage) -> list[Entry]:
    """Current CRC versions sharing a tag with a hand-written page, exemplary first."""
    found = {id(e): e for t in dict.fromkeys(slug(t) for t in page.meta.tags) for e in site.by_tag.get(t, [])}
    return sorted(found.values(), key=lambda e: (e.page is None, -e.doc.crc.date.toordinal(), e.doc.name))


def kb_page(site: Site, page: KbPage) -> str:
    """A hand-written page, its front matter normalised, with the CRCs sharing its tags."""
    path = kb_path(page)
    meta = page.meta
    tags = list(meta.tags)
    body = page.body if re.search(r"^# ", page.body, re.M) else f"# {md(meta.title)}\n\n{page.body}"
    out = front_matter(meta.title, tags=tags, description=meta.description or "", kind=meta.kind or "") + body
    related = related_crcs(site, page)
    if related:
        rows = ([link(path, e.ctx["subject"], e.page) if e.page else a(path, e.ctx["subject"], e.html),
                 md(e.doc.crc.client), short_date(e.doc.crc.date), ", ".join(md(k) for k in e.doc.crc.keywords),
                 (":material-star: " if e.page else "") + score_badge(e.score)] for e in related[:LIST_LIMIT])
        out = out.rstrip() + "\n\n## Dans nos CRC {#dans-nos-crc}\n\n" \
            f"Les comptes rendus où le sujet est apparu ({len(related)}).\n\n" \
            + table(("CRC", "Client", "Date", "Mots-clés", "Score"), rows)
    return out


def kb_index(site: Site) -> str:
    """The hand-written pages grouped by kind."""
    page = KB_INDEX
    parts = [front_matter("Fiches et scripts"), "# Fiches et scripts\n",
             "Scripts d'objection, modèles d'e-mail, check-lists et playbooks de l'équipe, "
             "écrits dans `content/kb/`.\n"]
    groups: dict[Optional[str], list[KbPage]] = defaultdict(list)
    for p in site.project.kb:
        groups[p.meta.kind].append(p)
    for kind, title in KINDS.items():
        pages = sorted(groups.get(kind, []), key=lambda p: (slug(p.meta.title), p.path))
        if not pages:
            continue
        parts.append(f"## {title}\n")
        parts.append("\n".join(
            f"- {KIND_ICONS[kind]} {link(page, p.meta.title, kb_path(p))}"
            + (f" — {md(p.meta.description)}" if p.meta.description else "")
            + (" " + " ".join(f'<span class="dd-chip">{attr(t)}</span>' for t in p.meta.tags) if p.meta.tags else "")
            for p in pages) + "\n")
    if not site.project.kb:
        parts.append("Aucune fiche : ajoutez des pages Markdown dans `content/kb/`.\n")
    return "\n".join(parts)


# --- board and metrics -----------------------------------------------------------------------------

BOARD_PDFS = (("board/board.pdf", "Tableau A4 paysage"), ("board/banners.pdf", "Bannières de colonnes"),
              ("board/labels.pdf", "Étiquettes BLOQUÉ et micro-règles"), ("board/cards.pdf", "Cartes à imprimer"))


def board_card(site: Site, page: str, card: Card) -> str:
    """One card on the HTML board."""
    nxt = card.next_action
    late = bool(nxt and nxt.date and nxt.date < site.as_of)
    cls = f"dd-card dd-card--{card.class_}" + (" dd-card--blocked" if card.blocked else "")
    lines = [f'<a class="dd-card__id" href="{attr(rel(page, out_html(site.opp_pages[card.id])))}">{attr(card.id)}</a>',
             f'<span class="dd-card__account">{attr(card.account or "")}</span>']
    figures = " · ".join(x for x in (money(card.amount), f"{card.probability} %" if card.probability is not None else "") if x)
    if figures:
        lines.append(f'<span class="dd-card__figures">{attr(figures)}</span>')
    if nxt:
        lines.append(f'<span class="dd-card__next{" dd-late" if late else ""}">→ {attr(nxt.what)}'
                     f'{" · " + attr(short_date(nxt.date)) if nxt.date else ""}</span>')
    if card.owner:
        lines.append(f'<span class="dd-card__owner">{attr(card.owner.name)}</span>')
    if card.outcome:
        lines.append(f'<span class="dd-card__outcome dd-card__outcome--{card.outcome.result}">{OUTCOMES[card.outcome.result]}</span>')
    if card.blocked:
        lines.append(f'<span class="dd-blocked" title="{attr(card.blocked.cause)}">BLOQUÉE</span>')
    return f'<li class="{cls}">' + "".join(lines) + "</li>"


def board_html(site: Site, page: str) -> str:
    """The board as columns of cards (raw HTML, every value escaped)."""
    board = site.board
    if board is None:
        return "Pas de tableau.\n"
    wip = rules.wip((d.card for d in site.cards.values()), board)
    cols = []
    last = board.columns[-1].key
    for col in board.columns:
        cards = sorted((d.card for d in site.cards.values() if d.card.column == col.key and (d.card.active or col.key == last)),
                       key=lambda c: (c.outcome is not None, c.outcome.date.toordinal() * -1 if c.outcome else 0, c.id))
        if col.key == last:
            cards = cards[:12]
        over = col.wip_limit is not None and wip[col.key] > col.wip_limit
        limit = f" / {col.wip_limit}" if col.wip_limit else ""
        count = str(len(cards)) if col.key == last else f"{wip[col.key]}{limit}"
        head = (f'<div class="dd-col__head{" dd-col__head--over" if over else ""}">'
                f'<span>{attr(col.title)}</span><span class="dd-col__wip" title="'
                f'{"Dernières cartes closes" if col.key == last else "Cartes actives / limite WIP"}">{count}</span></div>')
        cols.append(f'<section class="dd-col">{head}<ul>' + "".join(board_card(site, page, c) for c in cards) + "</ul></section>")
    return '<div class="dd-board">' + "".join(cols) + "</div>\n"


def board_page(site: Site) -> str:
    """The HTML board, its rules and the printable PDFs when they were built."""
    page = BOARD
    board = site.board
    title = board.title if board else "Tableau"
    parts = [front_matter(f"Tableau Kanban — {title}", hide=["navigation", "toc"]), f"# {md(title)}\n"]
    period = f" · période du {short_date(board.period.start)} au {short_date(board.period.end)}" if board and board.period else ""
    parts.append(f'<p class="dd-meta">Au {long_date(site.as_of)}{period} · colonne en rouge : limite WIP dépassée.</p>\n')
    pdfs = [(p, t) for p, t in BOARD_PDFS if p in site.extras.files]
    if pdfs:
        parts.append('<p class="dd-buttons">' + " ".join(a(page, t, p, "md-button") for p, t in pdfs) + "</p>\n")
    parts.append(board_html(site, page))
    if board and board.pull_rules:
        parts.append("## Règles de tirage\n")
        parts.append(bullets(board.pull_rules))
    if board and board.classes:
        parts.append("## Classes de service\n")
        parts.append(table(("Classe", "Politique"), ([md(c.title), md(c.policy)] for c in board.classes)))
    if board and board.micro_rules:
        parts.append("## Micro-règles\n")
        parts.append(table(("Problème", "Règle", "Indicateur", "Cible", "Décision le"), (
            [md(r.problem), md(r.rule), md(r.indicator), md(r.target), short_date(r.decision_date)] for r in board.micro_rules)))
    return "\n".join(parts)


METRIC_TITLES = {"window": "Fenêtre d'observation", "history": "Historique disponible", "throughput": "Débit",
                 "cycle_time": "Temps de cycle", "conversion": "Conversion par colonne",
                 "time_in_column": "Temps par colonne", "card_age": "Âge des cartes", "weighted_pipeline": "Pipeline pondéré",
                 "no_next_action": "Cartes sans prochaine action", "negotiation_lights": "Feux de la négociation",
                 "wip": "Travail en cours (WIP)", "lost_reasons": "Raisons de perte", "forecast": "Prévision",
                 "littles_law": "Loi de Little", "stress_test": "Test de stress", "cfd": "Flux cumulé"}
FIELD_LABELS = {"mean": "moyenne", "std_dev": "écart-type", "total": "total", "count": "nombre", "share": "part",
                "target": "cible", "active": "actives", "median_days": "médiane (j)", "p85_days": "85e centile (j)",
                "mean_days": "moyenne (j)", "max_days": "maximum (j)", "idle_days": "seuil d'inactivité (j)",
                "idle_count": "cartes inactives", "horizon_weeks": "horizon (semaines)", "weeks": "semaines",
                "days": "jours", "wip": "WIP", "throughput_per_week": "débit / semaine", "median_cycle_days": "cycle médian (j)",
                "predicted_days": "cycle prévu (j)", "ratio": "ratio", "verdict": "verdict", "status": "statut",
                "wip_now": "WIP actuel", "threshold": "seuil", "alert": "alerte", "start": "début", "end": "fin"}
CHARTS = {"forecast": ("Prévision", "forecast"), "throughput": ("Débit", "throughput"),
          "cycle-time": ("Temps de cycle", "cycle_time"), "cfd": ("Flux cumulé", "cfd"),
          "funnel": ("Conversion", "conversion"), "ageing-wip": ("Âge des cartes", "card_age")}


def _scalar(value: Any) -> Optional[str]:
    """A short French rendering of a number, flag or word; None for anything else."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (int, float)):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
        return text.replace(",", " ").replace(".", ",")
    if isinstance(value, str) and len(value) <= 160:
        return value
    return None


def metrics_section(key: str, value: Any) -> str:
    """One metric of metrics.json: its definition and its headline figures."""
    out = [f"### {md(METRIC_TITLES.get(key, key.replace('_', ' ').capitalize()))}\n"]
    if isinstance(value, dict):
        if isinstance(value.get("definition"), str):
            out.append(f"{md(value['definition'])}\n")
        figures = [f"{md(FIELD_LABELS[k])} : **{md(s)}**" for k, v in value.items()
                   if k in FIELD_LABELS and (s := _scalar(v)) is not None]
        if figures:
            out.append(" · ".join(figures) + "\n")
    elif (s := _scalar(value)) is not None:
        out.append(md(s) + "\n")
    return "\n".join(out)


def metric_tiles(metrics: dict[str, Any]) -> str:
    """The headline figures (throughput, WIP, forecast, weighted pipeline) as a strip."""
    from .metrics import headline
    try:
        items = headline(metrics)["items"]
    except (KeyError, TypeError, ValueError):
        return ""
    return ('<div class="dd-figures">' + "".join(
        f'<div class="dd-figure"><span>{attr(i["label"])}</span><strong>{attr(i["text"])}</strong></div>'
        for i in items) + "</div>\n")


def metrics_page(site: Site) -> str:
    """Flow metrics from metrics/metrics.json and its charts, when the build made them."""
    page = METRICS
    metrics = site.extras.metrics
    parts = [front_matter("Indicateurs de flux"), "# Indicateurs de flux\n",
             f'<p class="dd-meta">Au {long_date(site.as_of)} · pipeline pondéré : '
             f"{attr(money(weighted_pipeline(site)) or '0 €')}</p>\n"]
    if isinstance(metrics, dict):
        parts.append(metric_tiles(metrics))
    buttons = [(f, t) for f, t in (("metrics/index.html", "Rapport complet à imprimer"),
                                   ("metrics/metrics.json", "Données (metrics.json)")) if f in site.extras.files]
    if buttons:
        parts.append('<p class="dd-buttons">' + " ".join(a(page, t, f, "md-button") for f, t in buttons) + "</p>\n")
    charts = sorted(f for f in site.extras.files if f.startswith("metrics/") and f.endswith(".svg"))
    order = list(CHARTS)
    charts.sort(key=lambda f: (order.index(posixpath.basename(f)[:-4]) if posixpath.basename(f)[:-4] in order else 99, f))
    for f in charts:
        stem = posixpath.basename(f)[:-4]
        title, key = CHARTS.get(stem, (stem.replace("-", " ").capitalize(), ""))
        section = metrics.get(key) if isinstance(metrics, dict) else None
        definition = section.get("definition") if isinstance(section, dict) else None
        parts.append(f"## {md(title)}\n")
        parts.append(f'<figure class="dd-chart"><img src="{attr(rel(page, f))}" alt="{attr(title)}">'
                     + (f"<figcaption>{attr(definition)}</figcaption>" if isinstance(definition, str) else "")
                     + "</figure>\n")
    if isinstance(metrics, dict):
        parts.append("## Définitions et chiffres\n")
        parts += [metrics_section(k, v) for k, v in metrics.items() if k not in ("as_of", "cfd")]
    if not charts and not isinstance(metrics, dict):
        parts.append('!!! info "Indicateurs non calculés"\n    Cette construction ne contient pas encore '
                     "`metrics/metrics.json`. Lancez `dealdocs metrics` pour les voir dans le terminal.\n")
    return "\n".join(parts)


# --- the whole site ------------------------------------------------------------------------------


def navigation(site: Site) -> list[Any]:
    """A small navigation: generated CRC and opportunity pages stay out of it (search and links reach them)."""
    kb: list[Any] = [KB_INDEX]
    groups: dict[Optional[str], list[KbPage]] = defaultdict(list)
    for p in site.project.kb:
        if kb_path(p) != KB_INDEX:  # a hand-written kb/index.md replaces the generated one
            groups[p.meta.kind].append(p)
    for kind, title in KINDS.items():
        pages = sorted(groups.get(kind, []), key=lambda p: (slug(p.meta.title), p.path))
        if pages:
            kb.append({title: [{title_text(p.meta.title): kb_path(p)} for p in pages]})
    return [{"Accueil": HOME}, {"Fiches et scripts": kb}, {"CRC exemplaires": EXEMPLARY_INDEX},
            {"Opportunités": OPPORTUNITY_INDEX}, {"Registre": REGISTER},
            {"Parcourir": [{"Par client": BY_CLIENT}, {"Par type": BY_TYPE}, {"Par mot-clé": BY_KEYWORD},
                           {"Par mois": BY_MONTH}]},
            {"Pilotage": [{"Tableau Kanban": BOARD}, {"Indicateurs": METRICS}]}]


@dataclass(frozen=True)
class SitePages:
    """The generated docs tree and its navigation."""

    pages: dict[str, str]
    nav: list[Any]


def site_pages(project: Project, as_of: date, extras: Extras = Extras(),
               index_rows: Optional[list[dict[str, Any]]] = None, contexts: Optional[Contexts] = None) -> SitePages:
    """Every knowledge-base page as Markdown, by docs path (contexts: `outputs.crc_contexts`, if already computed)."""
    site = build_site(project, as_of, extras, contexts)
    pages = {HOME: home_page(site), REGISTER: register_page(site), EXEMPLARY_INDEX: exemplary_index(site),
             OPPORTUNITY_INDEX: opportunity_index(site), KB_INDEX: kb_index(site),
             BY_CLIENT: by_client_page(site), BY_TYPE: by_type_page(site), BY_KEYWORD: by_keyword_page(site),
             BY_MONTH: by_month_page(site), BOARD: board_page(site), METRICS: metrics_page(site)}
    for e in site.entries:
        if e.page:
            pages[e.page] = exemplary_page(site, e)
    groups = site.by_key()
    for key in site.opp_pages:
        pages[site.opp_pages[key]] = opportunity_page(site, key, groups.get(key, []))
    for p in project.kb:
        pages[kb_path(p)] = kb_page(site, p)  # a hand-written kb/index.md wins over the generated one
    if index_rows is not None:
        pages[REGISTER_DATA] = register_data(index_rows)
    return SitePages(dict(sorted(pages.items())), navigation(site))
