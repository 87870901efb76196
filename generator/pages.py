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
from functools import cached_property, lru_cache, partial
from datetime import date
from operator import attrgetter
from typing import Any, Iterable, Optional, Sequence

from . import metric_text, rules
from .i18n import labels, long_date as _long_date, money, percent, pick, plural as plural_of, short_date, site_labels
from .models import Board, Card, CardDoc, CrcDoc, KbPage
from .naming import slug as _slug
from .cachefile import TextStore
from .outputs import ViewModels, base_name, card_digest
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

KINDS = ("objection", "email-script", "playbook", "checklist", None)  # in the site's order; titles: i18n kind_*
KIND_ICONS = {"objection": ":material-shield-check-outline:", "email-script": ":material-email-edit-outline:",
              "playbook": ":material-book-open-page-variant-outline:", "checklist": ":material-clipboard-check-outline:",
              None: ":material-file-document-outline:"}
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


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """naming.slug, memoised: keywords, clients and tags repeat across thousands of CRCs."""
    return _slug(text)


def md(value: object) -> str:
    """Record text as inline Markdown that renders literally (no HTML, no markup, one line)."""
    return _md(value if type(value) is str else str(value if value is not None else ""))


@lru_cache(maxsize=65536)
def _md(value: str) -> str:
    """md() of a string, memoised: labels, names and dates repeat across thousands of pages."""
    text = " ".join(value.split())
    text = _ACTIVE.sub(lambda m: _ENTITIES[m.group(0)], text)
    return _LEADING.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group(0)), text)


def attr(value: object) -> str:
    """Record text for raw HTML (element content or a quoted attribute)."""
    return _attr(str(value if value is not None else ""))


@lru_cache(maxsize=65536)
def _attr(value: str) -> str:
    """attr() of a string, memoised like _md."""
    return html.escape(" ".join(value.split()), quote=True)


def title_text(value: str) -> str:
    """A page title for the front matter: HTML-escaped, as themes insert it verbatim."""
    return html.escape(" ".join(value.split()), quote=True)


_YAML_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False) without a new encoder per call


def front_matter(title: Optional[str], **meta: Any) -> str:
    """YAML front matter, every text HTML-escaped (themes insert title, tags and description verbatim).

    JSON scalars are valid YAML, so no YAML quoting rule can be broken by a record. Without a title,
    the page's first heading names it (the home page: the browser tab then shows the site name once).
    """
    lines = ["---"] + ([f"title: {_YAML_JSON.encode(title_text(title))}"] if title is not None else [])
    for key, value in meta.items():
        if value:
            safe = [title_text(v) for v in value] if isinstance(value, list) else title_text(str(value))
            lines.append(f"{key}: {_YAML_JSON.encode(safe)}")
    return "\n".join(lines + ["---", "", ""])


def json_script(element_id: str, value: object) -> str:
    """A JSON data island that cannot close its <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def rel(from_page: str, target: str) -> str:
    """A relative link from a docs page to another docs path or output file (both relative to the root)."""
    base = _dir_parts(from_page)
    parts = _parts(target)
    common = 0
    for a_part, b_part in zip(base, parts):
        if a_part != b_part:
            break
        common += 1
    return "/".join([".."] * (len(base) - common) + list(parts[common:])) or "."


@lru_cache(maxsize=4096)
def _dir_parts(page: str) -> tuple[str, ...]:
    """The segments of a page's folder."""
    return _parts(posixpath.dirname(page))


@lru_cache(maxsize=None)
def _parts(path: str) -> tuple[str, ...]:
    """The segments of a normalised relative path (`.` has none)."""
    segments = path.split("/")
    if "" not in segments and "." not in segments and ".." not in segments:
        return tuple(segments)  # already normal: what normpath would give
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


def month_label(day: date, language: str = "fr") -> str:
    """`octobre 2025` / `October 2025`."""
    if language == "en":
        return f"{day:%B} {day.year}"
    return f"{MONTHS[day.month - 1]} {day.year}"


def kind_title(t: dict[str, str], kind: Optional[str]) -> str:
    """The title of a kind of hand-written page (`Objections`, `Autres fiches`)."""
    return t[f"kind_{kind or 'other'}"]


def label(t: dict[str, str], key: str, value: Optional[str]) -> str:
    """A card value (class, source, loss reason) in the site's language, the raw value if unknown."""
    return t.get(f"{key}_{value}", value or "")


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
    models: "ViewModels" = field(repr=False, compare=False)
    key: str
    opp_page: str
    page: Optional[str]

    @property
    def ctx(self) -> dict[str, Any]:
        """The version's view model (made when first used)."""
        return self.models.context(self.doc.name)

    @property
    def html(self) -> str:
        return f"crc/{self.doc.name}.html"

    @property
    def docx(self) -> str:
        return f"crc/{self.doc.name}.docx"

    @property
    def score(self) -> int:
        return self.models.score(self.doc.name)

    @cached_property
    def order(self) -> tuple[date, tuple[int, int], str]:
        """Meeting date, version, name: what orders versions (newest_first), computed once."""
        return self.doc.crc.date, self.doc.crc.major_minor, self.doc.name


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

    @cached_property
    def language(self) -> str:
        return self.project.settings.language

    @cached_property
    def lab(self) -> dict[str, str]:
        """The documents' labels (i18n.LABELS)."""
        return labels(self.language)

    @cached_property
    def t(self) -> dict[str, str]:
        """The site's labels (i18n.SITE_LABELS)."""
        return site_labels(self.language)

    @property
    def colon(self) -> str:
        """What goes between a label and its colon: " :" in French, ":" in English."""
        return self.lab["colon"]

    def date(self, value: Optional[date]) -> str:
        """`19/09/2025` / `2025-09-19`."""
        return short_date(value, self.language)

    def long(self, value: Optional[date]) -> str:
        """`19 septembre 2025` / `19 September 2025`."""
        return long_date(value, self.language)

    def money(self, amount: Optional[float]) -> str:
        """`28 000 €` / `€28,000`."""
        return money(amount, self.language)

    def when(self, day: Optional[date], time: Optional[str] = None) -> str:
        """`27 octobre 2025 à 11:00`, `27 octobre 2025 de 11:00 à 11:30` / `27 October 2025, 11:00–11:30`."""
        text = self.long(day)
        if not time:
            return text
        start, _, end = time.partition("-")
        if not text:
            return time
        return (self.t["time_range"].format(date=text, start=start, end=end) if end
                else self.t["at_time"].format(date=text, time=start))

    def class_title(self, key: str) -> str:
        """A class of service as the board names it (content/board.yaml, else the printed board's default)."""
        from .render.board import class_titles
        return class_titles(self.board).get(key, key) if self.board else label(self.t, "class", key)

    def count(self, n: int, forms: str) -> str:
        """`1 fiche`, `3 fiches` from the site label `forms` ("one|many"), by the language's plural rule."""
        return plural_of(n, self.t[forms], self.language)

    def pick(self, key: str, n: float) -> str:
        """The singular or plural form of the site label `key` ("one|many") for n."""
        return pick(self.t[key], n, self.language)

    @property
    def board(self) -> Optional[Board]:
        return self.project.board

    def column_title(self, key: str) -> str:
        col = self.board.column(key) if self.board else None
        return col.title if col else key

    @cached_property
    def related_order(self) -> tuple[list[Entry], dict[int, int]]:
        """The current versions, exemplary first then newest (name as the tie-break), and each one's rank."""
        order = sorted(self.current, key=lambda e: (e.page is None, -e.doc.crc.date.toordinal(), e.doc.name))
        return order, {id(e): i for i, e in enumerate(order)}

    @cached_property
    def by_key(self) -> dict[str, list[Entry]]:
        """The versions of each opportunity, in name order."""
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


