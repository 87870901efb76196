"""The MkDocs adapter: the only module that imports mkdocs (it is itself imported only to build or serve).

Choice: a small MkDocs plugin (`DealdocsPlugin`) that adds the pages of generator/pages.py to MkDocs'
file collection as in-memory files, rather than writing a docs tree to a temporary folder first.
- The same plugin serves `dealdocs build`, and plain `mkdocs build` / `mkdocs serve` on a repository
  whose mkdocs.yml lists `plugins: [..., dealdocs]` (the package registers it as an MkDocs plugin;
  `hooks: [generator/mkdocs_hooks.py]` does the same from a checkout of dealdocs): one code path, no copy
  of the content, no temporary docs folder to watch (which would re-trigger `mkdocs serve` on every rebuild).
- `docs_dir` is `content/`; the plugin keeps `content/kb/` (pages and their images) and drops the YAML
  records, so the hand-written pages keep their relative links and MkDocs watches `content/` itself.
- Engine independence lives in generator/pages.py (pure: `{docs path: Markdown}` plus a nav). Moving
  to Zensical, which reads the same mkdocs.yml but not Python plugins, means writing those pages to a
  folder and running it there: this module is the only one to replace.

`dealdocs build` runs MkDocs in a child process (SiteProcess) forked when the build starts: it loads
the configuration, plugins and theme while the build loads the project, then receives the generated
pages and builds them into a temporary directory while the Word files and board pages render in worker
processes (outputs.generate names the board and metrics files the pages may link). The build copies the
result into its staging directory through the Writer, linking every file whose hash the previous output
already had. There, MkDocs' docs_dir is a temporary folder linking only `content/kb/` (10,000 CRC records
need not be listed), and a page cache (see "the page cache" below) skips every page whose Markdown and
surroundings did not change. Where no process can be forked (no fork, or `dealdocs serve`'s server thread),
the same _Engine runs in-process.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path, PurePath
from types import ModuleType
from typing import Any, Callable, Iterator, Optional

from .forks import release_signals, signals_held
from .cachefile import seal, store, unseal
from .models import ERROR, WARNING, Finding
from .pages import REGISTER_DATA, Extras, SitePages, site_pages
from .templates import DEFAULTS, display_path, template_path

log = logging.getLogger(__name__)

SITE_DEFAULTS = DEFAULTS / "site"
DEFAULT_CONFIG = SITE_DEFAULTS / "mkdocs.yml"
ASSETS = "assets/dealdocs"
CSS = f"{ASSETS}/dealdocs.css"
SCRIPTS = (f"{ASSETS}/register.js",)
WORKER_SHIM = f"{ASSETS}/iframe-worker.js"
SKIPPED = {"sitemap.xml", "sitemap.xml.gz"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_refused = logging.getLogger("mkdocs.plugins.dealdocs")  # its messages become findings (see _Collect)


def config_path(root: Path) -> Path:
    """The project's mkdocs.yml, else the built-in one."""
    own = root / "mkdocs.yml"
    return own if own.is_file() else DEFAULT_CONFIG


def asset_files(root: Optional[Path]) -> dict[str, bytes]:
    """The site's static assets, each overridable by templates/site/<same path>."""
    out = {}
    for path in sorted((SITE_DEFAULTS / "assets").rglob("*")):
        if path.is_file():
            rel = path.relative_to(SITE_DEFAULTS).as_posix()
            out[rel] = template_path(root, f"site/{rel}").read_bytes()
    return out


def _plugin_base() -> type:
    from mkdocs.plugins import BasePlugin
    return BasePlugin


class DealdocsPlugin(_plugin_base()):  # type: ignore[misc]
    """Adds the generated knowledge-base pages and assets to a MkDocs build."""

    def __init__(self) -> None:
        super().__init__()
        self.prepared: Optional[tuple[Path, SitePages]] = None
        self.current: Optional[tuple[Path, SitePages]] = None

    def prepare(self, root: Path, pages: SitePages) -> None:
        """Use these pages for the next build (dealdocs build), instead of loading the project."""
        self.prepared = (root, pages)

    def on_config(self, config: Any) -> Any:
        """Load the pages, set the nav if the config has none, force file://-friendly URLs.

        The theme's own words (search box, "Table of contents"…) follow `extra.dealdocs.language` unless
        the project's mkdocs.yml sets `theme.language` itself (the built-in configuration does not count).
        """
        from .project import mkdocs_config
        root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        self.current = self.prepared or (root, _load_pages(root))
        root, pages = self.current
        config.use_directory_urls = False  # pages link output files by relative .html paths
        if config.nav is None:
            config.nav = pages.nav
        _ensure_assets(config)
        theme = mkdocs_config(root).get("theme")
        if not (isinstance(theme, dict) and "language" in theme):
            ours = config.extra.get("dealdocs")
            language = ours.get("language") if isinstance(ours, dict) else None
            config.theme["language"] = language if language in ("fr", "en") else "fr"
        return config

    def on_files(self, files: Any, *, config: Any) -> Any:
        """Keep content/kb/ (minus the pages regenerated here), add the generated pages and assets."""
        from mkdocs.structure.files import File, Files
        assert self.current is not None
        root, pages = self.current
        generated = {**{k: v.encode("utf-8") for k, v in pages.pages.items()}, **asset_files(root)}
        docs = os.path.normpath(os.path.abspath(config.docs_dir)) + os.sep
        home = os.path.realpath(root) + os.sep

        def keep(f: Any) -> bool:  # theme files stay; from content/, only kb/ (pages and images)
            from_docs = f.abs_src_path is not None and os.path.normpath(f.abs_src_path).startswith(docs)
            if f.src_uri in generated or (from_docs and not f.src_uri.startswith("kb/")):
                return False
            if from_docs and not os.path.realpath(f.abs_src_path).startswith(home):
                _refused.error("'%s': symbolic link pointing outside the repository: refused", f.src_uri)
                return False
            return True
        kept = [f for f in files if keep(f)]
        out = Files(kept)
        for uri, data in generated.items():
            out.append(File.generated(config, uri, content=data))
        return out

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        """Keep the theme's compiled templates between builds (.dealdocs-cache/site-templates)."""
        import jinja2
        if self.current is not None:
            folder = self.current[0] / ".dealdocs-cache" / "site-templates"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
            except OSError:
                pass  # a read-only checkout builds without the cache
        return env

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        """Also rebuild when templates/ or mkdocs.yml change (content/ is the docs_dir)."""
        root = self.current[0] if self.current else Path.cwd()
        for extra in (root / "templates", root / "content"):
            if extra.is_dir():
                server.watch(str(extra))
        return server

    def on_post_build(self, *, config: Any) -> None:
        """Forget the prepared pages: the next build loads them afresh."""
        self.prepared = None


