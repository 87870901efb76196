"""The knowledge base built by `dealdocs build`: pages, links, search index, escaping, extras, serve."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import GOOD_CRC, Scratch
from generator import pages
from generator.pipeline import Writer, build

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2025, 10, 24)
EXEMPLARY = "CRC-2025-09-19-ACME-v1.0"
LOW = "CRC-2025-10-16-BERTHIER-v1.0"
HOSTILE_CLIENT = "<script>alert(1)</script> & **Gras**"

KB_PRIX = """\
    ---
    title: "Objection prix : le script en 4 temps"
    tags: [prix, objection]
    kind: objection
    ---

    # Objection prix : le script en 4 temps

    1. **Accuser réception** — ne pas contester, reformuler.
    2. **Recadrer la valeur** — revenir à la douleur chiffrée.

    Voir aussi la [relance post-offre](../scripts/relance.md).
    """

KB_RELANCE = """\
    ---
    title: "Email : relance post-offre"
    tags: [relance, email]
    kind: email-script
    ---

    # Email : relance post-offre

    > Bonjour [Prénom], suite à l'offre envoyée le [date]…

    ![Schéma](https://images.example.com/relance.png)
    """

CARD_ACME = """\
    id: OPP-2025-014
    account: ACME SAS
    contact: M. Dubois
    column: qualified
    next_action: {what: Réunion de cadrage, date: 2025-10-28}
    amount: 28000
    probability: 40
    owner: {name: Zoé Martin, role: AE}
    close_date: 2025-10-30
    objections: [prix]
    blocked: {since: 2025-10-20, cause: Attente DPA juridique, next: Relance juriste, owner: Zoé Martin}
    history:
      - {column: prospects, date: 2025-09-01}
      - {column: qualified, date: 2025-10-20}
    last_action: 2025-10-22
    """

CARD_BERTHIER = """\
    id: OPP-2025-019
    account: Maison Berthier
    column: proposal
    next_action: {what: Relance post-offre, date: 2025-10-16}
    amount: 18500
    probability: 40
    owner: {name: Karim Benali, role: AE}
    history:
      - {column: proposal, date: 2025-10-16}
    last_action: 2025-10-20
    """


def write_project(scratch: Scratch) -> None:
    """Three CRCs (one exemplary, one under 8/10, one hostile), two cards, two KB pages."""
    scratch.crc("acme.yaml", replace={"keywords: [SSO, POC]": "keywords: [SSO, POC, prix]\nexemplary: true",
                                      "date: 2025-09-26": "date: 2025-10-28"})
    scratch.crc("berthier.yaml", replace={
        "client: ACME SAS": "client: Maison Berthier", "client_code: ACME": "client_code: BERTHIER",
        "opportunity: OPP-2025-014": "opportunity: OPP-2025-019", "date: 2025-09-19": "date: 2025-10-16",
        "  - Mme Leroy sponsorise le projet.\n": "", "keywords: [SSO, POC]": "keywords: [prix]",
        "attachments:\n  - {title: Enregistrement de la réunion, ref: \"CRM://ACME/rec-0919\"}\n": "",
        "date: 2025-09-26": "date: 2025-10-17",
        "validation: {deadline: \"2025-09-24 17:00\", status: pending}\n": ""})
    scratch.crc("hostile.yaml", replace={
        "client: ACME SAS": f"client: \"{HOSTILE_CLIENT}\"", "client_code: ACME\n": "",
        "opportunity: OPP-2025-014": "opportunity: \"</title><img src=x onerror=alert(2)>\"",
        "subject: Découverte ACME": "subject: \"[clic](javascript:alert(3)) `code` :smile: {#x}\"",
        "keywords: [SSO, POC]": "keywords: [\"<b onmouseover=alert(4)>kw</b>\", \"- liste\"]",
        "date: 2025-09-26": "date: 2025-10-28"})
    scratch.write("content/cards/acme.yaml", CARD_ACME)
    scratch.write("content/cards/berthier.yaml", CARD_BERTHIER)
    scratch.write("content/kb/objections/prix.md", KB_PRIX)
    scratch.write("content/kb/scripts/relance.md", KB_RELANCE)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """The sample project built once for this module: (output directory, findings)."""
    scratch = Scratch(tmp_path_factory.mktemp("site") / "repo")
    write_project(scratch)
    out = scratch.root / "site"
    result = build(scratch.root, out, AS_OF)
    assert not result.failed(False), [f.format() for f in result.findings]
    return out, result.findings


class Links(HTMLParser):
    """Every href/src of a page, every script body, every on* attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
        self._in_script = tag == "script" and dict(attrs).get("type") != "application/json"  # data islands

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if not p.relative_to(out).as_posix().startswith("crc/"))


# --- the built site -----------------------------------------------------------------


def test_pages_exist(site: tuple[Path, list]) -> None:
    out, _ = site
    for rel in ("index.html", "404.html", "registre.html", "exemplaires/index.html", f"exemplaires/{EXEMPLARY}.html",
                "opportunites/index.html", "opportunites/opp-2025-014.html", "opportunites/opp-2025-019.html",
                "kb/index.html", "kb/objections/prix.html", "kb/scripts/relance.html",
                "parcourir/clients.html", "parcourir/types.html", "parcourir/mots-cles.html", "parcourir/mois.html",
                "pilotage/tableau.html", "pilotage/indicateurs.html", "search/search_index.json",
                "search/search_index.js", "assets/dealdocs/crc-index.js", f"crc/{EXEMPLARY}.html", "crc/index.json"):
        assert (out / rel).is_file(), rel
    assert not (out / f"exemplaires/{LOW}.html").exists()  # only exemplary CRCs get a full page
    assert not list(out.rglob("*.yaml"))  # the records are not published
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "index.html" in manifest and "search/search_index.json" in manifest


