"""Every output of a build, generated from the loaded project into a Writer."""
from __future__ import annotations

import logging
from contextlib import nullcontext
from collections import defaultdict
from datetime import date
from typing import Any, Callable, Optional

from . import custody, diff
from .cachefile import store
from .context import crc_context
from .i18n import labels, long_date
from .models import ERROR, CardDoc, CrcDoc, Finding
from .pipeline import Progress, Writer, json_rows, sha256
from .project import Project
from .timing import measure
from .forks import yielding
from .documents import CACHE_DIR, Cache, Job, render_documents, template_set
from .render.board import board_files, start_board
from .workers import Workers, worker_count
from .render.metrics_page import write_metrics
from .render.crm import write_crm

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


def history_rows(chain: list[CrcDoc], language: str,
                 lock: Optional[dict[str, custody.LockEntry]] = None) -> list[dict[str, Any]]:
    """The version history shown on every version's page: sent date, reason, locked record hash."""
    lab = labels(language)
    lock = lock or {}
    return [{"name": d.name, "version": d.crc.version, "date": long_date(d.crc.sent_on, language),
             "status": d.crc.status, "status_label": lab[d.crc.status],
             "reason": d.crc.amendment.reason if d.crc.amendment and d.crc.amendment.reason else "",
             "sha256": lock[d.name].sha256 if d.name in lock else custody.record_hash(d.crc) if d.crc.sent_on else "",
             "locked": d.name in lock} for d in chain]


class ViewModels:
    """The view model of every CRC, each made when first asked for, and the key of what each is made from.

    A CRC's view model is made from its record, the other versions of its CRC (history, changes, lock),
    its opportunity's card when it is the opportunity's latest CRC, the board's column titles, the
    language and dealdocs' code: `key()` hashes exactly these (records by their files' sha256), so a
    build asks for the view models of the CRCs whose key changed, and of no other.
    """

    def __init__(self, project: Project, score_memo: Any = None) -> None:
        from .rules import latest_by_opportunity
        self.project = project
        self.score_memo = score_memo  # cachefile.TextStore of scores by record (a rebuild skips scoring)
        self.language = project.settings.language
        self.docs = sorted(project.crcs, key=lambda d: d.name)
        self.by_name = {doc.name: doc for doc in self.docs}
        self.chains = version_chains(project.crcs)
        self.latest_by_key = latest_by_opportunity(project.crcs)  # opportunity key → its latest CRC
        self.latest = {d.name for d in self.latest_by_key.values()}
        self.cards = project.cards_by_id
        board = project.board
        self.titles = {c.key: c.title for c in board.columns} if board else {}
        self._contexts: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, str] = {}
        self._members: dict[str, bytes] = {}
        self._scores: dict[str, int] = {}
        self._salt = ""

    def card(self, doc: CrcDoc) -> Optional[CardDoc]:
        """The card shown with doc: its opportunity's, when doc is the opportunity's latest CRC."""
        return self.cards.get(doc.crc.opportunity or "") if doc.name in self.latest else None

    def context(self, name: str) -> dict[str, Any]:
        """The view model of the CRC version called name (made once)."""
        ctx = self._contexts.get(name)
        if ctx is None:
            doc = self.by_name[name]
            card = self.card(doc)
            chain = self.chains[base_name(name)]
            ctx = crc_context(doc, self.language, card.card if card else None,
                              history_rows(chain, self.language, self.project.lock), self.titles)
            ctx["sent_on_iso"] = doc.crc.sent_on.isoformat() if doc.crc.sent_on else ""
            before = self.previous(name)
            if before is not None:
                ctx["changes"] = diff.changes(self.context(before), ctx)
            self._contexts[name] = ctx
        return ctx

    def previous(self, name: str) -> Optional[str]:
        """The name of the version before name in its chain, if any."""
        return _previous(self.chains, self.by_name[name])

    def score(self, name: str) -> int:
        """The CRC's score out of 10 (what its view model shows, without making the view model)."""
        total = self._scores.get(name)
        if total is None:
            from .rules import score
            doc = self.by_name[name]
            if self.score_memo is None:
                total = score(doc.crc, self.language).total
            else:  # by the record's file, dealdocs' code and the language (all in the salt)
                total = int(self.score_memo.text(f"{self.salt}|{record_digest(doc)}",
                                                 lambda: str(score(doc.crc, self.language).total),
                                                 accept=_SCORES.__contains__))  # never a text that is no score
            self._scores[name] = total
        return total

    def key(self, name: str) -> str:
        """A hash of everything the view model of name is made from (see the class)."""
        key = self._keys.get(name)
        if key is None:
            import hashlib
            chain = self.chains[base_name(name)]
            key = self._keys[name] = hashlib.sha256(
                f"{self.salt}|{name}".encode("utf-8", "surrogatepass") + b"".join(map(self._member, chain))).hexdigest()
        return key

    def _member(self, doc: CrcDoc) -> bytes:
        """What one version adds to the key of each version of its chain (made once per version)."""
        member = self._members.get(doc.name)
        if member is None:
            card, entry = self.card(doc), self.project.lock.get(doc.name)
            member = self._members[doc.name] = "\0".join((
                doc.name, doc.source.path, record_digest(doc), entry.sha256 if entry else "-",
                card_digest(card) if card else "-")).encode("utf-8", "surrogatepass")
        return member

    @property
    def salt(self) -> str:
        """What every view model depends on: dealdocs' version and code, the language, the column titles."""
        if not self._salt:
            import json
            from . import __version__
            from .cachefile import code_digest
            self._salt = f"{__version__}|{code_digest()}|{self.language}|{json.dumps(self.titles, sort_keys=True)}"
        return self._salt

    def job(self, name: str, complete: bool = True) -> Job:
        """The render job of name: its key, and its view models when complete."""
        doc, key = self.by_name[name], self.key(name)
        if not complete:
            return Job(name, doc.source.path, key)
        before = self.previous(name)
        return Job(name, doc.source.path, key, self.context(name), self.context(before) if before else None)

    def items(self) -> list[tuple[CrcDoc, dict[str, Any]]]:
        """Every CRC with its view model, in name order (makes them all)."""
        return [(doc, self.context(doc.name)) for doc in self.docs]


