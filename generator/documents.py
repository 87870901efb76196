"""Per-CRC document jobs: rendered in parallel, cached by content, written by name."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from . import __version__
from .cachefile import seal, store, unseal
from .naming import safe_rel
from .render import RenderError
from .templates import display_path, file_hash, template_path
from .workers import Batch, Workers

log = logging.getLogger(__name__)

CACHE_DIR = ".dealdocs-cache"
_MAGIC = b"DDC1"


@dataclass(frozen=True)
class Job:
    """One CRC version's files to make: its view model's input key, and the view models once needed."""

    name: str
    source: str
    key: str  # what its view model is made from (outputs.ViewModels.key)
    context: Optional[dict[str, Any]] = None  # made only for a job that renders
    previous: Optional[dict[str, Any]] = None  # the previous version's context, for the redline


@dataclass(frozen=True)
class TemplateSet:
    """The templates a build renders with, and their fingerprint."""

    root: Optional[str]
    docx: str
    docx_display: str
    fingerprint: str


def template_set(root: Path) -> TemplateSet:
    """Resolve the Word and HTML templates (user first, then built-in) and hash them."""
    docx = template_path(root, "crc.docx")
    parts = [__version__, file_hash(docx)]
    for name in ("crc.html.j2", "crc.eml.j2"):
        path = template_path(root, name)
        if path.exists():
            parts.append(file_hash(path))
    return TemplateSet(str(root), str(docx), display_path(docx, root), hashlib.sha256("|".join(parts).encode()).hexdigest())


def job_key(job: Job, templates: TemplateSet) -> str:
    """The cache key: the name, the templates (and generator version), what the view model is made from."""
    digest = hashlib.sha256()
    for part in (job.name.encode("utf-8", "surrogatepass"), templates.fingerprint.encode(), job.key.encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


# --- rendering (runs in worker processes) ----------------------------------------

_renderers: dict[str, Any] = {}


def _init(templates: TemplateSet) -> None:
    """Prepare the templates once per process."""
    from .render.docx import DocxRenderer
    from .render.html import HtmlRenderer
    root = Path(templates.root) if templates.root else None
    _renderers.clear()
    docx = DocxRenderer(Path(templates.docx), templates.docx_display)  # may raise: then the next job retries
    html = HtmlRenderer(root, "crc.html.j2")
    _renderers.update(docx=docx, html=html, key=templates.fingerprint)


def render_job(job: Job, templates: TemplateSet) -> dict[str, bytes]:
    """All files of one CRC version, by path relative to the output."""
    if _renderers.get("key") != templates.fingerprint:
        _init(templates)
    files: dict[str, bytes] = {}
    docx = _renderers["docx"].render(job.context)
    files[f"crc/{job.name}.docx"] = docx
    try:
        files[f"crc/{job.name}.html"] = _renderers["html"].render(job.context)
    except RenderError:
        raise
    except Exception as exc:  # noqa: BLE001 — a user template calling a filter wrongly, say
        raise RenderError(_renderers["html"].display, f"the HTML template failed to render: {exc}") from None
    for companion in companions():
        files.update(companion(job, docx, _renderers))
    return files


def companions() -> tuple[Callable[[Job, bytes, dict[str, Any]], dict[str, bytes]], ...]:
    """The per-document outputs beside the .docx and .html: redline, e-mail draft, invite."""
    from .render import email, ics, redline
    return (redline.redline_output, email.email_output, ics.ics_output)


def _render_safe(args: tuple[Job, TemplateSet]) -> tuple[str, dict[str, bytes], Optional[tuple[str, int, str]]]:
    job, templates = args
    try:
        return job.name, render_job(job, templates), None
    except RenderError as exc:
        return job.name, {}, (exc.template, exc.line, f"{exc.message} (while rendering {job.source})")
    except Exception as exc:  # noqa: BLE001 — one failing document costs one finding, never the build
        log.debug("rendering %s failed", job.name, exc_info=True)
        return job.name, {}, (job.source, 1, f"cannot render {job.name}: {type(exc).__name__}: {str(exc)[:200]}")


# --- cache -----------------------------------------------------------------------


_used: set[str] = set()  # the keys this build read, wrote or kept (Cache.keep), in any Cache


def start_use() -> None:
    """Forget which entries the previous build used (a build starts)."""
    _used.clear()


PRUNE_AFTER = 7 * 24 * 3600  # seconds: an entry this build did not use is deleted once this old
PRUNE_EVERY = 24 * 3600  # seconds between two prunings (PRUNED's time)
PRUNED = ".pruned"


def prune_unused(root: Path, now: Optional[float] = None) -> int:
    """Delete the cache entries this build did not use and nobody wrote for a week, once a day; how many.

    Otherwise every template, content or dealdocs change would add a generation of documents for
    good. The week spares what a build can want without reading it (a board's unchanged pages,
    documents of a branch built yesterday); what is deleted too soon is only rendered again.
    """
    import time
    now = time.time() if now is None else now
    stamp = root / CACHE_DIR / "docs" / PRUNED
    try:
        if now - stamp.stat().st_mtime < PRUNE_EVERY:
            return 0  # listing every entry costs a stat each: once a day is enough
    except OSError:
        pass
    limit = now - PRUNE_AFTER
    removed = 0
    try:
        stamp.touch()
        for folder in os.scandir(root / CACHE_DIR / "docs"):
            if folder.is_dir(follow_symlinks=False):
                for entry in os.scandir(folder.path):
                    key, _, suffix = entry.name.partition(".")
                    if suffix == "bin" and key not in _used and entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)
                        removed += 1
    except OSError:
        pass
    return removed


class Cache:
    """Rendered files by content key, verified by checksum before use."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.dir = root / CACHE_DIR / "docs"
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.bin"

    def get(self, key: str) -> Optional[dict[str, bytes]]:
        """The cached files, or None when absent, corrupted or stale."""
        if not self.enabled:
            return None
        _used.add(key)
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        files = _decode(blob)
        if files is not None and not all(safe_rel(rel) for rel in files):
            files = None  # an entry naming files outside the output is not ours
        if files is None:
            log.warning("ignoring a corrupted cache entry %s", path.name)
            path.unlink(missing_ok=True)
            self.misses += 1
            return None
        self.hits += 1
        return files

    def put(self, key: str, files: dict[str, bytes]) -> None:
        """Store files under key (best effort: a cache that cannot be written is skipped)."""
        if not self.enabled:
            return
        _used.add(key)
        store(self._path(key), _encode(files))

    def keep(self, key: str) -> None:
        """Note that key's entry is still wanted, though this build did not read it (its files were kept)."""
        _used.add(key)