def build_site(project: Project, as_of: date, extras: Extras, models: Optional[ViewModels] = None) -> Site:
    """The shared model: every CRC with its view models (given, or made), pages of every opportunity."""
    models = ViewModels(project) if models is None else models
    cards = models.cards
    keys = [rules.opportunity_key(d.crc) for d in models.docs]
    opp_pages = _opportunity_pages(keys + list(cards))
    entries = []
    by_name: dict[str, Entry] = {}
    for doc, key in zip(models.docs, keys):
        page = f"exemplaires/{doc.name}.md" if doc.crc.exemplary else None
        entries.append(Entry(doc, models, key, opp_pages[key], page))
        by_name[doc.name] = entries[-1]
    chains = {k: [by_name[d.name] for d in chain] for k, chain in models.chains.items()}
    site = Site(project, as_of, extras, entries, chains, opp_pages, cards)
    site.latest = {k: by_name[d.name] for k, d in models.latest_by_key.items()}
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
    return sorted(entries, key=_order, reverse=True)


_order = attrgetter("order")


def latest_versions(site: Site) -> list[Entry]:
    """The current version of every CRC (older versions are superseded)."""
    return site.current


def crc_label(e: Entry) -> str:
    """`Négociation — ACME SAS — 21 octobre 2025`."""
    return f"{e.ctx['subject']} — {e.ctx['date']}"


def register_link(t: dict[str, str], page: str, **params: str) -> str:
    """A raw link to the register pre-filtered by URL parameters."""
    from urllib.parse import urlencode
    query = "?" + urlencode(params) if params else ""
    return a(page, t["see_register"], out_html(REGISTER), "dd-more", query=query)


def headers(t: dict[str, str], *keys: str) -> tuple[str, ...]:
    """Table headers from site label keys."""
    return tuple(t[k] for k in keys)


# --- CRC rows shared by the lists -----------------------------------------------


def crc_row(site: Site, page: str, e: Entry) -> list[str]:
    """Date, CRC (document), client, opportunity, type, version, status, score."""
    crc = e.doc.crc
    opp = opp_link(page, crc.opportunity or crc.client, e.opp_page)
    name = link(page, e.doc.name, e.page) if e.page else a(page, e.doc.name, e.html)
    return [site.date(crc.date), name, md(crc.client), opp, md(e.ctx["type_label"]),
            md(crc.version), md(e.ctx["status_label"]), score_badge(e.score)]


CRC_HEADERS = ("h_date", "h_crc", "h_client", "h_opportunity", "h_type", "h_version", "h_status", "h_score")


def crc_table(site: Site, page: str, entries: Sequence[Entry], limit: int = LIST_LIMIT, **filters: str) -> str:
    """The newest CRC versions as a table, with a link to the register for the rest."""
    rows = newest_first(entries)
    out = table(headers(site.t, *CRC_HEADERS), (crc_row(site, page, e) for e in rows[:limit]))
    if len(rows) > limit:
        more = site.pick("more_versions", len(rows) - limit).format(n=len(rows) - limit)
        out += f"\n{more}{site.colon} {register_link(site.t, page, **filters)}\n"
    return out


def downloads(t: dict[str, str], page: str, e: Entry) -> str:
    """Buttons to the Word document and the standalone HTML of a version."""
    return (a(page, t["word"], e.docx, "md-button md-button--primary", download=True) + " "
            + a(page, t["printable_html"], e.html, "md-button"))


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
                "owner": card.owner.name if card.owner else "", "source": site.t["card_source"]})
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
    t = site.t
    tiles = [
        tile(":material-table-search:", t["register"], REGISTER,
             t["tile_register"].format(versions=site.count(len(site.entries), "version_forms"))),
        tile(":material-view-column-outline:", t["board"], BOARD, t["tile_board"]),
        tile(":material-chart-line:", t["metrics"], METRICS, t["tile_metrics"]),
        tile(":material-bookshelf:", t["kb"], KB_INDEX,
             t["tile_kb"].format(pages=site.count(len(site.project.kb), "page_forms"))),
        tile(":material-briefcase-outline:", t["opportunities"], OPPORTUNITY_INDEX,
             t["tile_opportunities"].format(opportunities=site.count(len(site.opp_pages), "opportunity_forms"))),
        tile(":material-folder-search-outline:", t["browse"], BY_CLIENT, t["tile_browse"]),
    ]
    return '<div class="grid cards" markdown>\n\n' + "\n".join(tiles) + "\n</div>\n"


def exemplary_cards(t: dict[str, str], page: str, entries: Sequence[Entry]) -> str:
    """Exemplary CRCs as grid cards."""
    if not entries:
        return t["no_exemplary_yet"] + "\n"
    items = []
    for e in entries:
        kw = ", ".join(md(k) for k in e.doc.crc.keywords)
        items.append(f"-   :material-star-outline: **{link(page, e.ctx['subject'], e.page or e.opp_page)}**\n\n"
                     f"    {md(e.doc.crc.client)} · {md(e.ctx['type_label'])} · {md(e.ctx['date'])} · "
                     f"{score_badge(e.score)}\n\n    {kw}\n")
    return '<div class="grid cards dd-exemplary" markdown>\n\n' + "\n".join(items) + "\n</div>\n"