def _ensure_assets(config: Any) -> None:
    """Our CSS, register script and local Worker shim, whatever the user's mkdocs.yml lists."""
    from mkdocs.config.config_options import ExtraScriptValue
    if CSS not in [str(c) for c in config.extra_css]:
        config.extra_css.append(CSS)
    for script in SCRIPTS:
        if script not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(ExtraScriptValue(script))
    polyfills = [p for p in config.extra.get("polyfills", []) if "unpkg.com/iframe-worker" not in str(p)]
    if WORKER_SHIM not in [str(p) for p in polyfills]:
        polyfills.append(WORKER_SHIM)  # the offline plugin would add a CDN copy otherwise
    config.extra["polyfills"] = polyfills


def _load_pages(root: Path) -> SitePages:
    """For plain `mkdocs build` / `mkdocs serve`: load the project and generate the pages."""
    from .cli import default_as_of
    from .project import load_project
    as_of = default_as_of(root)
    project = load_project(root, as_of)
    for f in project.findings:
        (log.error if f.severity == ERROR else log.warning)(f.format())
    return site_pages(project, as_of, Extras(), _index_rows(project, {}))


def _index_rows(project: Any, hashes: dict[str, str]) -> list[dict[str, Any]]:
    from .outputs import crc_index
    return crc_index(project, hashes)


# --- the page cache (dealdocs build only) ---------------------------------------------------------
#
# MkDocs converts and renders every page on every build. For `dealdocs build`, each page's final HTML,
# search-index entries, warnings and link facts are kept in .dealdocs-cache/site-pages/, keyed by the
# page's Markdown and a fingerprint of everything else its HTML depends on (engine versions, config,
# theme overrides, this module, the navigation with its titles, the tags listings). Unchanged pages
# are then skipped by MkDocs' own `dirty` mechanism and their cached HTML is written instead, and the
# search index is rebuilt from every page's entries in the order of a full build: a warm build gives
# the same bytes as a cold one. Links are re-checked (an entry records every target its page looked
# up and whether it existed); an entry that does not verify is ignored and the page re-rendered.

PAGE_CACHE = "site-pages"
PAGE_MEMO = "page-texts.json"  # generated Markdown of opportunity and exemplary pages (pages.site_pages)
_PAGE_MAGIC = b"DPG2"
_CACHE_FORMAT = "3"  # in every page key: a new entry layout never meets the old entries
ENGINE = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2")
_DIRTY_WARNING = "A 'dirty' build is being performed"