_SCORES = frozenset(str(n) for n in range(11))


def record_digest(doc: CrcDoc) -> str:
    """The sha256 of the CRC's file, else of its data (a record not read from a file)."""
    if doc.source.digest:
        return doc.source.digest
    import hashlib
    import json
    return hashlib.sha256(json.dumps(doc.data, sort_keys=True, default=str).encode()).hexdigest()


def card_digest(doc: CardDoc) -> str:
    """The sha256 of the card's file and its path, else of the card itself."""
    if doc.source.digest:
        return f"{doc.source.path}:{doc.source.digest}"
    import hashlib
    return hashlib.sha256(doc.card.model_dump_json().encode()).hexdigest()


def crc_contexts(project: Project) -> list[tuple[CrcDoc, dict[str, Any]]]:
    """The view model of every CRC, in name order."""
    return ViewModels(project).items()


def _previous(chains: dict[str, list[CrcDoc]], doc: CrcDoc) -> Optional[str]:
    """The name of the version before doc in its chain, if any (found by name: no record comparisons)."""
    chain = chains[base_name(doc.name)]
    if chain[0].name == doc.name:
        return None
    names = [d.name for d in chain]
    return names[names.index(doc.name) - 1]


def crc_jobs(project: Project, models: Optional[ViewModels] = None) -> list[Job]:
    """One render job per CRC version, with its view model and the previous version's (for the redline)."""
    models = models or ViewModels(project)
    return [models.job(doc.name) for doc in models.docs]