def home_attention(site: Site, page: str) -> str:
    """What needs attention: overdue next steps, blocked cards, low scores."""
    t = site.t
    out = [f"## {t['attention']} {{#a-traiter}}\n"]
    overdue = overdue_steps(site)
    out.append(f"### {t['overdue_steps'].format(n=len(overdue))} {{#en-retard}}\n")
    if overdue:
        late = t["days_short"]
        out.append(table(headers(t, "h_opportunity", "h_client", "h_action", "h_due_on", "h_late", "h_owner"), (
            [opp_link(page, i["key"], site.opp_pages[i["key"]]), md(i["client"]), md(i["what"]),
             site.date(i["date"]), f'<span class="dd-late">{late.format(n=(site.as_of - i["date"]).days)}</span>',
             md(i["owner"])] for i in overdue[:LIST_LIMIT])))
    else:
        out.append(f"{t['no_overdue']} :material-check:\n")
    blocked = blocked_cards(site)
    out.append(f"\n### {t['blocked_cards'].format(n=len(blocked))} {{#bloquees}}\n")
    if blocked:
        out.append(table(headers(t, "h_opportunity", "h_account", "h_column", "h_blocked_since", "h_cause", "h_unblock",
                                 "h_owner"), (
            [opp_link(page, c.id, site.opp_pages[c.id]), md(c.account), md(site.column_title(c.column)),
             t["days_short"].format(n=(site.as_of - c.blocked.since).days), md(c.blocked.cause), md(c.blocked.next),
             md(c.blocked.owner)] for c in blocked if c.blocked)))
    else:
        out.append(t["no_blocked"] + "\n")
    low = low_scores(site)
    out.append(f"\n### {t['low_scores'].format(low=LOW_SCORE, n=len(low))} {{#scores-bas}}\n")
    if low:
        out.append(table(headers(t, "h_crc", "h_client", "h_date", "h_score", "h_improve"), (
            [a(page, e.doc.name, e.html), md(e.doc.crc.client), site.date(e.doc.crc.date), score_badge(e.score),
             md(e.ctx["score"]["missing"][0] if e.ctx["score"]["missing"] else "")] for e in low[:LIST_LIMIT])))
        if len(low) > LIST_LIMIT:
            out.append(f"\n{register_link(t, page, score='lt8')}\n")
    else:
        out.append(t["all_above"].format(low=LOW_SCORE) + "\n")
    return "\n".join(out)


def home_page(site: Site) -> str:
    """The knowledge-base home."""
    page, proj, t = HOME, site.project, site.t
    active = sum(c.card.active for c in site.cards.values())
    exemplary = newest_first(e for e in site.entries if e.page)
    lead = t["lead"].format(date=site.long(site.as_of), versions=site.count(len(site.entries), "crc_version_forms"),
                            active=site.count(active, "active_forms"),
                            pipeline=attr(site.money(weighted_pipeline(site)) or site.money(0)))
    parts = [front_matter(None, hide=["navigation", "toc"]),
             f"# {md(proj.settings.site_name)}\n",
             f'<p class="dd-lead">{lead}</p>\n',
             home_tiles(site),
             f"## {t['exemplary']} {{#exemplaires}}\n",
             t["exemplary_intro"] + "\n",
             exemplary_cards(t, page, exemplary[:6]),
             link(page, t["all_exemplary"].format(n=len(exemplary)), EXEMPLARY_INDEX) + "\n",
             home_attention(site, page),
             f"\n## {t['browse']} {{#parcourir}}\n",
             " · ".join([link(page, t["by_client_link"], BY_CLIENT), link(page, t["by_type_link"], BY_TYPE),
                         link(page, t["by_keyword_link"], BY_KEYWORD), link(page, t["by_month_link"], BY_MONTH),
                         link(page, t["all_opportunities"], OPPORTUNITY_INDEX)]) + "\n"]
    return "\n".join(parts)


# --- exemplary CRC pages -----------------------------------------------------------


def people_list(ctx: dict[str, Any]) -> str:
    """Participants by role group."""
    lab = ctx["L"]
    rows = []
    for key in ("decision_makers", "sponsors", "operational", "vendor"):
        people = ctx[key]
        if people:
            rows.append(f"- **{lab[key]}**{lab['colon']} " + ", ".join(md(p["label"]) for p in people))
    return "\n".join(rows) + "\n" if rows else "—\n"


def bullets(items: Sequence[str]) -> str:
    """A bullet list of record texts."""
    return "\n".join(f"- {md(i)}" for i in items) + "\n" if items else "—\n"


def exemplary_page(site: Site, e: Entry) -> str:
    """A full knowledge-base page for an exemplary CRC."""
    page, ctx, lab, t, colon = e.page or "", e.ctx, site.lab, site.t, site.colon
    crc = e.doc.crc
    sc = ctx["score"]
    step = ctx["next_step"]
    parts = [front_matter(f"{ctx['subject']} ({e.doc.name})", tags=list(crc.keywords),
                          description=ctx["objective"]),
             f"# {md(ctx['subject'])}\n",
             f'<p class="dd-meta">{attr(crc.client)} · {attr(ctx["type_label"])} · {attr(ctx["date"])} · '
             f'{lab["version"].lower()} {attr(crc.version)} · {attr(ctx["status_label"])} · {score_badge(sc["total"])}</p>\n',
             f"**{lab['objective']}**{colon} {md(ctx['objective']) or '—'}\n",
             f"<p>{downloads(t, page, e)}</p>\n",
             f"{lab['opportunity']}{colon} {link(page, crc.opportunity or crc.client, e.opp_page)} · "
             f"{lab['document']}{colon} `{e.doc.name}`\n",
             f'!!! {"success" if sc["ok"] else "warning"} "{t["score_title"].format(total=sc["total"], target=sc["target"])}"\n'
             + "".join(f"    - {md(m)}\n" for m in sc["missing"]) + ("" if sc["missing"] else f"    {t['all_criteria']}\n"),
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
             table((t["h_type"], t["h_milestone"], lab["date"]),
                   ([md(m["kind_label"]), md(m["text"]), md(m["date"])] for m in ctx["milestones"]))
             if ctx["milestones"] else "—\n",
             f"## {lab['attachments']}\n",
             "\n".join(f"- {md(x['title'])}" + (f" — `{md(x['ref'])}`" if x["ref"] else "") for x in ctx["attachments"]) + "\n"
             if ctx["attachments"] else "—\n",
             f"## {lab['crm']}\n",
             table((lab["stage"], lab["probability"], lab["amount"], lab["close_date"]),
                   [[md(site.column_title(ctx["crm"]["stage"])), md(ctx["crm"]["probability"]), md(ctx["crm"]["amount"]),
                     md(ctx["crm"]["close_date"])]]) if ctx["crm"] else "—\n",
             f"## {lab['validation']}\n", md(ctx["validation_text"]) + "\n",
             f"## {lab['score']}\n",
             table((t["h_criterion"], t["h_points"]), ([md(i["label"]), f"{i['points']}/{i['max']}"] for i in sc["items"]))]
    return "\n".join(parts)


def exemplary_index(site: Site) -> str:
    """Every exemplary CRC."""
    page, t = EXEMPLARY_INDEX, site.t
    entries = newest_first(e for e in site.entries if e.page)
    rows = ([link(page, e.ctx["subject"], e.page or ""), md(e.doc.crc.client), md(e.ctx["type_label"]),
             site.date(e.doc.crc.date), score_badge(e.score), ", ".join(md(k) for k in e.doc.crc.keywords)]
            for e in entries)
    return (front_matter(t["exemplary"]) + f"# {t['exemplary']}\n\n{t['exemplary_lead']}\n\n"
            + (table(headers(t, "h_crc", "h_client", "h_type", "h_date", "h_score", "h_keywords"), rows) if entries
               else t["no_exemplary"] + "\n"))


