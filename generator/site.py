"""The MkDocs adapter: the only module that imports mkdocs (it is itself imported only to build or serve).

Choice: a small MkDocs plugin (`DealdocsPlugin`) that adds the pages of generator/pages.py to MkDocs'
file collection as in-memory files, rather than writing a docs tree to a temporary folder first.
- The same plugin serves `dealdocs build`, and plain `mkdocs build` / `mkdocs serve` on a repository
  whose mkdocs.yml lists `hooks: [generator/mkdocs_hooks.py]`: one code path, no copy of the content,
  no temporary docs folder to watch (which would re-trigger `mkdocs serve` on every rebuild).
- `docs_dir` is `content/`; the plugin keeps `content/kb/` (pages and their images) and drops the YAML
  records, so the hand-written pages keep their relative links and MkDocs watches `content/` itself.
- Engine independence lives in generator/pages.py (pure: `{docs path: Markdown}` plus a nav). Moving
  to Zensical, which reads the same mkdocs.yml but not Python plugins, means writing those pages to a
  folder and running it there: this module is the only one to replace.

`dealdocs build` builds the site into a temporary directory and copies it into the staging directory
through the Writer (MkDocs cleans its site_dir), so `write_site` can run after the other outputs and
link the board PDFs and metrics only when they were built.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional

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
        """Load the pages, set the nav if the config has none, force file://-friendly URLs."""
        root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        self.current = self.prepared or (root, _load_pages(root))
        root, pages = self.current
        config.use_directory_urls = False  # pages link output files by relative .html paths
        if config.nav is None:
            config.nav = pages.nav
        _ensure_assets(config)
        return config

    def on_files(self, files: Any, *, config: Any) -> Any:
        """Keep content/kb/ (minus the pages regenerated here), add the generated pages and assets."""
        from mkdocs.structure.files import File, Files
        assert self.current is not None
        root, pages = self.current
        generated = {**{k: v.encode("utf-8") for k, v in pages.pages.items()}, **asset_files(root)}
        docs = Path(config.docs_dir).resolve()

        def keep(f: Any) -> bool:  # theme files stay; from content/, only kb/ (pages and images)
            from_docs = f.abs_src_path is not None and Path(f.abs_src_path).resolve().is_relative_to(docs)
            return f.src_uri not in generated and (not from_docs or f.src_uri.startswith("kb/"))
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


# --- dealdocs build -------------------------------------------------------------------------------


class _Collect(logging.Handler):
    """Turns MkDocs warnings and errors into findings."""

    def __init__(self, source: str) -> None:
        super().__init__(logging.WARNING)
        self.source = source
        self.findings: list[Finding] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = _ANSI.sub("", record.getMessage()).strip()
        page = re.search(r"'(kb/[^']+\.md)'", message)
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


def build_into(root: Path, pages: SitePages, as_of: date, site_dir: Path) -> list[Finding]:
    """Run MkDocs on the generated pages into site_dir; MkDocs problems come back as findings."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException
    cfg_path = config_path(root)
    source = display_path(cfg_path, root) if cfg_path != DEFAULT_CONFIG else "<built-in>/mkdocs.yml"
    content = root / "content"
    with tempfile.TemporaryDirectory(prefix="dealdocs-docs-") as empty, _mkdocs_logs(source) as logs, _build_date(as_of):
        docs_dir = content if content.is_dir() else Path(empty)
        try:
            config = load_config(config_file=str(cfg_path), docs_dir=str(docs_dir.absolute()),
                                 site_dir=str(site_dir.absolute()))
            plugin = _our_plugin(config)
            plugin.prepare(root.absolute(), pages)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                plugin.prepared = None
                config.plugins.on_shutdown()
        except (MkDocsException, SystemExit, OSError) as exc:
            if not any(f.severity == ERROR for f in logs.findings):
                logs.findings.append(Finding(source, 1, ERROR, "site", f"the knowledge base could not be built: {exc}"))
    return logs.findings


def extras_in(base: Path) -> Extras:
    """Board and metrics outputs already written in the staging directory."""
    files = frozenset(p.relative_to(base).as_posix() for sub in ("board", "metrics") if (base / sub).is_dir()
                      for p in (base / sub).rglob("*") if p.is_file())
    metrics = None
    path = base / "metrics" / "metrics.json"
    if path.is_file():
        try:
            metrics = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            log.warning("metrics/metrics.json does not parse: the metrics page shows the charts only")
    return Extras(files, metrics if isinstance(metrics, dict) else None)


def write_site(project: Any, as_of: date, writer: Any, hashes: dict[str, str]) -> list[Finding]:
    """Build the knowledge base and copy it beside the other outputs (index.html, search/, …).

    Call it after the other stages: it links the board PDFs and metrics it finds in the output.
    """
    pages = site_pages(project, as_of, extras_in(writer.base), _index_rows(project, hashes))
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="dealdocs-site-") as tmp:
        site_dir = Path(tmp) / "site"
        findings += build_into(project.root, pages, as_of, site_dir)
        if any(f.severity == ERROR for f in findings):
            return findings
        for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(site_dir).as_posix()
            if rel in SKIPPED:
                continue
            if writer.path(rel).exists():
                findings.append(Finding("<site>", 1, WARNING, "site", f"{rel} is already written by another output: "
                                        "the knowledge-base copy was skipped"))
                continue
            writer.write(rel, path.read_bytes())
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