def start_documents(project: Project, writer: Writer, workers: Workers, progress: Optional[Progress] = None,
                    use_cache: bool = True, models: Optional[ViewModels] = None) -> Callable[[], list[Finding]]:
    """Start crc/<NAME>.docx, .html and companions for every CRC (each written as soon as it exists).

    A CRC whose cache key is the one of the previous build keeps its files from the previous output
    without reading the cache. Returns what waits for the last document and gives the findings.
    """
    try:
        templates = template_set(project.root)
    except OSError as exc:
        failed = [Finding("templates/crc.docx", 1, ERROR, "", f"cannot read the Word template: {exc}")]
        return lambda: failed
    cache = Cache(project.root, enabled=use_cache)
    state = DocumentState(project.root, writer) if use_cache else None
    models = models or ViewModels(project)

    def complete(job: Job) -> Job:
        return job if job.context is not None else models.job(job.name)
    keys: dict[str, str] = {}

    def write_files(name: str, files: dict[str, bytes]) -> None:
        for rel, data in sorted(files.items()):
            writer.write(rel, data)
        if state is not None:
            state.written[name] = sorted(files)
    with measure("word+html"):
        jobs = [models.job(doc.name, complete=False) for doc in models.docs]
        batch, errors = render_documents(jobs, templates, cache, workers, write_files, progress,
                                         reuse=state.keep if state else None, keys_out=keys, complete=complete)

    def finish() -> list[Finding]:
        with measure("word+html (wait)"):
            batch.wait()
        log.info("documents: %d kept, %d from cache, %d rendered", state.kept if state else 0, cache.hits,
                 cache.misses)
        if state is not None:
            state.save(keys)
        return [Finding(t, line, ERROR, "", msg) for t, line, msg in sorted(errors)]
    return finish


class DocumentState:
    """Which cache key made each CRC's files in the previous build, and those files' hashes and sizes.

    Kept in .dealdocs-cache/documents.json. It only says which files to look for: a file is kept from
    the previous output only when that output's manifest vouches for the same hash (Writer.reuse, which
    claims it when the build's prelinks already linked it into staging, and links it otherwise).
    """

    VERSION = 1

    def __init__(self, root: Any, writer: Writer) -> None:
        self.path = root / CACHE_DIR / "documents.json"
        self.writer = writer
        self.written: dict[str, list[str]] = {}
        self.kept = 0
        self.previous: dict[str, Any] = {}
        try:
            import json
            data = json.loads(self.path.read_bytes())
            if isinstance(data, dict) and data.get("version") == self.VERSION and isinstance(data.get("jobs"), dict):
                self.previous = data["jobs"]
        except (OSError, ValueError):
            pass

    def keep(self, job: Job, key: str) -> bool:
        """Keep job's files from the previous output when they were made with this key and are unchanged."""
        entry = self.previous.get(job.name)
        try:
            if not entry or entry[0] != key or not entry[1]:
                return False
            files = [(str(rel), str(digest), int(size)) for rel, digest, size in entry[1]]
        except (TypeError, ValueError, IndexError):
            return False
        if not all(rel.startswith("crc/") and self.writer.reuse(rel, digest, size) for rel, digest, size in files):
            return False  # the files kept so far are written again with the others
        self.written[job.name] = [rel for rel, _, _ in files]
        self.kept += 1
        return True

    def save(self, keys: dict[str, str]) -> None:
        """Record this build's keys and files (best effort)."""
        import json
        hashes, sizes = self.writer.hashes, self.writer.sizes
        jobs = {name: [keys[name], [[rel, hashes[rel], sizes[rel]] for rel in rels if rel in hashes]]
                for name, rels in sorted(self.written.items()) if name in keys}
        store(self.path, json.dumps({"version": self.VERSION, "jobs": jobs}, separators=(",", ":")).encode())


def docx_hashes(project: Project, writer: Writer) -> dict[str, str]:
    """The sha256 of every CRC's Word file written in this build, by CRC name."""
    return {d.name: writer.hashes[f"crc/{d.name}.docx"] for d in project.crcs if writer.has(f"crc/{d.name}.docx")}


def crc_index(project: Project, hashes: dict[str, str],
              scores: Optional[dict[str, int]] = None) -> list[dict[str, Any]]:
    """crc/index.json: one object per CRC version, sorted by name (scores: by name, when already computed)."""
    from . import rules
    scores = scores or {}
    rows = []
    for doc in sorted(project.crcs, key=lambda d: d.name):
        crc = doc.crc
        people = crc.participants.client + crc.participants.vendor
        rows.append({"name": doc.name, "client": crc.client, "opportunity": crc.opportunity,
                     "date": crc.date.isoformat(), "type": crc.type, "version": crc.version,
                     "keywords": list(crc.keywords), "participants": [p.name for p in people],
                     "score": scores[doc.name] if doc.name in scores else rules.score(crc).total,
                     "status": crc.status,
                     "sha256": hashes.get(doc.name, "")})
    return rows