# --- opportunity pages ---------------------------------------------------------------


def card_table(site: Site, page: str, card: Card) -> str:
    """The card's fields."""
    lab, t, colon = site.lab, site.t, site.colon
    nxt = card.next_action
    since = rules.entered(card, card.column)
    column = md(site.column_title(card.column))
    if since and card.active:
        column += f" ({t['since_days'].format(n=(site.as_of - since).days)})"
    rows = [[t["h_column"], column],
            [lab["amount"], md(site.money(card.amount))],
            [lab["probability"], percent(card.probability, site.language)],
            [t["next_action"], md(" — ".join(x for x in (nxt.what, site.when(nxt.date, nxt.time)) if x)) if nxt else
             (f'<span class="dd-late">{t["none_action"]}</span>' if card.active else "")],
            [t["h_owner"], md(f"{card.owner.name} ({card.owner.role})" if card.owner and card.owner.role else
                              card.owner.name if card.owner else "")],
            [t["h_contact"], md(card.contact)],
            [lab["close_date"], site.long(card.close_date)],
            [t["class_of_service"], md(site.class_title(card.class_))],
            [t["h_source"], md(label(t, "source", card.source))],
            [t["h_objections"], ", ".join(md(o) for o in card.objections)],
            [t["h_notes"], md(card.notes)]]
    if card.blocked:
        b = card.blocked
        rows.insert(1, [t["blocked_row"], f'<span class="dd-blocked">{t["blocked_chip"]}</span> '
                        f"{t['blocked_since'].format(date=site.long(b.since))}{colon} "
                        f"{md(b.cause)}" + (f" — {t['unblock']}{colon} {md(b.next)}" if b.next else "")
                        + (f" ({md(b.owner)})" if b.owner else "")])
    if card.outcome:
        o = card.outcome
        reason = " " + md(f"({label(t, 'reason', o.reason)})") if o.reason else ""
        rows.insert(1, [t["outcome"], t["outcome_on"].format(outcome=t[o.result], date=site.long(o.date)) + reason])
    out = table((t["h_card"], md(card.id)), rows)
    if card.history:
        out += f"\n**{t['path']}**{colon} " + " → ".join(
            f"{md(site.column_title(h.column))} ({site.long(h.date)})" for h in card.history) + "\n"
    return out


def key_figures(site: Site, card: Card) -> str:
    """Where the card stands (column and state, or outcome), amount, probability and weighted amount: one row."""
    t = site.t
    if card.outcome:
        reason = f" · {label(t, 'reason', card.outcome.reason)}" if card.outcome.reason else ""
        first = (t["outcome"], t[card.outcome.result], site.long(card.outcome.date) + reason)
    else:
        since = card.blocked.since if card.blocked else rules.entered(card, card.column)
        state = t["state_blocked" if card.blocked else "state_active"]
        days = t["since_days"].format(n=(site.as_of - since).days) if since else ""
        first = (t["h_column"], site.column_title(card.column), " ".join(x for x in (state, days) if x))
    cells = [first, (t["h_amount"], site.money(card.amount) or "—", ""),
             (t["h_probability"], percent(card.probability, site.language) or "—", ""),
             (t["h_weighted"], site.money((card.amount or 0) * (card.probability or 0) / 100) if card.amount else "—", "")]
    blocked = " dd-figure--blocked" if card.blocked and card.active else ""
    return ('<div class="dd-figures">' + "".join(
        f'<div class="dd-figure{blocked if i == 0 else ""}"><span>{attr(k)}</span><strong>{attr(v)}</strong>'
        + (f"<small>{html.escape(sub)}</small>" if sub else "") + "</div>" for i, (k, v, sub) in enumerate(cells))
        + "</div>\n")


def next_step_block(site: Site, key: str) -> str:
    """The latest CRC's next step, titled by its date (the section is already "Prochaine étape"), flagged when
    overdue."""
    t = site.t
    e = site.latest.get(key)
    step = e.doc.crc.next_step if e else None
    if not e or not step:
        return t["no_step"] + "\n"
    late = step.date is not None and step.date < site.as_of
    kind = "danger" if late else "info"
    when = site.when(step.date, step.time)
    title = t["late_title"].format(when=when) if late else (when or t["no_date_title"])
    owners = " / ".join(x for x in (step.owner_client, step.owner_vendor) if x)
    body = [f"**{md(step.action or '—')}**" + (f" · {t['owners']}{site.colon} {md(owners)}" if owners else "")]
    if late and step.date:
        body.append(site.pick("late_by", (site.as_of - step.date).days).format(n=(site.as_of - step.date).days))
    body.append(t["according_to"].format(name=md(e.doc.name)))
    return f'!!! {kind} "{md(title)}"\n' + "".join(f"    {line}\n\n" for line in body)


def version_table(t: dict[str, str], page: str, chain: Sequence[Entry]) -> str:
    """Every version of a CRC with its documents."""
    rows = []
    for e in reversed(chain):
        ctx = e.ctx
        docs = a(page, t["html"], e.html) + " · " + a(page, t["word_short"], e.docx, download=True)
        if e.page:
            docs += " · " + link(page, t["exemplary_sheet"], e.page)
        rows.append([f"v{md(e.doc.crc.version)}", md(ctx["sent_on"]) or t["not_sent"], md(ctx["status_label"]),
                     score_badge(e.score), docs, md(ctx["amendment_reason"])])
    return table(headers(t, "h_version", "h_sent_on", "h_status", "h_score", "h_documents", "h_amendment"), rows)


def crc_section(site: Site, page: str, chain: Sequence[Entry]) -> str:
    """One CRC (all its versions) on an opportunity page."""
    cur = chain[-1]
    ctx, lab, t, colon = cur.ctx, site.lab, site.t, site.colon
    step = cur.doc.crc.next_step
    anchor = slug(base_name(cur.doc.name))
    heading = t["crc_heading"].format(type=md(ctx["type_label"]), date=md(ctx["date"]))
    parts = [f"### {heading} {{#{anchor}}}\n",
             f"{md(ctx['subject'])}" + (f" — :material-star: {t['exemplary_mark']}" if any(e.page for e in chain) else "")
             + "\n",
             f"- **{lab['objective']}**{colon} {md(ctx['objective']) or '—'}",
             f"- **{lab['keywords']}**{colon} {', '.join(md(k) for k in cur.doc.crc.keywords) or '—'}",
             f"- **{lab['decisions']}**{colon}" + ("".join(f"\n    - {md(d)}" for d in ctx["decisions"]) or " —"),
             f"- **{lab['next_step']}**{colon} " + (md(f"{step.action or '—'} — {site.when(step.date, step.time)}")
                                                   if step else "—") + "\n",
             version_table(t, page, chain)]
    return "\n".join(parts)