def test_no_broken_internal_link(site: tuple[Path, list]) -> None:
    out, _ = site
    broken = []
    for page in html_pages(out):
        if page.name == "404.html":  # served at any depth, so its links are absolute from the site root
            continue
        for url in parse(page).urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                broken.append(f"{page.relative_to(out)} → {url}")
    assert broken == [], "\n".join(broken)


def test_no_external_asset(site: tuple[Path, list]) -> None:
    out, _ = site
    for page in html_pages(out):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', text.replace(
            'src="https://images.example.com/relance.png"', "")), page  # the KB's own image is reported below
        assert "fonts.googleapis" not in text and "unpkg.com" not in text


def test_external_image_is_reported(site: tuple[Path, list]) -> None:
    _, findings = site
    hits = [f for f in findings if "images.example.com" in f.message]
    assert hits and hits[0].path == "content/kb/scripts/relance.md" and hits[0].severity == "warning"


def test_search_index_holds_script_and_prix_crcs(site: tuple[Path, list]) -> None:
    out, _ = site
    index = json.loads((out / "search/search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["fr"]
    docs = index["docs"]
    script = [d for d in docs if d["location"] == "kb/objections/prix.html"]
    assert script and "Objection prix" in script[0]["title"] and "prix" in script[0].get("tags", [])
    tagged = {d["location"] for d in docs if "prix" in d.get("tags", [])}
    assert f"exemplaires/{EXEMPLARY}.html" in tagged
    opp = " ".join(d["text"] for d in docs if d["location"].startswith("opportunites/opp-2025-019.html"))
    assert "prix" in opp and LOW in opp
    js = (out / "search/search_index.js").read_text(encoding="utf-8")
    assert js.startswith("var __index = ") and "Objection prix" in js


def test_home_shows_exemplary_and_attention(site: tuple[Path, list]) -> None:
    out, _ = site
    text = " ".join(parse(out / "index.html").text)
    assert "CRC exemplaires" in text and "Découverte ACME" in text
    assert "Prochaines étapes en retard (2)" in text and "Relance post-offre" in text  # card OPP-2025-019 + its CRC
    assert "Cartes bloquées (1)" in text and "Attente DPA juridique" in text
    assert re.search(r"CRC sous 8/10 \(1\)", text) and LOW in text
    for target in ("registre.html", "pilotage/tableau.html", "pilotage/indicateurs.html"):
        assert f'href="{target}"' in (out / "index.html").read_text(encoding="utf-8")
    titles = re.findall(r"<title>([^<]*)</title>", (out / "index.html").read_text(encoding="utf-8"))
    assert len(titles) == 1 and " - " not in titles[0]  # the browser tab names the site once


def test_opportunity_page_lists_versions_card_and_step(site: tuple[Path, list]) -> None:
    out, _ = site
    page = out / "opportunites/opp-2025-014.html"
    html = page.read_text(encoding="utf-8")
    text = " ".join(parse(page).text)
    assert f'href="../crc/{EXEMPLARY}.html"' in html and f'href="../crc/{EXEMPLARY}.docx"' in html
    assert "Qualifiés" in text and "28 000 €" in text and "40 %" in text and "Zoé Martin" in text
    assert "BLOQUÉE" in text and "Attente DPA juridique" in text
    assert "Réunion de cadrage multi-parties" in text  # the latest CRC's next step


def test_exemplary_page_has_score_checklist_content_downloads(site: tuple[Path, list]) -> None:
    out, _ = site
    page = out / f"exemplaires/{EXEMPLARY}.html"
    text = " ".join(parse(page).text)
    assert "Score qualité : 10/10" in text and "Check-list minute" in text
    assert "Douleur principale : 3 outils d'authentification non reliés." in text
    html = page.read_text(encoding="utf-8")
    assert f'href="../crc/{EXEMPLARY}.docx" class="md-button md-button--primary" download' in html


def test_register_data_is_the_crc_index(site: tuple[Path, list]) -> None:
    out, _ = site
    rows = json.loads((out / "crc/index.json").read_text(encoding="utf-8"))
    js = (out / "assets/dealdocs/crc-index.js").read_text(encoding="utf-8")
    assert json.loads(js.removeprefix("window.__dealdocsIndex = ").rstrip().rstrip(";")) == rows
    html = (out / "registre.html").read_text(encoding="utf-8")
    assert 'id="dd-register"' in html and "assets/dealdocs/register.js" in html
    opps = json.loads(re.search(r'id="dd-opps">(.*?)</script>', html).group(1))
    assert opps["OPP-2025-014"] == "opportunites/opp-2025-014.html"


def test_record_text_cannot_inject_html_or_markdown(site: tuple[Path, list]) -> None:
    out, _ = site
    for page in html_pages(out):
        links = parse(page)
        assert links.handlers == [], page
        assert not any("alert(" in s for s in links.scripts), page
        assert not any(u.startswith("javascript:") and u != "javascript:void(0)" for u in links.urls), page
        assert "<title></title>" not in page.read_text(encoding="utf-8")
    opp_pages = [p for p in (out / "opportunites").glob("*.html") if "title" in p.name]
    assert len(opp_pages) == 1
    text = " ".join(parse(opp_pages[0]).text)
    assert "<script>alert(1)</script> & **Gras**" in text  # shown literally
    assert "[clic](javascript:alert(3)) `code` :smile: {#x}" in text
    assert "<b onmouseover=alert(4)>kw</b>" in text and "- liste" in text


def test_board_and_metrics_pages_link_the_built_outputs(site: tuple[Path, list]) -> None:
    out, _ = site
    board = (out / "pilotage/tableau.html").read_text(encoding="utf-8")
    assert "OPP-2025-014" in board and 'href="../board/board.pdf"' in board and 'href="../board/cards.pdf"' in board
    metrics = (out / "pilotage/indicateurs.html").read_text(encoding="utf-8")
    assert 'src="../metrics/throughput.svg"' in metrics and 'href="../metrics/index.html"' in metrics
    assert "Indicateurs non calculés" not in metrics


def test_builtin_config_speaks_french(site: tuple[Path, list]) -> None:
    """No mkdocs.yml: the built-in configuration, French pages and a French Material interface."""
    home = (site[0] / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in home and 'placeholder="Rechercher"' in home
    metrics = (site[0] / "metrics/index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in metrics and "Indicateurs de flux et prévision" in metrics


def test_board_and_metrics_degrade_gracefully_when_absent(scratch_project: Scratch, tmp_path: Path) -> None:
    from generator.project import load_project
    from generator.site import write_site
    write_project(scratch_project)
    writer = Writer(tmp_path / "out")
    findings = write_site(load_project(scratch_project.root, AS_OF), AS_OF, writer, {})
    assert not [f for f in findings if f.severity == "error"]
    board = (writer.base / "pilotage/tableau.html").read_text(encoding="utf-8")
    assert "OPP-2025-014" in board and "board.pdf" not in board
    metrics = " ".join(parse(writer.base / "pilotage/indicateurs.html").text)
    assert "Indicateurs non calculés" in metrics


def test_kb_file_linked_out_of_the_repository_is_refused(scratch_project: Scratch, tmp_path: Path) -> None:
    from generator.project import load_project
    from generator.site import write_site
    write_project(scratch_project)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"SECRET")
    (scratch_project.root / "content/kb/objections/schema.png").symlink_to(secret)
    writer = Writer(tmp_path / "out")
    findings = write_site(load_project(scratch_project.root, AS_OF), AS_OF, writer, {})
    hits = [f for f in findings if "outside the repository" in f.message]
    assert [(f.path, f.severity) for f in hits] == [("content/kb/objections/schema.png", "error")]
    assert not any(b"SECRET" in p.read_bytes() for p in writer.base.rglob("*") if p.is_file())


def test_user_mkdocs_yml_and_template_overrides(scratch_project: Scratch, tmp_path: Path) -> None:
    write_project(scratch_project)
    scratch_project.write("mkdocs.yml", """\
        site_name: Intranet Ventes Ouest
        theme: {name: material, language: fr, font: false}
        plugins: [search, offline]
        """)
    scratch_project.write("templates/site/assets/dealdocs/dealdocs.css", ".dd-chip { color: hotpink; }\n")
    out = tmp_path / "out"
    result = build(scratch_project.root, out, AS_OF)
    assert not result.failed(False), [f.format() for f in result.findings]
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "Intranet Ventes Ouest" in home and "unpkg.com" not in home  # our shim replaces the CDN one
    assert "assets/dealdocs/iframe-worker.js" in home and "assets/dealdocs/register.js" in home
    assert (out / "assets/dealdocs/dealdocs.css").read_text(encoding="utf-8") == ".dd-chip { color: hotpink; }\n"


def test_hand_written_kb_index_replaces_the_generated_one(scratch_project: Scratch, tmp_path: Path) -> None:
    write_project(scratch_project)
    scratch_project.write("content/kb/index.md", "---\ntitle: Notre boîte à outils\n---\n\n# Notre boîte à outils\n")
    out = tmp_path / "out"
    assert not build(scratch_project.root, out, AS_OF).failed(False)
    assert "Notre boîte à outils" in (out / "kb/index.html").read_text(encoding="utf-8")
    assert "Scripts e-mail" in (out / "kb/scripts/relance.html").read_text(encoding="utf-8")  # nav still groups by kind


def test_bad_mkdocs_yml_is_a_finding_and_leaves_output(scratch_project: Scratch, tmp_path: Path) -> None:
    write_project(scratch_project)
    scratch_project.write("mkdocs.yml", "site_name: X\ntheme: {name: no-such-theme}\n")
    result = build(scratch_project.root, tmp_path / "out", AS_OF)
    assert result.failed(False)
    assert any(f.path == "mkdocs.yml" and f.severity == "error" for f in result.findings)
    assert not (tmp_path / "out").exists()


def test_plain_mkdocs_build_on_the_repository(tmp_path: Path) -> None:
    if not (ROOT / "content" / "crc").is_dir():
        pytest.skip("the repository's sample content is not here")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(tmp_path / "site")], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1761264000"})
    assert proc.returncode == 0, proc.stderr
    for rel in ("index.html", "registre.html", "kb/objections/prix.html", "search/search_index.json"):
        assert (tmp_path / "site" / rel).is_file(), rel


def test_repository_config_matches_builtin_default() -> None:
    from generator.loader import parse_yaml  # mkdocs.yml is read through the bounded loader, theme tags as null
    from generator.site import DEFAULT_CONFIG
    own = parse_yaml((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), lenient_tags=True).data
    builtin = parse_yaml(DEFAULT_CONFIG.read_text(encoding="utf-8"), lenient_tags=True).data
    own["plugins"].remove("dealdocs")  # the repository names the plugin for plain `mkdocs build`
    own["extra"].pop("dealdocs")
    assert own == builtin


# --- the page cache ----------------------------------------------------------------------------


def site_files(out: Path) -> dict[str, bytes]:
    """Every file the site stage wrote, by path (the other stages' outputs left out)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] not in ("crc", "board", "metrics")}


def site_only(root: Path, out: Path, caplog: pytest.LogCaptureFixture, use_cache: bool = True) -> tuple[dict, list, str]:
    """Run only the site stage into out: (files, findings, the cache's log line)."""
    import logging
    from generator.project import load_project
    from generator.site import write_site
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="generator.site"):
        findings = write_site(load_project(root, AS_OF), AS_OF, Writer(out), {}, use_cache=use_cache)
    assert not [f for f in findings if f.severity == "error"], [f.format() for f in findings]
    stats = " ".join(r.getMessage() for r in caplog.records if r.getMessage().startswith("site pages:"))
    return site_files(out), sorted(f.format() for f in findings), stats


def cache_entries(root: Path) -> list[Path]:
    return sorted((root / ".dealdocs-cache" / "site-pages").rglob("*.page"))


def test_warm_build_is_byte_identical_to_cold(site: tuple[Path, list], tmp_path: Path) -> None:
    out, findings = site  # the module's build filled the page cache
    root = out.parent
    assert len(cache_entries(root)) > 10
    warm = build(root, tmp_path / "warm", AS_OF)
    assert site_files(tmp_path / "warm") == site_files(out)
    assert (tmp_path / "warm" / "manifest.json").read_bytes() == (out / "manifest.json").read_bytes()
    assert warm.findings == findings  # the warnings of the pages it skipped are replayed
    assert any("images.example.com" in f.message for f in warm.findings)


def test_edited_crc_re_renders_exactly_its_pages(scratch_project: Scratch, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    write_project(scratch_project)
    before, _, stats = site_only(scratch_project.root, tmp_path / "a", caplog)
    assert stats.startswith("site pages: 0 from cache")
    acme = scratch_project.root / "content/crc/acme.yaml"
    acme.write_text(acme.read_text(encoding="utf-8").replace(
        "Qualifier le besoin SSO", "Qualifier précisément le besoin SSO"), encoding="utf-8")
    after, findings, stats = site_only(scratch_project.root, tmp_path / "b", caplog)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == [f"exemplaires/{EXEMPLARY}.html", "opportunites/opp-2025-014.html",
                       "search/search_index.js", "search/search_index.json"]
    # those two pages are rendered again, and the tags listing (always rendered: it shows every page's tags)
    pages = [k for k in after if k.endswith(".html") and k != "404.html"]
    assert stats == f"site pages: {len(pages) - 3} from cache, 2 rendered"
    cold, cold_findings, _ = site_only(scratch_project.root, tmp_path / "c", caplog, use_cache=False)
    assert after == cold and findings == cold_findings
    index = json.loads(after["search/search_index.json"])
    assert any("Qualifier précisément le besoin SSO" in d["text"] for d in index["docs"])


def test_memoised_pages_follow_their_cards_crcs_lock_and_date(scratch_project: Scratch, tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """Opportunity and exemplary pages are made again exactly when what they show changed; a memo that does
    not verify is ignored; each warm site is the site built without any cache."""
    from generator.cachefile import TextStore
    from generator.project import load_project
    from generator.site import PAGE_MEMO
    write_project(scratch_project)
    root = scratch_project.root
    memo_path = root / ".dealdocs-cache" / PAGE_MEMO

    def memo_hits(as_of: date = AS_OF) -> tuple[int, int]:
        memo = TextStore(memo_path)
        pages.site_pages(load_project(root, as_of), as_of, memo=memo)
        memo.save()
        return memo.hits, len(memo.used)
    first, _, _ = site_only(root, tmp_path / "a", caplog)
    hits, total = memo_hits()
    assert hits == total == 4  # three opportunities (one without a card) and one exemplary CRC
    card = root / "content/cards/acme.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("amount: 28000", "amount: 31000"), encoding="utf-8")
    assert memo_hits() == (total - 2, total)  # its opportunity's page, and its latest CRC's (exemplary) page
    warm, findings, _ = site_only(root, tmp_path / "b", caplog)
    cold, cold_findings, _ = site_only(root, tmp_path / "c", caplog, use_cache=False)
    assert warm == cold and findings == cold_findings
    assert warm["opportunites/opp-2025-014.html"] != first["opportunites/opp-2025-014.html"]
    acme = root / "content/crc/acme.yaml"
    acme.write_text(acme.read_text(encoding="utf-8").replace("Go pour un cadrage", "Feu vert pour un cadrage"),
                    encoding="utf-8")
    assert memo_hits() == (total - 2, total)  # its opportunity's page and its exemplary page
    assert memo_hits(date(2025, 10, 25)) == (0, total)  # pages count days: another date, other pages
    memo_path.write_bytes(memo_path.read_bytes()[:-3])
    assert memo_hits()[0] == 0
    warm, findings, _ = site_only(root, tmp_path / "d", caplog)
    cold, cold_findings, _ = site_only(root, tmp_path / "e", caplog, use_cache=False)
    assert warm == cold and findings == cold_findings


def test_corrupted_or_misfiled_cache_entries_are_rebuilt(scratch_project: Scratch, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    write_project(scratch_project)
    cold, _, _ = site_only(scratch_project.root, tmp_path / "a", caplog)
    entries = cache_entries(scratch_project.root)
    flipped, truncated, misfiled = entries[0], entries[1], entries[2]
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    truncated.write_bytes(truncated.read_bytes()[:100])
    misfiled.write_bytes(entries[3].read_bytes())  # a valid entry of another page under this key
    warm, _, stats = site_only(scratch_project.root, tmp_path / "b", caplog)
    assert warm == cold
    assert stats.endswith(" 3 rendered")
    assert sum("corrupted site cache entry" in r.getMessage() for r in caplog.records) == 3
    again, _, stats = site_only(scratch_project.root, tmp_path / "c", caplog)
    assert again == cold and stats.endswith(" 0 rendered")  # the rebuilt entries were stored again


def test_cache_entry_changed_during_the_build_fails_it(scratch_project: Scratch, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.project import load_project
    from generator.site import PageStore, write_site
    write_project(scratch_project)
    site_only(scratch_project.root, tmp_path / "a", caplog)
    monkeypatch.setattr(PageStore, "html", lambda self, key: None)  # as if rewritten after it was verified
    findings = write_site(load_project(scratch_project.root, AS_OF), AS_OF, Writer(tmp_path / "b"), {})
    assert [f.severity for f in findings if "changed during the build" in f.message] == ["error"]


def test_cached_page_links_are_checked_again(scratch_project: Scratch, tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    write_project(scratch_project)
    image = scratch_project.root / "content/kb/objections/schema.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    prix = scratch_project.root / "content/kb/objections/prix.md"
    prix.write_text(prix.read_text(encoding="utf-8") + "\n![Schéma](schema.png)\n", encoding="utf-8")
    _, findings, _ = site_only(scratch_project.root, tmp_path / "a", caplog)
    assert not any("schema.png" in f for f in findings)
    image.unlink()  # the page's Markdown is unchanged, its link target is gone
    warm, findings, stats = site_only(scratch_project.root, tmp_path / "b", caplog)
    assert any("content/kb/objections/prix.md" in f and "schema.png" in f for f in findings), findings
    assert stats.endswith(" 1 rendered")
    cold, cold_findings, _ = site_only(scratch_project.root, tmp_path / "c", caplog, use_cache=False)
    assert warm == cold and findings == cold_findings


def test_site_built_in_the_site_process_is_the_in_process_site(scratch_project: Scratch, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`dealdocs build` runs MkDocs in a child process loaded ahead of the pages: same bytes, same findings."""
    from generator import site
    write_project(scratch_project)
    started: list = []
    real_start = site.SiteProcess.start

    def start(*args: object, **kwargs: object) -> object:
        started.append(real_start(*args, **kwargs))
        return started[-1]
    monkeypatch.setattr(site.SiteProcess, "start", staticmethod(start))
    child = build(scratch_project.root, tmp_path / "child", AS_OF, use_cache=False)
    assert started and started[0] is not None and not started[0].process.is_alive()
    assert not Path(started[0].tmp).exists()  # its folder is gone with it
    monkeypatch.setattr(site.SiteProcess, "start", staticmethod(lambda *args, **kwargs: None))
    alone = build(scratch_project.root, tmp_path / "alone", AS_OF, use_cache=False)
    assert site_files(tmp_path / "child") == site_files(tmp_path / "alone")
    assert child.findings == alone.findings and any(f.field == "site" for f in child.findings)


def test_a_dead_site_process_is_replaced_by_an_in_process_build(scratch_project: Scratch, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import site
    write_project(scratch_project)
    reference = build(scratch_project.root, tmp_path / "ref", AS_OF, use_cache=False)
    real_submit, real_result = site.SiteProcess.submit_made, site.SiteProcess.result
    outcomes: list = []

    def killed_first(self: site.SiteProcess, *args: object) -> bool:
        self.process.kill()
        self.process.join()
        return real_submit(self, *args)

    def result(self: site.SiteProcess) -> object:
        outcomes.append(real_result(self))
        return outcomes[-1]
    monkeypatch.setattr(site.SiteProcess, "submit_made", killed_first)
    monkeypatch.setattr(site.SiteProcess, "result", result)
    result = build(scratch_project.root, tmp_path / "out", AS_OF, use_cache=False)
    assert outcomes == [None]
    assert site_files(tmp_path / "out") == site_files(tmp_path / "ref")
    assert result.findings == reference.findings


def test_pages_made_in_a_process_that_dies_are_made_in_process(scratch_project: Scratch, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages are made in a process of their own; if it dies, the build makes them itself."""
    from generator import site
    write_project(scratch_project)
    reference = build(scratch_project.root, tmp_path / "ref", AS_OF, use_cache=False)
    made: list = []
    real_result = site.SiteProcess.result

    def result(self: site.SiteProcess) -> object:
        made.append(self._maker is not None)
        return real_result(self)
    monkeypatch.setattr(site.SiteProcess, "result", result)
    monkeypatch.setattr(site, "_make_pages", lambda *args: os._exit(3))
    out = build(scratch_project.root, tmp_path / "out", AS_OF)
    assert made == [True]
    assert site_files(tmp_path / "out") == site_files(tmp_path / "ref") and out.findings == reference.findings


def test_sample_repository_builds_the_same_warm_and_cold(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    if not (ROOT / "content" / "crc").is_dir():
        pytest.skip("the repository's sample content is not here")
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "content", root / "content")
    for name in ("crc.lock", "mkdocs.yml"):
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, root / name)
    first, first_findings, _ = site_only(root, tmp_path / "first", caplog)
    warm, warm_findings, stats = site_only(root, tmp_path / "warm", caplog)
    cold, cold_findings, _ = site_only(root, tmp_path / "cold", caplog, use_cache=False)
    assert first == warm == cold and first_findings == warm_findings == cold_findings
    assert stats.endswith(" 0 rendered")


# --- pure page functions ---------------------------------------------------------------------


MARKDOWN_EXTENSIONS = ["abbr", "admonition", "attr_list", "md_in_html", "tables", "toc", "pymdownx.details",
                       "pymdownx.superfences", "pymdownx.emoji", "pymdownx.tilde", "pymdownx.caret",
                       "pymdownx.mark", "pymdownx.keys", "pymdownx.magiclink"]


FRENCH_HEADINGS = ("## À traiter", "### Cartes bloquées", "## Carte Kanban", "# Registre des CRC", "## Parcourir",
                   "# Fiches et scripts", "## Règles de tirage", "# Indicateurs de flux", "Score qualité :")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_site_pages_follow_the_language(tmp_path: Path, language: str) -> None:
    """Headings, navigation and table headers in the site's language; "X :" in French, "X:" in English."""
    from generator.project import load_project
    scratch = Scratch(tmp_path / "repo")
    write_project(scratch)
    scratch.write("mkdocs.yml", f"site_name: Ventes\nextra:\n  dealdocs:\n    language: {language}\n")
    result = pages.site_pages(load_project(scratch.root, AS_OF), AS_OF, pages.Extras(frozenset({"board/board.pdf"})))
    everything = "\n".join(result.pages.values())
    home, opportunity = result.pages[pages.HOME], result.pages["opportunites/opp-2025-014.md"]
    exemplary = result.pages[f"exemplaires/{EXEMPLARY}.md"]
    if language == "fr":
        assert all(h in everything for h in FRENCH_HEADINGS)
        assert "### Cartes bloquées (1) {#bloquees}" in home and "| Opportunité | Compte | Colonne |" in home
        assert "- **Objectif** : " in opportunity and "**Objectif** : " in exemplary
        assert list(result.nav[0]) == ["Accueil"]
        return
    assert not [h for h in FRENCH_HEADINGS if h in everything]
    assert "## Needs attention {#a-traiter}" in home and "### Blocked cards (1) {#bloquees}" in home
    assert "| Opportunity | Account | Column |" in home
    assert "## Kanban card" in opportunity and "| Class of service |" in opportunity
    assert "- **Objective**: " in opportunity and "**Objective**: " in exemplary and "**Objective** :" not in everything
    assert '"Quality score: ' in exemplary and "# CRC register" in result.pages[pages.REGISTER]
    assert "## Pull rules" in result.pages[pages.BOARD] and "A4 landscape board" in result.pages[pages.BOARD]
    assert [list(item)[0] for item in result.nav] == ["Home", "Playbooks and scripts", "Exemplary CRCs",
                                                       "Opportunities", "Register", "Browse", "Steering"]


def test_opportunity_page_reads_in_one_row_one_wording_one_date_format(scratch_project: Scratch) -> None:
    """Four figure boxes (the state inside the first), the next step titled by its date, the board's class name,
    long dates only."""
    from generator.project import load_project
    write_project(scratch_project)
    scratch_project.write("content/cards/acme.yaml", CARD_ACME.replace("close_date:", "class: fixed-date\n    close_date:"))
    project = load_project(scratch_project.root, AS_OF)
    page = pages.site_pages(project, AS_OF).pages["opportunites/opp-2025-014.md"]
    figures = page.split('<div class="dd-figures">')[1].split("</div>\n")[0]
    assert figures.count('<div class="dd-figure') == 4 and "État" not in figures
    assert ('<div class="dd-figure dd-figure--blocked"><span>Colonne</span><strong>Qualifiés</strong>'
            "<small>Bloquée depuis 4\u00a0j</small></div>") in figures
    assert '!!! info "28 octobre 2025 de 10&#58;00 à 10&#58;45"' in page and '!!! info "Prochaine étape"' not in page
    assert "\n    **Réunion de cadrage multi-parties** · responsables" in page
    fixed = next(c.title for c in project.board.classes if c.key == "fixed-date")
    assert f"| Classe de service | {fixed} |" in page and "Date fixe" not in page
    assert "| Prochaine action | Réunion de cadrage — 28 octobre 2025 |" in page
    assert "| Clôture prévue | 30 octobre 2025 |" in page and "Prospects (1 septembre 2025)" in page
    assert "depuis le 20 octobre 2025" in page
    assert not re.search(r"\b\d\d/\d\d/\d{4}\b", page)


def test_web_board_matches_the_printed_board(scratch_project: Scratch) -> None:
    """Dates that do not break, NO ACTION and the block's since and cause on the card, expedite first, even heads."""
    from generator.project import load_project
    write_project(scratch_project)
    scratch_project.write("mkdocs.yml", "site_name: Sales\nextra:\n  dealdocs:\n    language: en\n")
    scratch_project.write("content/cards/rush.yaml", CARD_BERTHIER.replace("OPP-2025-019", "OPP-2025-030")
                          .replace("Maison Berthier", "Rush SA").replace("owner:", "class: expedite\n    owner:"))
    scratch_project.write("content/cards/idle.yaml", CARD_BERTHIER.replace("OPP-2025-019", "OPP-2025-001")
                          .replace("Maison Berthier", "Sans Suite")
                          .replace("    next_action: {what: Relance post-offre, date: 2025-10-16}\n", ""))
    board = pages.site_pages(load_project(scratch_project.root, AS_OF), AS_OF).pages[pages.BOARD]
    proposal = board.split("Offre envoyée")[1].split("</section>")[0]
    assert proposal.index("OPP-2025-030") < proposal.index("OPP-2025-001") < proposal.index("OPP-2025-019")
    idle = proposal.split("OPP-2025-001")[1].split("</li>")[0]
    assert '<span class="dd-flag dd-flag--no-next">NO ACTION</span>' in idle
    assert board.count("NO ACTION") == 1  # the only active card without a dated next action
    assert '→ Relance post-offre · <span class="dd-date">2025-10-16</span>' in proposal
    assert ('<span class="dd-blocked">BLOCKED</span> <span class="dd-date">2025-10-20</span> · Attente DPA juridique'
            in board)
    css = (ROOT / "generator/default_templates/site/assets/dealdocs/dealdocs.css").read_text(encoding="utf-8")
    assert "min-height" in css.split(".dd-col__head {")[1].split("}")[0]
    assert "white-space: nowrap" in css.split(".dd-date {")[1].split("}")[0]


@pytest.fixture(scope="module")
def sample_metrics() -> dict:
    """metrics.json of the shipped sample content, as of its day."""
    from generator.metrics import from_project
    from generator.project import load_project
    return from_project(load_project(ROOT, AS_OF, use_cache=False), AS_OF)


@pytest.mark.parametrize("language, figures, readings", [
    ("fr", ["1,3", "19", "5,3 ± 1", "270 950 €"], ["gain par semaine (moy. 6 sem.)", "cartes actives",
                                                   "gains en 4 sem. · ≥\u00a04 à 85\u00a0%"]),
    ("en", ["1.3", "19", "5.3 ± 1", "€270,950"], ["wins per week (6-week mean)", "active cards",
                                                  "wins in 4 weeks · ≥\u00a04 at 85%"]),
])
def test_metric_tiles_show_a_short_figure_over_a_small_reading(sample_metrics: dict, language: str,
                                                                figures: list[str], readings: list[str]) -> None:
    """Four tiles: the figure alone in bold (no unit sentence to wrap), its reading on a smaller line."""
    html = pages.metric_tiles(sample_metrics, language)
    assert re.findall(r"<strong>([^<]*)</strong>", html) == figures
    assert re.findall(r"<small>([^<]*)</small>", html)[:3] == readings
    assert html.count('class="dd-figure"') == 4 and "(s)" not in html and "(≥" not in html
    css = (ROOT / "generator/default_templates/site/assets/dealdocs/dealdocs.css").read_text(encoding="utf-8")
    figures_rule = css.split(".dd-figures {")[1].split("}")[0]
    assert "grid-template-columns" in figures_rule and "stretch" in figures_rule  # one row, equal heights


@pytest.mark.parametrize("language", ["fr", "en"])
def test_metrics_and_register_pages_follow_the_language(tmp_path: Path, language: str) -> None:
    """The metrics tiles, definitions and verdict, and the register script's messages, in the site's language."""
    from generator.metrics import from_project
    from generator.project import load_project
    scratch = Scratch(tmp_path / "repo")
    write_project(scratch)
    scratch.write("mkdocs.yml", f"site_name: Ventes\nextra:\n  dealdocs:\n    language: {language}\n")
    project = load_project(scratch.root, AS_OF)
    extras = pages.Extras(frozenset({"metrics/index.html", "metrics/cycle-time.svg"}), from_project(project, AS_OF))
    result = pages.site_pages(project, AS_OF, extras)
    page, register = result.pages[pages.METRICS], result.pages[pages.REGISTER]
    island = json.loads(register.split('id="dd-labels">')[1].split("</script>")[0])
    french = ["<span>Débit</span>", "par semaine (moy. 6 sem.)", "<span>Prévision</span>",
              "85e centile", "depuis la dernière action", "## Définitions et chiffres"]
    english = ["<span>Throughput</span>", "per week (6-week mean)", "<span>Forecast</span>",
               "85th percentile", "since the last action", "## Definitions and figures"]
    if language == "fr":
        assert [w for w in french if w in page] == french and not [w for w in english if w in page]
        assert "text" not in island  # the script's own French messages: the French page is unchanged
        return
    assert [w for w in english if w in page] == english and not [w for w in french if w in page]
    assert "<figcaption>Cycle time: days from a card's entry on the board" in page.replace("&#x27;", "'")
    assert island["text"]["count"] == "{shown} of {total} CRCs" and island["text"]["date"] == "iso"


@pytest.mark.parametrize("theme, interface", [("{name: material}", "en"), ("{name: material, language: fr}", "fr")])
def test_material_interface_follows_the_dealdocs_language(scratch_project: Scratch, tmp_path: Path, theme: str,
                                                          interface: str) -> None:
    """Without theme.language in mkdocs.yml, Material speaks extra.dealdocs.language; a set one is kept."""
    write_project(scratch_project)
    scratch_project.write("mkdocs.yml", f"site_name: Sales\ntheme: {theme}\nextra:\n  dealdocs:\n    language: en\n")
    out = tmp_path / "out"
    result = build(scratch_project.root, out, AS_OF)
    assert not result.failed(False), [f.format() for f in result.findings]
    home = (out / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{interface}"' in home
    assert ('placeholder="Search"' if interface == "en" else 'placeholder="Rechercher"') in home
    assert "Playbooks and scripts" in home  # the generated pages follow extra.dealdocs.language either way


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "**gras** et _italique_", "[clic](javascript:alert(1))", "`code`", "a | b",
    ":smile: :material-star:", "# titre", "- tiret", "12. point", "> citation", "texte {#id .cls}",
    "~~barré~~ ==marqué== ^^inséré^^ ++ctrl+alt++", "R&D &lt;b&gt; &amp;", "https://exemple.fr/x", "\\*échappé\\*",
])
def test_md_renders_record_text_literally(text: str) -> None:
    import markdown
    html = markdown.markdown(f"- {pages.md(text)}\n", extensions=MARKDOWN_EXTENSIONS)
    parser = Links()
    parser.feed(html)
    assert re.fullmatch(r"<ul>\s*<li>.*</li>\s*</ul>", html, re.S) and "<li>" in html and html.count("<") == 4, html
    assert "".join(parser.text).strip() == text


def test_md_keeps_plain_french_readable() -> None:
    assert pages.md("Douleur principale : 3 outils, « prix » l'été.") == "Douleur principale : 3 outils, « prix » l'été."
    assert pages.md("- tiret\n1. liste") .startswith("&#45; tiret 1. liste")
    assert pages.md("12. point").startswith("&#49;&#50;.")


def test_front_matter_escapes_every_value() -> None:
    text = pages.front_matter('</title><script>"x"', tags=["<b>", "prix"], description="a & b")
    assert "<" not in text
    assert '"&lt;/title&gt;&lt;script&gt;&quot;x&quot;"' in text and '["&lt;b&gt;", "prix"]' in text
    assert '"a &amp; b"' in text


def test_opportunity_pages_are_unique_and_file_safe() -> None:
    found = pages._opportunity_pages(["OPP 1", "OPP-1", "opp/1", "client:Société Générale"])
    assert len(set(found.values())) == 4
    assert all(re.fullmatch(r"opportunites/[a-z0-9-]+\.md", p) for p in found.values())
    assert found["client:Société Générale"] == "opportunites/client-societe-generale.md"


# --- serve -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def _wait(predicate, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_serve_rebuilds_and_survives_bad_input(scratch_project: Scratch, tmp_path: Path) -> None:
    write_project(scratch_project)
    port = _free_port()
    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(scratch_project.root),
                                 "--port", str(port), "--as-of", AS_OF.isoformat()], cwd=ROOT,
                                stdout=sink, stderr=subprocess.STDOUT)
    try:
        home = f"http://127.0.0.1:{port}/index.html"
        assert _wait(lambda: _get(home)[0] == 200), log.read_text()
        page = scratch_project.root / "content/kb/objections/prix.md"
        page.write_text(page.read_text(encoding="utf-8").replace("4 temps", "5 temps"), encoding="utf-8")
        prix = f"http://127.0.0.1:{port}/kb/objections/prix.html"
        assert _wait(lambda: "5 temps" in _get(prix)[1]), log.read_text()
        scratch_project.write("content/crc/broken.yaml", "client: [unclosed\n")
        assert _wait(lambda: "content/crc/broken.yaml" in log.read_text()), log.read_text()
        assert _get(home)[0] == 200 and "5 temps" in _get(prix)[1]  # still serving the last good build
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_rel_normalises_paths_like_normpath() -> None:
    """Already-normal paths skip normpath; the others still go through it, with the same result."""
    import itertools
    import posixpath
    for parts in itertools.product(["a", "..", ".", "", "x.md"], repeat=3):
        path = "/".join(parts)
        norm = posixpath.normpath(path)
        assert pages._parts(path) == (() if norm == "." else tuple(norm.split("/"))), path
    assert pages.rel("opportunites/x.md", "crc/A-v1.0.html") == "../crc/A-v1.0.html"
    assert pages.rel("index.md", "./crc//A.html") == "crc/A.html"


def test_a_page_entry_is_read_whole_only_when_its_output_file_is_not_kept(tmp_path: Path) -> None:
    """The metadata is sealed apart from the HTML: a page the previous output holds with the entry's hash
    is used without reading its HTML; any other page's HTML is verified, and a corrupted one refused."""
    from generator.site import CachedPage, PageStore
    html = b"<html>page</html>"
    store = PageStore(tmp_path)
    store.put("k" * 64, CachedPage("opportunites/x.md", html, search=[{"location": "x.html"}]))
    path = store._path("k" * 64)
    path.write_bytes(path.read_bytes()[:-5] + b"XXXXX")  # the HTML part corrupted, the metadata intact
    digest = hashlib.sha256(html).hexdigest()
    kept = PageStore(tmp_path, previous={"opportunites/x.html": digest})
    entry = kept.get("k" * 64, "opportunites/x.html")
    assert entry is not None and (entry.digest, entry.size, entry.html) == (digest, len(html), b"")
    assert entry.search == [{"location": "x.html"}]
    assert PageStore(tmp_path).get("k" * 64, "opportunites/x.html") is None  # not kept: read whole, refused
    assert not path.exists()  # and deleted, so the page is rendered again