def cached_metrics(project: Project, as_of: date, use_cache: bool,
                   compute: Callable[[Project, date], dict[str, Any]]) -> dict[str, Any]:
    """The metrics of the cards and board as of a date, from the cache when they are unchanged.

    The forecast's Monte Carlo costs more than everything else the metrics do, and a CRC edit
    does not change them. A stored entry that does not load is recomputed, never trusted.
    """
    import hashlib
    import json
    from . import __version__
    from .documents import CACHE_DIR
    assert project.board is not None
    key = hashlib.sha256(f"metrics|{__version__}|{as_of.isoformat()}|{project.board_digest}".encode()).hexdigest()
    path = project.root / CACHE_DIR / "metrics" / f"{key}.json"
    if use_cache:
        try:
            stored = json.loads(path.read_bytes())
            if isinstance(stored, dict) and stored.get("as_of") == as_of.isoformat():
                return stored
        except (OSError, ValueError):
            pass
    metrics = compute(project, as_of)
    if use_cache:
        store(path, json.dumps(metrics, ensure_ascii=False).encode("utf-8"))
    return metrics


def generate(project: Project, as_of: date, writer: Writer, progress: Optional[Progress] = None,
             jobs: Optional[int] = None, use_cache: bool = True, site: Any = None) -> list[Finding]:
    """Write every output; return the findings of rendering.

    The knowledge base's pages are generated first and handed to MkDocs in `site` (a SiteProcess,
    when given); while it builds them, the Word/HTML documents and the board's pages render in one
    pool of worker processes. The register's data, which needs the Word files' hashes, is written last.
    """
    from .pages import Extras
    from .site import extras_in, start_site
    with measure("view models"):
        from .cachefile import TextStore
        score_memo = TextStore(project.root / CACHE_DIR / "scores.json") if use_cache else None
        models = ViewModels(project, score_memo)  # one view model per CRC, made when needed, shared by every output
    metrics = None
    if project.board is not None:
        from .metrics import from_project
        with measure("metrics"):
            metrics = cached_metrics(project, as_of, use_cache, from_project)
    with measure("metrics"):
        findings = write_metrics(project, as_of, writer, metrics, use_cache)
    found = extras_in(writer)
    extras = Extras(found.files | frozenset(board_files(project)), found.metrics)
    with measure("site pages"):
        site_done = start_site(project, as_of, writer, {}, use_cache=use_cache, models=models, extras=extras,
                               register=False, engine=site)
    with yielding(PAGES_FIRST) if site is not None else nullcontext():  # the pages wait for nothing else
        return _render_rest(project, as_of, writer, progress, jobs, use_cache, models, metrics, site_done, findings)


PAGES_FIRST = 10  # how much lower this process's priority is while a process makes the site's pages


def _render_rest(project: Project, as_of: date, writer: Writer, progress: Optional[Progress], jobs: Optional[int],
                 use_cache: bool, models: ViewModels, metrics: Optional[dict[str, Any]],
                 site_done: Callable[[], list[Finding]], findings: list[Finding]) -> list[Finding]:
    """generate() once the site's pages are under way: documents, board, CRM, index, then the site."""
    from .metrics import headline
    from .site import write_register
    scores = {doc.name: models.score(doc.name) for doc in models.docs}  # once the pages are under way
    with Workers(worker_count(jobs), threshold=1) as workers:  # even one document renders beside the site
        documents = start_documents(project, writer, workers, progress, use_cache, models)
        with measure("board"):
            board = start_board(project, as_of, writer, workers, use_cache=use_cache,
                                headline=headline(metrics, project.settings.language) if metrics else None)
        write_crm(project, writer, scores)
        findings += documents()
        with measure("index+manifest"):  # while the knowledge base may still be building
            rows = crc_index(project, docx_hashes(project, writer), scores)
            writer.write("crc/index.json", json_rows(rows))
        if models.score_memo is not None:
            models.score_memo.save()
        with measure("site"):
            findings += site_done()
        with measure("board (wait)"):
            findings += board()
    if writer.has("index.html"):  # the knowledge base was built: its register reads the index
        write_register(writer, rows)
    return findings