def opportunity_page(site: Site, key: str, entries: Sequence[Entry]) -> str:
    """One opportunity: its card, next step and every CRC version."""
    page, t = site.opp_pages[key], site.t
    card = site.cards.get(key)
    client = entries[0].doc.crc.client if entries else (card.card.account if card else "") or ""
    name = key.removeprefix("client:")
    title = f"{name} · {client}" if not key.startswith("client:") and client else name
    tags = sorted({k for e in entries for k in e.doc.crc.keywords} | set(card.card.objections if card else []))
    parts = [front_matter(title, description=t["opportunity_description"].format(name=name)),
             f"# {md(title)}\n"]
    chips = [f'<span class="dd-chip">{attr(tag)}</span>' for tag in tags]
    if chips:
        parts.append('<p class="dd-chips">' + " ".join(chips) + "</p>\n")
    if card:
        parts.append(key_figures(site, card.card))
    parts.append(f"## {site.lab['next_step']}\n")
    parts.append(next_step_block(site, key))
    parts.append(f"## {t['kanban_card']}\n")
    parts.append(card_table(site, page, card.card) if card else t["no_card"] + "\n")
    chains: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        chains[base_name(e.doc.name)].append(e)
    parts.append("## " + t["crcs"].format(reports=site.count(len(chains), "report_forms"),
                                          versions=site.count(len(entries), "version_forms")) + "\n")
    ordered = sorted(chains.values(), key=lambda ch: (ch[-1].doc.crc.date, ch[-1].doc.name), reverse=True)
    for chain in ordered:
        parts.append(crc_section(site, page, sorted(chain, key=lambda e: e.order[1])))
    if not chains:
        parts.append(t["no_crc_here"] + "\n")
    return "\n".join(parts)


def opportunity_index(site: Site) -> str:
    """Every opportunity, by board column."""
    page, t = OPPORTUNITY_INDEX, site.t
    groups = site.by_key
    parts = [front_matter(t["opportunities"]), f"# {t['opportunities']}\n"]
    order = [c.key for c in site.board.columns] if site.board else []
    by_column: dict[str, list[str]] = defaultdict(list)
    for key in site.opp_pages:
        card = site.cards.get(key)
        by_column[card.card.column if card else ""].append(key)
    for col in order + sorted(k for k in by_column if k not in order):
        keys = by_column.get(col)
        if not keys:
            continue
        parts.append(f"## {md(site.column_title(col)) if col else t['without_card']} ({len(keys)})\n")
        rows = []
        for key in sorted(keys):
            card = site.cards[key].card if key in site.cards else None
            nxt = card.next_action if card else None
            state = (f'<span class="dd-blocked">{t["blocked_chip"]}</span>' if card and card.blocked and card.active else
                     md(t[card.outcome.result]) if card and card.outcome else "")
            rows.append([opp_link(page, key, site.opp_pages[key]),
                         md(card.account if card else groups[key][0].doc.crc.client),
                         md(site.money(card.amount)) if card else "",
                         percent(card.probability, site.language) if card else "",
                         md(f"{nxt.what} ({site.date(nxt.date)})" if nxt and nxt.date else nxt.what if nxt else ""),
                         md(card.owner.name if card and card.owner else ""), state, str(len(groups.get(key, [])))])
        parts.append(table(headers(t, "h_opportunity", "h_account", "h_amount", "h_probability_short", "next_action",
                                   "h_owner", "h_state", "h_crc_count"), rows))
    return "\n".join(parts)


# --- indexes -----------------------------------------------------------------------------


def by_client_page(site: Site) -> str:
    """Clients, their opportunities and CRCs."""
    page, t = BY_CLIENT, site.t
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
        last = max(entries, key=_order) if entries else None
        rows.append([f"**{md(client)}**", ", ".join(link(page, k.removeprefix("client:"), site.opp_pages[k]) for k in keys),
                     str(len(entries)), a(page, f"{site.date(last.doc.crc.date)} · {last.doc.name}", last.html) if last else "",
                     register_link(t, page, q=client) if entries else ""])
    return (front_matter(t["by_client"]) + f"# {t['by_client']}\n\n"
            + table(headers(t, "h_client", "h_opportunities", "h_crc_versions", "h_last_crc", "h_register"), rows))


def by_type_page(site: Site) -> str:
    """CRCs by meeting type."""
    page, t, colon = BY_TYPE, site.t, site.colon
    parts = [front_matter(t["by_type"]), f"# {t['by_type']}\n"]
    by_type: dict[str, list[Entry]] = defaultdict(list)
    for e in site.entries:
        by_type[e.doc.crc.type].append(e)
    for kind in ("discovery", "demo", "negotiation", "qbr"):
        entries = by_type.get(kind, [])
        parts.append(f"## {site.lab[kind]} ({len(entries)}) {{#{kind}}}\n")
        if not entries:
            parts.append(t["none_of_type"] + "\n")
            continue
        avg = f"{sum(e.score for e in entries) / len(entries):.1f}"
        exemplary = newest_first(e for e in entries if e.page)
        parts.append(f"{t['average_score']}{colon} {avg if site.language == 'en' else avg.replace('.', ',')}/10. "
                     + ((f"{t['exemplary_list']}{colon} "
                         + ", ".join(link(page, e.ctx["subject"], e.page or "") for e in exemplary) + ".")
                        if exemplary else "") + "\n")
        parts.append(crc_table(site, page, entries, type=kind))
    return "\n".join(parts)


def keyword_counts(site: Site) -> list[tuple[str, int]]:
    """Keywords of CRC versions with their counts, most used first."""
    counts = Counter(k for e in site.entries for k in dict.fromkeys(e.doc.crc.keywords))
    return sorted(counts.items(), key=lambda kv: (-kv[1], slug(kv[0]), kv[0]))


def by_keyword_page(site: Site) -> str:
    """Keywords: pages tagged with them (tags listing) and CRC counts."""
    page, t = BY_KEYWORD, site.t
    kb_by_tag: dict[str, list[KbPage]] = defaultdict(list)
    for p in site.project.kb:
        for tag in p.meta.tags:
            kb_by_tag[tag].append(p)
    rows = []
    for kw, n in keyword_counts(site):
        pages = ", ".join(link(page, p.meta.title, kb_path(p)) for p in kb_by_tag.get(kw, []))
        rows.append([f'<span class="dd-chip">{attr(kw)}</span>', str(n), pages, register_link(t, page, kw=kw)])
    return (front_matter(t["keywords"]) + f"# {t['keywords']}\n\n## {t['crc_keywords']}\n\n"
            + (table(headers(t, "h_keyword", "h_crc_versions", "h_kb_pages", "h_register"), rows) if rows
               else t["no_keyword"] + "\n")
            + f"\n## {t['pages_by_tag']}\n\n{t['pages_by_tag_lead']}\n\n<!-- material/tags -->\n")