@dataclass
class CachedPage:
    """One rendered page and what its rendering told the rest of the build."""

    uri: str
    html: bytes
    search: list[dict[str, Any]] = field(default_factory=list)
    logs: list[list[Any]] = field(default_factory=list)       # [logger name, level, message]
    lookups: dict[str, bool] = field(default_factory=dict)    # docs path looked up → it existed
    anchors: list[str] = field(default_factory=list)          # ids present on the page
    anchor_links: Optional[dict[str, dict[str, str]]] = None  # target path → {anchor: link as written}
    tagged: bool = False
    digest: str = ""  # sha256 of html, for the output's manifest
    size: int = 0  # len(html)

    def encode(self, key: str) -> bytes:
        """The sealed, key-stamped metadata (with the HTML's sha256 and size), its length first, then the HTML.

        The metadata can be read and verified without the HTML: a page whose output file is kept from
        the previous output is never read whole (PageStore.get).
        """
        meta = {"key": key, "uri": self.uri, "search": self.search, "logs": self.logs, "lookups": self.lookups,
                "anchors": self.anchors, "anchor_links": self.anchor_links, "tagged": self.tagged,
                "digest": hashlib.sha256(self.html).hexdigest(), "size": len(self.html)}
        head = seal(_PAGE_MAGIC, json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        return len(head).to_bytes(8, "big") + head + self.html

    @staticmethod
    def decode(blob: bytes, key: str, with_html: bool = True) -> Optional["CachedPage"]:
        """The entry, or None when the blob is truncated, corrupted or filed under another key.

        Without with_html, blob may stop after the metadata and the entry's html is empty.
        """
        if len(blob) < 8:
            return None
        end = 8 + int.from_bytes(blob[:8], "big")
        head = unseal(_PAGE_MAGIC, blob[8:end])
        if head is None:
            return None
        try:
            meta = json.loads(head)
            if not isinstance(meta, dict) or meta.pop("key") != key:
                return None
            entry = CachedPage(html=b"", **meta)
        except (ValueError, TypeError, KeyError):
            return None
        if with_html:
            entry.html = blob[end:]
            if len(entry.html) != entry.size or hashlib.sha256(entry.html).hexdigest() != entry.digest:
                return None
        return entry


class PageStore:
    """Cached pages on disk, one file per key; best effort (a cache that cannot be written is skipped).

    previous: the previous output's manifest ({path: sha256}); a page whose output file it names with
    the entry's hash is kept from that output, so its entry's HTML is neither read nor verified.
    """

    def __init__(self, root: Path, previous: Optional[dict[str, str]] = None) -> None:
        self.dir = root / ".dealdocs-cache" / PAGE_CACHE
        self.previous = previous or {}
        self.used: set[str] = set()
        self.hits = 0
        self.stored = 0
        self.ahead: dict[str, Optional[CachedPage]] = {}  # entries' metadata read ahead (preload), None if unusable

    def preload(self, stop: Callable[[], bool]) -> None:
        """Read and verify the entries ahead while the site process waits for the pages, until stop() (best effort)."""
        try:
            for folder in sorted(os.scandir(self.dir), key=lambda e: e.name):
                if stop():
                    return
                if folder.is_dir(follow_symlinks=False):
                    for entry in os.scandir(folder.path):
                        key, dot, suffix = entry.name.partition(".")
                        if dot and suffix == "page" and key[:2] == folder.name and entry.is_file(follow_symlinks=False):
                            self.ahead[key] = CachedPage.decode(_head(entry.path), key, with_html=False)
        except OSError:
            pass

    def _path(self, key: str) -> Path:
        """Where key's entry is filed."""
        return self.dir / key[:2] / f"{key}.page"

    def get(self, key: str, dest: str = "") -> Optional[CachedPage]:
        """The verified entry for key, else None (a corrupted entry is deleted).

        Its HTML is verified too, unless the previous output holds it as dest (then it is not read).
        """
        self.used.add(key)
        path = self._path(key)
        try:
            entry = self.ahead.pop(key) if key in self.ahead else CachedPage.decode(_head(str(path)), key, False)
            if entry is not None and self.previous.get(dest) != entry.digest:
                entry = CachedPage.decode(path.read_bytes(), key)
        except OSError:
            return None
        if entry is None:
            log.warning("ignoring a corrupted site cache entry %s", path.name)
            path.unlink(missing_ok=True)
        return entry

    def html(self, key: str) -> Optional[bytes]:
        """The verified page HTML of an entry get() gave earlier in this build (None if it changed: deleted)."""
        path = self._path(key)
        try:
            entry = CachedPage.decode(path.read_bytes(), key)
        except OSError:
            return None
        if entry is None:
            path.unlink(missing_ok=True)
            return None
        return entry.html

    def put(self, key: str, entry: CachedPage) -> None:
        """Store entry under key, atomically."""
        self.used.add(key)
        if store(self._path(key), entry.encode(key)):
            self.stored += 1

    def prune(self) -> None:
        """Delete the entries this build neither used nor wrote (older versions of pages)."""
        try:
            folders = [d for d in self.dir.iterdir() if d.is_dir()]
            for folder in folders:
                for entry in os.scandir(folder):
                    if entry.name.split(".", 1)[0] not in self.used:
                        os.unlink(entry.path)
        except OSError:
            pass


def _head(path: str) -> bytes:
    """The start of a page entry's file, up to the end of its metadata (CachedPage.encode)."""
    with open(path, "rb") as fh:
        blob = fh.read(16384)
        if len(blob) >= 8:
            end = 8 + int.from_bytes(blob[:8], "big")
            if end > len(blob):
                if end > 1 << 26:
                    return b""  # no metadata is that long: a corrupted length
                blob += fh.read(end - len(blob))
            blob = blob[:end]
    return blob


def page_key(fingerprint: str, uri: str, source: bytes) -> str:
    """A page's cache key: the site fingerprint, its docs path and its Markdown."""
    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{fingerprint}\0{uri}\0".encode())
    digest.update(source)
    return digest.hexdigest()


def _digest_files(digest: Any, paths: list[Path], base: Path) -> None:
    """Add the names (relative to base) and contents of paths to digest."""
    for path in sorted(paths):
        name = path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())


def engine_fingerprint(root: Path, cfg_path: Path, config: Any) -> str:
    """What every page's HTML depends on besides the navigation: engine, config, theme overrides, code."""
    from importlib.metadata import PackageNotFoundError, version
    from . import __version__
    digest = hashlib.sha256(f"{_CACHE_FORMAT}|{__version__}".encode())
    for dist in ENGINE:
        try:
            digest.update(f"|{dist}={version(dist)}".encode())
        except PackageNotFoundError:
            digest.update(f"|{dist}=-".encode())
    digest.update(json.dumps(_config_view(config), sort_keys=True, ensure_ascii=False).encode())  # !ENV, INHERIT…
    paths = [cfg_path, Path(__file__)]
    paths += [Path(m.__file__) for m in config.plugins.values() if isinstance(m, ModuleType) and m.__file__]  # hooks
    custom = config.theme.custom_dir
    if custom:  # overrides may show anything, the build date included
        paths += [p for p in Path(custom).rglob("*") if p.is_file()]
        digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    _digest_files(digest, paths, root)
    for rel, data in asset_files(root).items():
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def _config_view(config: Any) -> dict[str, Any]:
    """The loaded configuration as plain, deterministic data (plugins by class and options)."""
    view = {k: _stable(config[k]) for k in config if k not in ("plugins", "hooks", "docs_dir", "site_dir", "config_file_path")}
    view["plugins"] = [[name, f"{type(p).__module__}.{type(p).__qualname__}",
                        _stable(getattr(p, "config", None))]
                       for name, p in config.plugins.items()]
    return view