def _encode(files: dict[str, bytes]) -> bytes:
    header = json.dumps({k: len(v) for k, v in files.items()}).encode("utf-8")
    return seal(_MAGIC, len(header).to_bytes(8, "big") + header + b"".join(files.values()))


def _decode(blob: bytes) -> Optional[dict[str, bytes]]:
    payload = unseal(_MAGIC, blob)
    if payload is None or len(payload) < 8:
        return None
    try:
        size = int.from_bytes(payload[:8], "big")
        header = json.loads(payload[8:8 + size])
        files, pos = {}, 8 + size
        for name, length in header.items():
            files[name] = payload[pos:pos + length]
            pos += length
        return files if pos == len(payload) else None
    except (ValueError, UnicodeDecodeError, AttributeError, TypeError):
        return None


# --- the stage ---------------------------------------------------------------------


Progress = Callable[[str, int, int], None]
Outcome = tuple[str, dict[str, bytes], Optional[tuple[str, int, str]]]


def _render_chunk(chunk: list[tuple[Job, TemplateSet]]) -> list[Outcome]:
    """Render a few jobs in one worker round trip."""
    return [_render_safe(item) for item in chunk]


def render_documents(jobs: list[Job], templates: TemplateSet, cache: Cache, workers: Workers,
                     on_files: Callable[[str, dict[str, bytes]], None],
                     progress: Optional[Progress] = None, reuse: Optional[Callable[[Job, str], bool]] = None,
                     keys_out: Optional[dict[str, str]] = None,
                     complete: Callable[[Job], Job] = lambda job: job) -> tuple[Batch, list[tuple[str, int, str]]]:
    """Hand every job's files to on_files (previous output, cache, then workers) as soon as they exist.

    reuse(job, key) may keep a job's files from the previous output (true when it will); keys_out
    receives every job's cache key; complete(job) adds the view models to a job that must render.
    Returns the batch to wait for and the list that collects rendering errors (complete after wait()).
    """
    errors: list[tuple[str, int, str]] = []
    todo: list[tuple[Job, str]] = []
    for job in jobs:
        key = job_key(job, templates)
        if keys_out is not None:
            keys_out[job.name] = key
        if reuse is not None and reuse(job, key):
            cache.keep(key)
            continue
        cached = cache.get(key)
        if cached is not None:
            on_files(job.name, cached)
        else:
            todo.append((complete(job), key))
    keys = {job.name: key for job, key in todo}
    done = [len(jobs) - len(todo)]
    if progress:
        progress("documents Word/HTML", done[0], len(jobs))
    size = max(1, min(16, len(todo) // max(1, workers.count * 4)))
    chunks = [[(job, templates) for job, _ in todo[i:i + size]] for i in range(0, len(todo), size)]

    def finished(_: int, outcomes: list[Outcome]) -> None:
        for name, files, error in outcomes:
            if error:
                errors.append(error)
            else:
                cache.put(keys[name], files)
                on_files(name, files)
        done[0] += len(outcomes)
        if progress:
            progress("documents Word/HTML", done[0], len(jobs))
    return workers.map(_render_chunk, chunks, finished), errors