def by_month_page(site: Site) -> str:
    """CRCs by meeting month, newest month first."""
    page = BY_MONTH
    months: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for e in site.entries:
        months[(e.doc.crc.date.year, e.doc.crc.date.month)].append(e)
    t = site.t
    parts = [front_matter(t["by_month"]), f"# {t['by_month']}\n"]
    for (y, m) in sorted(months, reverse=True):
        entries = months[(y, m)]
        name = month_label(date(y, m, 1), site.language)
        parts.append(f"## {name.capitalize()} ({len(entries)}) {{#m{y}-{m:02d}}}\n")
        parts.append(crc_table(site, page, entries, month=f"{y}-{m:02d}"))
    if not months:
        parts.append(t["no_crc"] + "\n")
    return "\n".join(parts)


# --- register ------------------------------------------------------------------------------


def register_page(site: Site) -> str:
    """The filterable register of every CRC version (data: crc/index.json)."""
    page, t = REGISTER, site.t
    months = sorted({day.strftime("%Y-%m") for day in {e.doc.crc.date for e in site.entries}}, reverse=True)
    types = [(k, site.lab[k]) for k in ("discovery", "demo", "negotiation", "qbr")]
    statuses = [(s, site.lab[s]) for s in ("draft", "sent", "validated", "corrected")]
    keywords = sorted({k for e in site.entries for k in e.doc.crc.keywords}, key=lambda k: (slug(k), k))

    def select(ident: str, label: str, options: Iterable[tuple[str, str]]) -> str:
        opts = "".join(f'<option value="{attr(v)}">{attr(text)}</option>' for v, text in options)
        return (f'<label class="dd-field"><span>{label}</span><select id="dd-{ident}" name="{ident}">'
                f'<option value="">{t["all"]}</option>{opts}</select></label>')

    def sort(key: str, header: str) -> str:
        return f'<th><button type="button" data-sort="{key}">{t[header]}</button></th>'

    month_opts = [(m, month_label(date(int(m[:4]), int(m[5:]), 1), site.language)) for m in months]
    opp_map = {key: out_html(p) for key, p in site.opp_pages.items()}
    exemplary = {e.doc.name: out_html(e.page) for e in site.entries if e.page}
    labels_map: dict[str, Any] = {"type": dict(types), "status": dict(statuses)}
    if site.language != "fr":  # the script's messages; French ones are its defaults (the French page is unchanged)
        labels_map["text"] = {k[3:]: v for k, v in t.items() if k.startswith("js_")}
    html_block = (
        f'<div class="dd-register" id="dd-register" data-base="{attr(rel(page, "."))}/" data-data="{attr(REGISTER_DATA)}">\n'
        '<form class="dd-register__filters" id="dd-filters" role="search">'
        f'<label class="dd-field dd-field--grow"><span>{t["search"]}</span>'
        '<input type="search" id="dd-q" name="q" autocomplete="off" '
        f'placeholder="{attr(t["search_placeholder"])}"></label>'
        + select("type", t["h_type"], types) + select("status", t["h_status"], statuses)
        + select("month", t["month"], month_opts) + select("kw", t["h_keyword"], ((k, k) for k in keywords))
        + select("score", t["h_score"], [("lt8", t["under_target"]), ("ge8", t["at_target"])])
        + '</form>\n'
        f'<p class="dd-register__count" id="dd-count" aria-live="polite">{t["loading"]}</p>\n'
        '<div class="dd-register__scroll"><table class="dd-register__table"><thead><tr>'
        + sort("date", "h_date") + sort("name", "h_crc") + sort("client", "h_client")
        + sort("opportunity", "h_opportunity") + sort("type", "h_type") + sort("status", "h_status")
        + sort("score", "h_score")
        + f'<th>{t["h_keywords"]}</th><th>{t["word_short"]}</th></tr></thead>'
        '<tbody id="dd-rows"></tbody></table></div>\n'
        f'<nav class="dd-pager" id="dd-pager" aria-label="{attr(t["register_pages"])}"></nav>\n'
        f'<noscript><p>{t["noscript"]} '
        f'<a href="{attr(rel(page, "crc/index.json"))}">crc/index.json</a>.</p></noscript>\n'
        '</div>\n')
    return (front_matter(t["register"], hide=["navigation", "toc"]) + f"# {t['register']}\n\n"
            + t["register_lead"] + "\n\n"
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
    order, rank = site.related_order
    found = {rank[id(e)] for t in dict.fromkeys(slug(t) for t in page.meta.tags) for e in site.by_tag.get(t, [])}
    return [order[i] for i in sorted(found)]


def kb_page(site: Site, page: KbPage) -> str:
    """A hand-written page, its front matter normalised, with the CRCs sharing its tags."""
    path = kb_path(page)
    meta = page.meta
    tags = list(meta.tags)
    body = page.body if re.search(r"^# ", page.body, re.M) else f"# {md(meta.title)}\n\n{page.body}"
    out = front_matter(meta.title, tags=tags, description=meta.description or "", kind=meta.kind or "") + body
    related = related_crcs(site, page)
    if related:
        t = site.t
        rows = ([link(path, e.ctx["subject"], e.page) if e.page else a(path, e.ctx["subject"], e.html),
                 md(e.doc.crc.client), site.date(e.doc.crc.date), ", ".join(md(k) for k in e.doc.crc.keywords),
                 (":material-star: " if e.page else "") + score_badge(e.score)] for e in related[:LIST_LIMIT])
        out = (out.rstrip() + f"\n\n## {t['in_our_crcs']} {{#dans-nos-crc}}\n\n"
               + t["in_our_crcs_lead"].format(n=len(related)) + "\n\n"
               + table(headers(t, "h_crc", "h_client", "h_date", "h_keywords", "h_score"), rows))
    return out


def kb_index(site: Site) -> str:
    """The hand-written pages grouped by kind."""
    page, t = KB_INDEX, site.t
    parts = [front_matter(t["kb"]), f"# {t['kb']}\n", t["kb_lead"] + "\n"]
    groups: dict[Optional[str], list[KbPage]] = defaultdict(list)
    for p in site.project.kb:
        groups[p.meta.kind].append(p)
    for kind in KINDS:
        pages = sorted(groups.get(kind, []), key=lambda p: (slug(p.meta.title), p.path))
        if not pages:
            continue
        parts.append(f"## {kind_title(t, kind)}\n")
        parts.append("\n".join(
            f"- {KIND_ICONS[kind]} {link(page, p.meta.title, kb_path(p))}"
            + (f" — {md(p.meta.description)}" if p.meta.description else "")
            + (" " + " ".join(f'<span class="dd-chip">{attr(tag)}</span>' for tag in p.meta.tags) if p.meta.tags else "")
            for p in pages) + "\n")
    if not site.project.kb:
        parts.append(t["no_kb"] + "\n")
    return "\n".join(parts)


# --- board and metrics -----------------------------------------------------------------------------

BOARD_PDFS = (("board/board.pdf", "pdf_board"), ("board/banners.pdf", "pdf_banners"),
              ("board/labels.pdf", "pdf_labels"), ("board/cards.pdf", "pdf_cards"))


def date_span(text: str) -> str:
    """A date that never breaks across lines (`2025-10-27` would at its hyphens)."""
    return f'<span class="dd-date">{attr(text)}</span>' if text else ""


def board_card(site: Site, page: str, card: Card) -> str:
    """One card on the HTML board, with the printed board's markers: no next action, block since and cause."""
    t = site.t
    nxt = card.next_action
    late = bool(nxt and nxt.date and nxt.date < site.as_of)
    cls = f"dd-card dd-card--{card.class_}" + (" dd-card--blocked" if card.blocked else "")
    lines = [f'<a class="dd-card__id" href="{attr(rel(page, out_html(site.opp_pages[card.id])))}">{attr(card.id)}</a>',
             f'<span class="dd-card__account">{attr(card.account or "")}</span>']
    figures = " · ".join(x for x in (site.money(card.amount), percent(card.probability, site.language)) if x)
    if figures:
        lines.append(f'<span class="dd-card__figures">{attr(figures)}</span>')
    if nxt:
        lines.append(f'<span class="dd-card__next{" dd-late" if late else ""}">→ {attr(nxt.what)}'
                     f'{" · " + date_span(site.date(nxt.date)) if nxt.date else ""}</span>')
    if card.active and (nxt is None or nxt.date is None):
        lines.append(f'<span class="dd-flag dd-flag--no-next">{t["no_next_chip"]}</span>')
    if card.owner:
        lines.append(f'<span class="dd-card__owner">{attr(card.owner.name)}</span>')
    if card.outcome:
        lines.append(f'<span class="dd-card__outcome dd-card__outcome--{card.outcome.result}">{t[card.outcome.result]}</span>')
    if card.blocked:
        b = card.blocked
        lines.append(f'<span class="dd-card__blocked"><span class="dd-blocked">{t["blocked_chip"]}</span> '
                     f'{date_span(site.date(b.since))} · {attr(b.cause)}</span>')
    return f'<li class="{cls}">' + "".join(lines) + "</li>"


def column_cards(site: Site, column: str, last: bool) -> list[Card]:
    """A column's cards in the printed board's order (expedite first, then the most urgent next action); the
    closed column's latest outcomes first."""
    from .render.board import card_sort_key
    cards = [d.card for d in site.cards.values() if d.card.column == column and (d.card.active or last)]
    if not last:
        return sorted(cards, key=card_sort_key)
    return sorted(cards, key=lambda c: (c.outcome is not None, -c.outcome.date.toordinal() if c.outcome else 0, c.id))


def board_html(site: Site, page: str) -> str:
    """The board as columns of cards (raw HTML, every value escaped)."""
    board, t = site.board, site.t
    if board is None:
        return t["no_board"] + "\n"
    wip = rules.wip((d.card for d in site.cards.values()), board)
    cols = []
    last = board.columns[-1].key
    for col in board.columns:
        cards = column_cards(site, col.key, col.key == last)
        if col.key == last:
            cards = cards[:12]
        over = col.wip_limit is not None and wip[col.key] > col.wip_limit
        limit = f" / {col.wip_limit}" if col.wip_limit else ""
        count = str(len(cards)) if col.key == last else f"{wip[col.key]}{limit}"
        head = (f'<div class="dd-col__head{" dd-col__head--over" if over else ""}">'
                f'<span class="dd-col__title">{attr(col.title)}</span><span class="dd-col__wip" title="'
                f'{t["last_closed"] if col.key == last else t["wip_title"]}">{count}</span></div>')
        cols.append(f'<section class="dd-col">{head}<ul>' + "".join(board_card(site, page, c) for c in cards) + "</ul></section>")
    return '<div class="dd-board">' + "".join(cols) + "</div>\n"


def board_page(site: Site) -> str:
    """The HTML board, its rules and the printable PDFs when they were built."""
    page, t = BOARD, site.t
    board = site.board
    title = board.title if board else t["board_fallback"]
    parts = [front_matter(f"{t['board']} — {title}", hide=["navigation", "toc"]), f"# {md(title)}\n"]
    period = (t["period"].format(start=site.date(board.period.start), end=site.date(board.period.end))
              if board and board.period else "")
    parts.append(f'<p class="dd-meta">{t["board_meta"].format(date=site.long(site.as_of), period=period)}</p>\n')
    pdfs = [(p, t[key]) for p, key in BOARD_PDFS if p in site.extras.files]
    if pdfs:
        parts.append('<p class="dd-buttons">' + " ".join(a(page, text, p, "md-button") for p, text in pdfs) + "</p>\n")
    parts.append(board_html(site, page))
    if board and board.pull_rules:
        parts.append(f"## {t['pull_rules']}\n")
        parts.append(bullets(board.pull_rules))
    if board and board.classes:
        parts.append(f"## {t['classes']}\n")
        parts.append(table(headers(t, "h_class", "h_policy"), ([md(c.title), md(c.policy)] for c in board.classes)))
    if board and board.micro_rules:
        parts.append(f"## {t['micro_rules']}\n")
        parts.append(table(headers(t, "h_problem", "h_rule", "h_indicator", "h_target", "h_decision_on"), (
            [md(r.problem), md(r.rule), md(r.indicator), md(r.target), site.date(r.decision_date)]
            for r in board.micro_rules)))
    return "\n".join(parts)


CHARTS = {"forecast": "forecast", "throughput": "throughput", "cycle-time": "cycle_time", "cfd": "cfd",
          "funnel": "conversion", "ageing-wip": "card_age"}  # chart file stem → metrics.json key; title: chart_<stem>
ADMONITIONS = {"success": "success", "warning": "warning", "info": "info"}


def metrics_section(section: Any, language: str = "fr") -> str:
    """One metric (metric_text.Section) as Markdown: title, definition, figure sentences, table and verdict."""
    t = site_labels(language)
    out = [f"### {md(t.get(f'metric_{section.key}', section.key.replace('_', ' ').capitalize()))}\n"]
    if section.definition:
        out.append(f'<p class="dd-def">{attr(section.definition)}</p>\n')
    out += [md(line) + "\n" for line in section.lines]
    if section.table:
        head, rows = section.table
        out.append(table([md(h) for h in head], ([md(c) for c in row] for row in rows)))
    if section.verdict:
        level, title, text = section.verdict
        out.append(f'!!! {ADMONITIONS.get(level, "note")} "{title_text(title)}"\n    {md(text)}\n')
    return "\n".join(out)


def metric_tiles(metrics: dict[str, Any], language: str = "fr") -> str:
    """The headline figures (throughput, WIP, forecast, weighted pipeline): a short figure over its reading."""
    from .render.metrics_page import tiles
    try:
        items = tiles(metrics, language)[:4]
    except (KeyError, TypeError, ValueError):
        return ""
    return ('<div class="dd-figures dd-figures--metrics">' + "".join(
        f'<div class="dd-figure"><span>{attr(i["label"])}</span><strong>{html.escape(i["value"])}</strong>'
        + (f'<small>{html.escape(i["sub"])}</small>' if i["sub"] else "") + "</div>"  # keeps no-break spaces
        for i in items) + "</div>\n")


def metrics_page(site: Site) -> str:
    """Flow metrics from metrics/metrics.json and its charts, when the build made them."""
    page, t = METRICS, site.t
    metrics = site.extras.metrics
    pipeline = attr(site.money(weighted_pipeline(site)) or site.money(0))
    parts = [front_matter(t["metrics_title"]), f"# {t['metrics_title']}\n",
             f'<p class="dd-meta">{t["metrics_meta"].format(date=site.long(site.as_of), pipeline=pipeline)}</p>\n']
    if isinstance(metrics, dict):
        parts.append(metric_tiles(metrics, site.language))
    buttons = [(f, t[key]) for f, key in (("metrics/index.html", "full_report"), ("metrics/metrics.json", "metrics_data"))
               if f in site.extras.files]
    if buttons:
        parts.append('<p class="dd-buttons">' + " ".join(a(page, text, f, "md-button") for f, text in buttons)
                     + "</p>\n")
    charts = sorted(f for f in site.extras.files if f.startswith("metrics/") and f.endswith(".svg"))
    order = list(CHARTS)
    charts.sort(key=lambda f: (order.index(posixpath.basename(f)[:-4]) if posixpath.basename(f)[:-4] in order else 99, f))
    for f in charts:
        stem = posixpath.basename(f)[:-4]
        title, key = t.get(f"chart_{stem}", stem.replace("-", " ").capitalize()), CHARTS.get(stem, "")
        definition = (metric_text.definition(metrics, key, site.language)
                      if isinstance(metrics, dict) and isinstance(metrics.get(key), dict) else None) or None
        parts.append(f"## {md(title)}\n")
        parts.append(f'<figure class="dd-chart"><img src="{attr(rel(page, f))}" alt="{attr(title)}">'
                     + (f"<figcaption>{attr(definition)}</figcaption>" if isinstance(definition, str) else "")
                     + "</figure>\n")
    if isinstance(metrics, dict):
        parts.append(f"## {t['definitions']}\n")
        parts += [metrics_section(x, site.language) for x in metric_text.sections(metrics, site.language)]
    if not charts and not isinstance(metrics, dict):
        parts.append(f'!!! info "{t["no_metrics_title"]}"\n    {t["no_metrics"]}\n')
    return "\n".join(parts)


# --- the whole site ------------------------------------------------------------------------------


def navigation(site: Site) -> list[Any]:
    """A small navigation: generated CRC and opportunity pages stay out of it (search and links reach them)."""
    kb: list[Any] = [KB_INDEX]
    groups: dict[Optional[str], list[KbPage]] = defaultdict(list)
    for p in site.project.kb:
        if kb_path(p) != KB_INDEX:  # a hand-written kb/index.md replaces the generated one
            groups[p.meta.kind].append(p)
    t = site.t
    for kind in KINDS:
        pages = sorted(groups.get(kind, []), key=lambda p: (slug(p.meta.title), p.path))
        if pages:
            kb.append({kind_title(t, kind): [{title_text(p.meta.title): kb_path(p)} for p in pages]})
    return [{t["nav_home"]: HOME}, {t["kb"]: kb}, {t["exemplary"]: EXEMPLARY_INDEX},
            {t["opportunities"]: OPPORTUNITY_INDEX}, {t["nav_register"]: REGISTER},
            {t["nav_browse"]: [{t["nav_by_client"]: BY_CLIENT}, {t["nav_by_type"]: BY_TYPE},
                               {t["nav_by_keyword"]: BY_KEYWORD}, {t["nav_by_month"]: BY_MONTH}]},
            {t["nav_steering"]: [{t["board"]: BOARD}, {t["metrics"]: METRICS}]}]


@dataclass(frozen=True)
class SitePages:
    """The generated docs tree and its navigation."""

    pages: dict[str, str]
    nav: list[Any]


def site_pages(project: Project, as_of: date, extras: Extras = Extras(),
               index_rows: Optional[list[dict[str, Any]]] = None, models: Optional[ViewModels] = None,
               memo: Optional[TextStore] = None) -> SitePages:
    """Every knowledge-base page as Markdown, by docs path (models: the build's view models, if made already).

    With a memo, an opportunity's page or an exemplary CRC's page is made again only when what it is
    made from changed (memo_key), and taken from the memo otherwise.
    """
    models = ViewModels(project) if models is None else models
    site = build_site(project, as_of, extras, models)
    pages = {HOME: home_page(site), REGISTER: register_page(site), EXEMPLARY_INDEX: exemplary_index(site),
             OPPORTUNITY_INDEX: opportunity_index(site), KB_INDEX: kb_index(site),
             BY_CLIENT: by_client_page(site), BY_TYPE: by_type_page(site), BY_KEYWORD: by_keyword_page(site),
             BY_MONTH: by_month_page(site), BOARD: board_page(site), METRICS: metrics_page(site)}
    salt = _memo_salt(site, models) if memo is not None else ""
    for e in site.entries:
        if e.page:
            make = partial(exemplary_page, site, e)
            pages[e.page] = memo.text(memo_key(salt, e.page, e.opp_page, e.models.key(e.doc.name)), make) \
                if memo is not None else make()
    groups = site.by_key
    for key, path in site.opp_pages.items():
        entries = groups.get(key, [])
        make = partial(opportunity_page, site, key, entries)
        if memo is None:
            pages[path] = make()
            continue
        card = site.cards.get(key)
        pages[path] = memo.text(memo_key(salt, path, key, card_digest(card) if card else "-",
                                         *(e.models.key(e.doc.name) for e in entries)), make)
    for p in project.kb:
        pages[kb_path(p)] = kb_page(site, p)  # a hand-written kb/index.md wins over the generated one
    if index_rows is not None:
        pages[REGISTER_DATA] = register_data(index_rows)
    return SitePages(dict(sorted(pages.items())), navigation(site))


def _memo_salt(site: Site, models: ViewModels) -> str:
    """What every memoised page depends on besides its records: the view models' salt, settings, date, board."""
    board = site.board.model_dump_json() if site.board else "null"
    return f"{models.salt}|{site.project.settings!r}|{site.as_of}|{board}"


def memo_key(*parts: str) -> str:
    """The memo key of a page made from these parts."""
    import hashlib
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