def _stable(value: Any, depth: int = 0) -> Any:
    """JSON-ready, address-free data for a configuration value."""
    from functools import partial
    if depth > 8 or value is None or isinstance(value, (str, int, float, bool)):
        return value if depth <= 8 else "…"
    if isinstance(value, partial):
        return ["partial", _stable(value.func, depth + 1), _stable(value.args, depth + 1), _stable(value.keywords, depth + 1)]
    if isinstance(value, (list, tuple)):
        return [_stable(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_stable(v, depth + 1)) for v in value)
    if callable(getattr(value, "items", None)):
        return {str(k): _stable(v, depth + 1) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    if hasattr(value, "__dict__"):  # public attributes only: private ones may be lazily loaded caches
        return [type(value).__qualname__, {k: _stable(v, depth + 1) for k, v in sorted(vars(value).items())
                                           if not k.startswith("_")}]
    return f"{type(value).__qualname__}:{value}"


def _unmodified() -> bool:
    """`File.is_modified` of a cached page: MkDocs' dirty build then neither reads nor renders it."""
    return False


def _plugin_of(config: Any, module: str) -> list[Any]:
    """The configured plugins of a module (Material's by their module path)."""
    return [p for p in config.plugins.values() if type(p).__module__ == module]


def _cache_supported(config: Any) -> bool:
    """Only with the Material theme and plugins whose per-page output the cache knows how to replay."""
    known = {"material.plugins.search.plugin", "material.plugins.tags.plugin", "material.plugins.offline.plugin",
             "material.plugins.privacy.plugin", __name__}
    for item in config.plugins.values():
        ours = isinstance(getattr(item, "plugin", None), DealdocsPlugin)
        if type(item).__module__ not in known and not ours:
            return False
    for privacy in _plugin_of(config, "material.plugins.privacy.plugin"):
        if privacy.config.enabled and privacy.config.assets and privacy.config.assets_fetch:
            return False  # external assets of a skipped page would not be downloaded
    tags = _plugin_of(config, "material.plugins.tags.plugin")
    return config.theme.name == "material" and len(tags) <= 1 and len(_plugin_of(config, "material.plugins.search.plugin")) <= 1


def _tracked_files(files: Any, sink: Any) -> Any:
    """The build's Files, recording every docs path a page looks up (its links) while it is processed."""
    from mkdocs.structure.files import Files

    uris: dict[str, str] = {}  # path as looked up → as MkDocs normalises it (PurePath: 10,000 lookups a build)

    class TrackedFiles(Files):
        def get_file_from_path(self, path: str) -> Any:
            """The file at path, noting the lookup against the page being processed."""
            uri = uris.get(path)
            if uri is None:
                uri = uris[path] = PurePath(path).as_posix()
            found = self.src_uris.get(uri)
            page = getattr(sink.config, "_current_page", None)
            if page is not None:
                sink.lookups.setdefault(page.file.src_uri, {})[path] = found is not None
            return found

    return TrackedFiles(list(files))


class _PageLogs(logging.Handler):
    """Keeps the warnings MkDocs and its plugins log while a page is processed, by page."""

    def __init__(self, sink: Any) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        page = getattr(self.sink.config, "_current_page", None)
        if page is not None:
            self.sink.logs.setdefault(page.file.src_uri, []).append([record.name, record.levelno, record.getMessage()])


class _HideDirtyWarning(logging.Filter):
    """The page cache drives MkDocs' dirty build on a fresh directory: its warning does not apply."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_DIRTY_WARNING)


def _page_cache_plugin_class() -> type:
    """The page-cache plugin class (defined lazily: MkDocs is imported only to build)."""
    from mkdocs.plugins import BasePlugin, event_priority

    class _PageCache(BasePlugin):  # type: ignore[misc]
        """Skips unchanged pages and replays what their rendering produced (see the section comment)."""

        def __init__(self, store: PageStore, engine: str) -> None:
            """A cache over store, for pages rendered by the engine fingerprinted as engine."""
            super().__init__()
            self.store, self.engine = store, engine
            self.enabled = True
            self.config: Any = None
            self.files: Any = None
            self.keys: dict[str, str] = {}
            self.hits: dict[str, CachedPage] = {}
            self.lookups: dict[str, dict[str, bool]] = {}
            self.logs: dict[str, list[list[Any]]] = {}
            self.search: dict[str, list[dict[str, Any]]] = {}
            self.digests: dict[str, tuple[str, int]] = {}
            self.mark = 0

        @event_priority(-200)
        def on_files(self, files: Any, *, config: Any) -> Any:
            """Last: decide whether the cache applies, and track link lookups."""
            self.config = config
            self.enabled = _cache_supported(config)
            return _tracked_files(files, self) if self.enabled else files

        @event_priority(-200)
        def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
            """Last: the navigation is final, so the pages' keys can be computed and looked up."""
            self.files = files
            if self.enabled:
                self.enabled = self._use_cache(nav, config, files)
            return nav

        @event_priority(200)
        def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
            """Before the tags plugin fills its listings: the skipped pages' tags, in build order."""
            tags = _plugin_of(config, "material.plugins.tags.plugin")
            if self.enabled and tags and any(e.tagged for e in self.hits.values()):
                _restore_tag_mappings(tags[0], files, self.hits)
            return env

        @event_priority(-200)
        def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
            """After search indexed the page: keep its entries."""
            index = _search_index(config)
            if index is not None:
                self.search[page.file.src_uri] = index.entries[self.mark:]
                self.mark = len(index.entries)
            return context

        @event_priority(-200)
        def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
            """Last: store the page's final HTML and what its rendering produced."""
            uri = page.file.src_uri
            key = self.keys.get(uri)
            if self.enabled and key and uri not in self.hits and output.strip():
                links = page.links_to_anchors
                self.store.put(key, CachedPage(
                    uri, output.encode("utf-8", errors="xmlcharrefreplace"), self.search.get(uri, []),
                    self.logs.get(uri, []), self.lookups.get(uri, {}), sorted(page.present_anchor_ids or ()),
                    None if links is None else {f.src_uri: dict(v) for f, v in links.items()},
                    bool(page.meta.get(_tags_property(config)))))
            return output

        @event_priority(200)
        def on_post_build(self, *, config: Any) -> None:
            """Before the search plugin writes its index: every page's entries, in the order of a full build."""
            index = _search_index(config)
            if self.enabled and self.hits and index is not None:
                index.entries = [e for f in self.files.documentation_pages()
                                 for e in (self.hits[f.src_uri].search if f.src_uri in self.hits
                                           else self.search.get(f.src_uri, []))]
            if self.enabled:
                self.store.prune()

        def _use_cache(self, nav: Any, config: Any, files: Any) -> bool:
            """Mark the pages whose verified entry is cached; False when the cache cannot be used."""
            nav_sig = _nav_signature(nav, config)
            if nav_sig is None:
                return False
            directive = _listing_directive(config).encode()
            comment = re.compile(rb"<!--\s*" + re.escape(directive) + rb".*?-->", re.S)
            sources = {f.src_uri: f.content_bytes for f in files.documentation_pages()}
            listings = sorted((uri, comment.findall(src)) for uri, src in sources.items() if directive in src)
            fingerprint = hashlib.sha256(json.dumps([self.engine, nav_sig, repr(listings)]).encode()).hexdigest()
            listing_uris = {uri for uri, _ in listings}
            exists: dict[str, bool] = {}  # pages look up the same paths: ask MkDocs once per path

            def present(path: str) -> bool:
                if path not in exists:
                    exists[path] = files.get_file_from_path(path) is not None
                return exists[path]
            for f in files.documentation_pages():
                if f.src_uri in listing_uris:
                    continue  # a tags listing shows every page's tags: always rendered
                key = self.keys[f.src_uri] = page_key(fingerprint, f.src_uri, sources[f.src_uri])
                entry = self.store.get(key, f.dest_uri)
                if entry is not None and entry.uri == f.src_uri and all(
                        present(p) == found for p, found in entry.lookups.items()):
                    self._replay(entry, f, config, files)
            return True

        def _replay(self, entry: CachedPage, file: Any, config: Any, files: Any) -> None:
            """Skip the page in this build and stand its cached results in for its rendering."""
            from mkdocs.structure.pages import Page
            file.is_modified = _unmodified
            page = file.page or Page(None, file, config)
            if entry.tagged and page.markdown is None:
                page.read_source(config)  # the tags plugin reads its front matter
            page.present_anchor_ids = set(entry.anchors)
            if entry.anchor_links is not None:
                page.links_to_anchors = {files.get_file_from_path(p): v for p, v in entry.anchor_links.items()}
            for name, level, message in entry.logs:
                logging.getLogger(name).log(level, "%s", message)
            self.digests[file.src_uri] = (entry.digest, entry.size)  # checked with the entry's checksum
            entry.html = b""  # read again when written: 10,000 pages of HTML need not stay in memory
            self.hits[file.src_uri] = entry
            self.store.hits += 1

    return _PageCache


def _search_index(config: Any) -> Any:
    """Material's search index being built, if search is on."""
    found = _plugin_of(config, "material.plugins.search.plugin")
    return getattr(found[0], "search_index", None) if found and found[0].config.enabled else None


def _tags_property(config: Any) -> str:
    """The front-matter key holding a page's tags."""
    found = _plugin_of(config, "material.plugins.tags.plugin")
    return found[0].config.tags_name_property if found else "tags"


def _listing_directive(config: Any) -> str:
    """The comment that places a tags listing in a page."""
    found = _plugin_of(config, "material.plugins.tags.plugin")
    return found[0].config.listings_directive if found else "material/tags"


def _nav_signature(nav: Any, config: Any) -> Optional[list[Any]]:
    """The navigation as every page renders it (titles, URLs), or None when a title is only known after rendering."""
    def item(x: Any) -> Any:
        if x.is_page:
            if x.markdown is None:
                x.read_source(config)
            if "title" not in vars(x) and "title" not in x.meta:
                raise LookupError(x.file.src_uri)
            return ["page", x.title, x.url]
        if x.is_section:
            return ["section", x.title, [item(c) for c in x.children]]
        return ["link", x.title, x.url]
    try:
        return [item(x) for x in nav.items]
    except LookupError:
        return None


def _restore_tag_mappings(tags: Any, files: Any, hits: dict[str, CachedPage]) -> None:
    """The tags plugin's page mappings in the order of a full build, the skipped pages' included."""
    data = tags.mappings.data
    rendered = dict(data)
    data.clear()
    for f in files.documentation_pages():
        page = f.page
        if page is None:
            continue
        if f.src_uri in hits:
            if hits[f.src_uri].tagged and tags.filter(f):
                tags.mappings.add(page, page.markdown or "")
        elif page.url in rendered:
            data[page.url] = rendered[page.url]


# --- dealdocs build -------------------------------------------------------------------------------


class _Collect(logging.Handler):
    """Turns MkDocs warnings and errors into findings."""

    def __init__(self, source: str) -> None:
        super().__init__(logging.WARNING)
        self.source = source
        self.findings: list[Finding] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = _ANSI.sub("", record.getMessage()).strip()
        page = re.search(r"'(kb/[^']+)'", message)
        path = f"content/{page.group(1)}" if page else self.source
        severity = ERROR if record.levelno >= logging.ERROR else WARNING
        self.findings.append(Finding(path, 1, severity, "site", message))


@contextlib.contextmanager
def _mkdocs_logs(source: str) -> Iterator[_Collect]:
    """Collect MkDocs' warnings for the duration of a build, without printing them twice."""
    logger = logging.getLogger("mkdocs")
    handler = _Collect(source)
    old = (logger.propagate, logger.level)
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = old


@contextlib.contextmanager
def _build_date(as_of: date) -> Iterator[None]:
    """SOURCE_DATE_EPOCH = as-of, so MkDocs' build dates are reproducible."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(datetime(as_of.year, as_of.month, as_of.day, tzinfo=timezone.utc).timestamp()))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _our_plugin(config: Any) -> DealdocsPlugin:
    """The plugin already loaded by a `hooks:` entry, else a new one added to the config."""
    for item in config.plugins.values():
        found = item if isinstance(item, DealdocsPlugin) else getattr(item, "plugin", None)
        if isinstance(found, DealdocsPlugin):
            return found
    plugin = DealdocsPlugin()
    config.plugins["dealdocs"] = plugin
    return plugin


@dataclass(frozen=True)
class SiteFile:
    """One file of a built site: its output path, hash and size, and where its bytes are."""

    rel: str
    digest: str
    size: int
    path: str = ""  # in the folder MkDocs built into
    key: str = ""   # or the key of the cached page MkDocs skipped


@dataclass
class SiteBuild:
    """What a MkDocs build gave: its problems as findings, its files, and how many pages the cache spared."""

    findings: list[Finding]
    files: list[SiteFile] = field(default_factory=list)
    hits: int = 0
    rendered: int = 0


class _Engine:
    """MkDocs with the project's configuration loaded, ready to build pages (loading costs a few tenths
    of a second, so `dealdocs build` does it in a child process while it loads the project: SiteProcess)."""

    def __init__(self, root: Path, as_of: date, site_dir: Path, store: Optional[PageStore]) -> None:
        self.root, self.as_of, self.site_dir, self.store = root, as_of, site_dir, store
        cfg_path = config_path(root)
        self.cfg_path = cfg_path
        self.source = display_path(cfg_path, root) if cfg_path != DEFAULT_CONFIG else "<built-in>/mkdocs.yml"
        self._stack = contextlib.ExitStack()
        self.config: Any = None
        self.cache: Any = None
        self.failure: Optional[BaseException] = None

    def __enter__(self) -> "_Engine":
        from mkdocs.exceptions import MkDocsException
        stack = self._stack
        docs_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dealdocs-docs-")))
        self.logs = stack.enter_context(_mkdocs_logs(self.source))
        stack.enter_context(_build_date(self.as_of))
        kb = self.root / "content" / "kb"  # docs_dir holds only content/kb (linked): not the records
        try:
            if kb.is_dir():
                os.symlink(kb.absolute(), docs_dir / "kb", target_is_directory=True)
            self._load(docs_dir)
        except (MkDocsException, SystemExit, OSError) as exc:
            self.failure = exc
        return self

    def _load(self, docs_dir: Path) -> None:
        """Load and validate mkdocs.yml, add our plugins, start them."""
        from mkdocs.config import load_config
        config = load_config(config_file=str(self.cfg_path), docs_dir=str(docs_dir.absolute()),
                             site_dir=str(self.site_dir.absolute()))
        self.plugin = _our_plugin(config)
        if self.store is not None:
            self.cache = _page_cache_plugin_class()(self.store, engine_fingerprint(self.root, self.cfg_path, config))
            config.plugins["dealdocs/page-cache"] = self.cache
        config.plugins.on_startup(command="build", dirty=False)
        self._stack.callback(config.plugins.on_shutdown)
        try:
            _prelist_theme(config)
        except Exception:  # noqa: BLE001 — only a head start: MkDocs lists the theme itself otherwise
            log.debug("listing the theme ahead failed", exc_info=True)
        self.config = config

    def build(self, pages: SitePages) -> SiteBuild:
        """Build the pages into site_dir; unchanged pages come from the page store, unbuilt."""
        from mkdocs.commands.build import build
        from mkdocs.exceptions import MkDocsException
        files: list[SiteFile] = []
        if self.config is not None:
            try:
                self.plugin.prepare(self.root.absolute(), pages)
                with _page_logs(self.cache):
                    build(self.config, dirty=self.cache is not None)
                files = self._files()
            except (MkDocsException, SystemExit, OSError) as exc:
                self.failure = exc
            finally:
                self.plugin.prepared = None
        if self.failure is not None and not any(f.severity == ERROR for f in self.logs.findings):
            self.logs.findings.append(Finding(self.source, 1, ERROR, "site",
                                              f"the knowledge base could not be built: {self.failure}"))
        store = self.store
        return SiteBuild(list(self.logs.findings), files, store.hits if store else 0, store.stored if store else 0)

    def _files(self) -> list[SiteFile]:
        """Every file of the site: those MkDocs wrote, and the cached pages it skipped."""
        out = {}
        for path in self.site_dir.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                rel = path.relative_to(self.site_dir).as_posix()
                out[rel] = SiteFile(rel, hashlib.sha256(data).hexdigest(), len(data), path=str(path))
        cache = self.cache
        if cache is not None and cache.enabled and cache.files is not None:
            for f in cache.files:
                if f.src_uri in cache.hits:
                    digest, size = cache.digests[f.src_uri]
                    out[f.dest_uri] = SiteFile(f.dest_uri, digest, size, key=cache.keys[f.src_uri])
        return [out[rel] for rel in sorted(out)]

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()


def _prelist_theme(config: Any) -> None:
    """List the theme's files before the pages arrive: MkDocs walks and filters its ~15,000 files
    (Material's icons) in every build, a tenth of a second; the build then reuses this list."""
    from mkdocs.structure.files import Files
    env = config.theme.get_env()
    listed: dict[Any, list[str]] = {}
    list_templates = env.list_templates

    def listed_once(extensions: Any = None, filter_func: Any = None) -> list[str]:
        key = (repr(extensions), getattr(filter_func, "__code__", filter_func))  # the same filter each build
        if key not in listed:
            listed[key] = list_templates(extensions, filter_func)
        return list(listed[key])
    env.list_templates = listed_once
    Files([]).add_files_from_theme(env, config)
    config.theme.get_env = lambda: env  # this engine builds once: one environment for its build


def build_into(root: Path, pages: SitePages, as_of: date, site_dir: Path,
               store: Optional[PageStore] = None) -> SiteBuild:
    """Run MkDocs on the generated pages into site_dir; MkDocs problems come back as findings.

    With a page store, unchanged pages are not rendered: their cached HTML is named by key in the files.
    """
    with _Engine(root, as_of, site_dir, store) as engine:
        return engine.build(pages)


class SiteProcess:
    """The knowledge base's MkDocs, loaded in a child process while this one loads the project.

    submit() hands it the pages, result() waits for the SiteBuild; its files stay in a temporary folder
    until close(). None from result() means the child is gone: the caller builds in-process instead.
    """

    def __init__(self, root: Path, as_of: date, use_cache: bool, trash: Optional[Path] = None,
                 previous: Optional[Path] = None) -> None:
        import multiprocessing
        self.tmp = tempfile.mkdtemp(prefix="dealdocs-site-")
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_site_child, args=(child, self.conn, root, as_of,
                                                                 Path(self.tmp) / "site", use_cache, trash,
                                                                 previous),
                                       daemon=True)
        with signals_held():
            self.process.start()
        child.close()
        self._sender: Optional[Any] = None
        self._maker: Optional[Any] = None  # the process making the pages (submit_made)
        self._taken = False  # result() received the child's build: it is ending by itself

    @staticmethod
    def start(root: Path, as_of: date, use_cache: bool, trash: Optional[Path] = None,
              previous: Optional[Path] = None) -> Optional["SiteProcess"]:
        """A started site process, or None where processes cannot be forked safely (then build in-process).

        trash: a folder the child deletes while it waits for the pages (the output a previous build replaced);
        previous: the output being replaced (its manifest spares verifying the cached pages it holds).
        """
        import multiprocessing
        import threading
        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        if threading.current_thread() is not threading.main_thread():
            return None  # `dealdocs serve` builds from its server's thread: no fork there
        try:
            return SiteProcess(root, as_of, use_cache, trash, previous)
        except OSError:
            return None

    def submit(self, pages: SitePages) -> None:
        """Hand the pages over; a thread writes them, as the child may still be loading MkDocs."""
        import pickle
        import threading
        blob = pickle.dumps(pages, protocol=pickle.HIGHEST_PROTOCOL)
        self._sender = threading.Thread(target=self._send, args=(blob,), name="dealdocs-site-pages", daemon=True)
        self._sender.start()

    def submit_made(self, make: Callable[[], SitePages], then: Optional[Callable[[], None]] = None) -> bool:
        """Make the pages in a forked process that hands them over, then calls then(); False if none can start.

        This process goes on meanwhile; result() says None if that process failed (the caller then makes
        the pages itself and builds them in-process).
        """
        import multiprocessing
        import threading
        if threading.current_thread() is not threading.main_thread():
            return False
        context = multiprocessing.get_context("fork")
        maker = context.Process(target=_make_pages, args=(self.conn, make, then), name="dealdocs-pages", daemon=True)
        try:
            with signals_held():
                maker.start()
        except OSError:
            return False
        self._maker = maker
        return True

    def _send(self, blob: bytes) -> None:
        try:
            self.conn.send_bytes(blob)
        except OSError:
            pass  # the child is gone: result() says so

    def result(self) -> Optional[SiteBuild]:
        """The child's build of the submitted pages, or None if the child (or the one making the pages) died."""
        if self._sender is not None:
            self._sender.join()
        if self._maker is not None:
            self._maker.join()
            if self._maker.exitcode != 0:
                return None
        try:
            outcome = self.conn.recv()
        except (EOFError, OSError):
            return None
        self._taken = True
        return outcome if isinstance(outcome, SiteBuild) else None

    def close(self) -> None:
        """Stop the child and delete its files: at once when its build was not taken (Ctrl-C, an error)."""
        import shutil
        try:
            self.conn.close()
            if self._maker is not None and self._maker.is_alive():
                self._maker.kill()
                self._maker.join()
            if not self._taken and self.process.is_alive():
                self.process.kill()
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _make_pages(conn: Any, make: Callable[[], SitePages], then: Optional[Callable[[], None]]) -> None:
    """In a forked process: make the pages, hand them to the site process, then call then()."""
    import pickle
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the build stops this process (close)
    release_signals()
    code = 1
    try:
        conn.send_bytes(pickle.dumps(make(), protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
        if then is not None:
            then()
    except BaseException as exc:  # noqa: BLE001 — the build learns of it from the exit code
        log.debug("making the site pages failed: %s", exc, exc_info=True)
    finally:
        os._exit(code)


def _site_child(conn: Any, parent_end: Any, root: Path, as_of: date, site_dir: Path, use_cache: bool,
                trash: Optional[Path], previous: Optional[Path] = None) -> None:
    """In the child: load MkDocs, delete trash, wait for the pages, build them, send the SiteBuild back."""
    import signal
    parent_end.close()  # inherited: without closing it, the pipe would never end if the parent were killed
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the child (close)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    release_signals()
    try:
        from .pipeline import read_manifest
        manifest = read_manifest(previous) if use_cache and previous is not None else None
        store = PageStore(root, manifest[0] if manifest else None) if use_cache else None
        with _Engine(root, as_of, site_dir, store) as engine:
            import pickle
            import shutil
            if trash is not None:
                shutil.rmtree(trash, ignore_errors=True)
            if engine.store is not None:
                engine.store.preload(conn.poll)
            pages = pickle.loads(conn.recv_bytes())
            conn.send(engine.build(pages))
    except BaseException as exc:  # noqa: BLE001 — the parent learns of it and builds in-process
        log.debug("the site process failed: %s", exc, exc_info=True)
    finally:
        conn.close()
        os._exit(0)


@contextlib.contextmanager
def _page_logs(cache: Any) -> Iterator[None]:
    """Record warnings by page for the page cache, and hide MkDocs' dirty-build warning."""
    if cache is None:
        yield
        return
    handler, hide = _PageLogs(cache), _HideDirtyWarning()
    mkdocs_log, build_log = logging.getLogger("mkdocs"), logging.getLogger("mkdocs.commands.build")
    mkdocs_log.addHandler(handler)
    build_log.addFilter(hide)
    try:
        yield
    finally:
        mkdocs_log.removeHandler(handler)
        build_log.removeFilter(hide)


def extras_in(writer: Any) -> Extras:
    """Board and metrics outputs this build already wrote (the staging folder may hold others not claimed)."""
    files = frozenset(rel for rel in writer.hashes if rel.startswith(("board/", "metrics/")))
    metrics = None
    if writer.has("metrics/metrics.json"):
        try:
            metrics = json.loads((writer.base / "metrics" / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            log.warning("metrics/metrics.json does not parse: the metrics page shows the charts only")
    return Extras(files, metrics if isinstance(metrics, dict) else None)


def write_site(project: Any, as_of: date, writer: Any, hashes: dict[str, str], use_cache: bool = True,
               models: Any = None, extras: Optional[Extras] = None,
               register: bool = True) -> list[Finding]:
    """Build the knowledge base and copy it beside the other outputs (index.html, search/, …).

    extras names the board and metrics outputs the pages link (by default, those already in the output);
    register=False leaves out the register's data file, for the caller to write with write_register()
    once the Word files exist. The CRC view models (outputs.ViewModels) are reused when given. Unless
    use_cache is False, unchanged opportunity and exemplary pages come from the page memo
    (.dealdocs-cache/page-texts.json), and unchanged pages' HTML from the page cache (site-pages/).
    """
    return start_site(project, as_of, writer, hashes, use_cache, models, extras, register)()


def start_site(project: Any, as_of: date, writer: Any, hashes: dict[str, str], use_cache: bool = True,
               models: Any = None, extras: Optional[Extras] = None,
               register: bool = True, engine: Optional[SiteProcess] = None) -> Callable[[], list[Finding]]:
    """write_site() in two steps: start generating the pages (with an engine, a SiteProcess started for
    this build, in a process of their own that hands them to it, while this one goes on with the other
    outputs); the function returned builds them if no engine did, then copies the site into the output
    and gives the findings."""
    from .cachefile import TextStore
    rows = _written_index(writer, project, hashes) if register else None
    memo = TextStore(project.root / ".dealdocs-cache" / PAGE_MEMO) if use_cache else None
    found = extras if extras is not None else extras_in(writer)
    made: list[SitePages] = []

    def make() -> SitePages:
        return site_pages(project, as_of, found, rows, models, memo)

    def pages() -> SitePages:
        """The pages, made in this process (once)."""
        if not made:
            made.append(make())
            if memo is not None:
                memo.save()
        return made[0]
    if engine is None or not engine.submit_made(make, memo.save if memo is not None else None):
        if engine is not None:
            engine.submit(pages())
        else:
            pages()
    store = PageStore(project.root) if use_cache else None

    def finish() -> list[Finding]:
        with contextlib.ExitStack() as stack:
            built = engine.result() if engine is not None else None
            if built is None:
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="dealdocs-site-"))
                built = build_into(project.root, pages(), as_of, Path(tmp) / "site", store)
            findings = built.findings
            if not any(f.severity == ERROR for f in findings):
                findings += _copy_site(writer, built.files, store)
        if store is not None:
            log.info("site pages: %d from cache, %d rendered", built.hits, built.rendered)
        return findings
    return finish


def write_register(writer: Any, rows: list[dict[str, Any]]) -> None:
    """The register's data file (crc/index.json as a script), as the site build would have copied it."""
    from .pages import register_data
    writer.write(REGISTER_DATA, register_data(rows).encode("utf-8"))


def _written_index(writer: Any, project: Any, hashes: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of crc/index.json as the build wrote them, else computed."""
    path = writer.base / "crc" / "index.json"
    try:
        if not writer.has("crc/index.json"):
            raise OSError("not written by this build")
        rows = json.loads(path.read_bytes())
        if isinstance(rows, list) and len(rows) == len(project.crcs):
            return rows
    except (OSError, ValueError):
        pass
    return _index_rows(project, hashes)


def _copy_site(writer: Any, files: list[SiteFile], store: Optional[PageStore]) -> list[Finding]:
    """Write the site's files beside the other outputs; an unchanged file is linked from the previous output."""
    findings: list[Finding] = []
    for f in files:
        if f.rel in SKIPPED:
            continue
        if writer.has(f.rel):
            findings.append(Finding("<site>", 1, WARNING, "site", f"{f.rel} is already written by another output: "
                                    "the knowledge-base copy was skipped"))
            continue
        if writer.reuse(f.rel, f.digest, f.size):
            continue
        data = (store.html(f.key) if store is not None else None) if f.key else Path(f.path).read_bytes()
        if data is None:
            return findings + [Finding("<site>", 1, ERROR, "site", f"the cached page {f.rel} changed during the build "
                                       "(.dealdocs-cache/site-pages/): build again")]
        writer.write(f.rel, data)
    return findings


# --- dealdocs serve -------------------------------------------------------------------------------


def serve(root: Path, as_of: Optional[date], host: str = "127.0.0.1", port: int = 8000) -> int:
    """Live preview: build everything into a temporary folder, rebuild on changes, keep serving on errors."""
    from mkdocs.livereload import LiveReloadServer
    from .cli import default_as_of, print_findings
    from .pipeline import BuildError, build
    when = as_of or default_as_of(root)
    _console_logging()
    with tempfile.TemporaryDirectory(prefix="dealdocs-serve-") as tmp:
        out = Path(tmp) / "site"
        out.mkdir()

        def rebuild() -> None:
            try:
                result = build(root, out, when)
            except BuildError as exc:
                log.error("%s", exc)
                return
            print_findings(result.findings)
            if result.failed(False):
                log.error("build failed: fix the errors above; still serving the previous version")
            else:
                log.info("built %d files, as of %s — http://%s:%d/", result.written, when.isoformat(), host, port)

        server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(out))
        rebuild()
        for path in (root / "content", root / "templates", root / "mkdocs.yml", root / "crc.lock"):
            if path.exists():
                server.watch(str(path))
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            log.error("cannot serve on %s:%d: %s", host, port, exc.strerror)
            return 2
        finally:
            server.shutdown()
    return 0


def _console_logging() -> None:
    """Show serve's progress lines (and the dev server's) in the terminal."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in (__name__, "mkdocs.livereload"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
