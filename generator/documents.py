"""Per-CRC document jobs: rendered in parallel, cached by content, written by name."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from . import __version__
from .render import RenderError
from .templates import display_path, file_hash, template_path

log = logging.getLogger(__name__)

CACHE_DIR = ".dealdocs-cache"
_MAGIC = b"DDC1"


@dataclass(frozen=True)
class Job:
    """Everything needed to render one CRC version's files."""

    name: str
    source: str
    context: dict[str, Any]
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
    """The cache key: the job's whole view model, the templates and the generator version."""
    payload = json.dumps([job.name, job.context, job.previous, templates.fingerprint],
                         sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- rendering (runs in worker processes) ----------------------------------------

_renderers: dict[str, Any] = {}


def _init(templates: TemplateSet) -> None:
    """Prepare the templates once per process."""
    from .render.docx import DocxRenderer
    from .render.html import HtmlRenderer
    root = Path(templates.root) if templates.root else None
    _renderers.clear()
    _renderers["key"] = templates.fingerprint
    _renderers["docx"] = DocxRenderer(Path(templates.docx), templates.docx_display)
    _renderers["html"] = HtmlRenderer(root, "crc.html.j2")


def render_job(job: Job, templates: TemplateSet) -> dict[str, bytes]:
    """All files of one CRC version, by path relative to the output."""
    if _renderers.get("key") != templates.fingerprint:
        _init(templates)
    files: dict[str, bytes] = {}
    docx = _renderers["docx"].render(job.context)
    files[f"crc/{job.name}.docx"] = docx
    files[f"crc/{job.name}.html"] = _renderers["html"].render(job.context)
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


# --- cache -----------------------------------------------------------------------


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
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        files = _decode(blob)
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
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(_encode(files))
            os.replace(tmp, path)
        except OSError as exc:
            log.info("cache not written: %s", exc)


def _encode(files: dict[str, bytes]) -> bytes:
    header = json.dumps({k: len(v) for k, v in files.items()}).encode("utf-8")
    payload = len(header).to_bytes(8, "big") + header + b"".join(files.values())
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _decode(blob: bytes) -> Optional[dict[str, bytes]]:
    if len(blob) < 44 or blob[:4] != _MAGIC:
        return None
    digest, payload = blob[4:36], blob[36:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        size = int.from_bytes(payload[:8], "big")
        header = json.loads(payload[8:8 + size])
        files, pos = {}, 8 + size
        for name, length in header.items():
            files[name] = payload[pos:pos + length]
            pos += length
        return files if pos == len(payload) else None
    except (ValueError, UnicodeDecodeError):
        return None


# --- the stage ---------------------------------------------------------------------


Progress = Callable[[str, int, int], None]


def render_all(jobs: list[Job], templates: TemplateSet, cache: Cache, jobs_n: Optional[int] = None,
               progress: Optional[Progress] = None) -> tuple[dict[str, dict[str, bytes]], list[tuple[str, int, str]]]:
    """Render every job (cache first, then workers); return files by job name and errors."""
    results: dict[str, dict[str, bytes]] = {}
    errors: list[tuple[str, int, str]] = []
    todo: list[tuple[Job, str]] = []
    for job in jobs:
        key = job_key(job, templates)
        cached = cache.get(key)
        if cached is not None:
            results[job.name] = cached
        else:
            todo.append((job, key))
    done = len(results)
    if progress:
        progress("documents Word/HTML", done, len(jobs))
    workers = jobs_n if jobs_n is not None else min(os.cpu_count() or 1, 8)
    keys = {job.name: key for job, key in todo}
    if workers > 1 and len(todo) >= 8:
        chunk = max(1, len(todo) // (workers * 4))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outcomes = pool.map(_render_safe, [(job, templates) for job, _ in todo], chunksize=chunk)
            for name, files, error in outcomes:
                done = _collect(name, files, error, keys, cache, results, errors, done)
                if progress:
                    progress("documents Word/HTML", done, len(jobs))
    else:
        for job, _ in todo:
            name, files, error = _render_safe((job, templates))
            done = _collect(name, files, error, keys, cache, results, errors, done)
            if progress:
                progress("documents Word/HTML", done, len(jobs))
    return results, errors


def _collect(name: str, files: dict[str, bytes], error: Optional[tuple[str, int, str]], keys: dict[str, str],
             cache: Cache, results: dict[str, dict[str, bytes]], errors: list, done: int) -> int:
    if error:
        errors.append(error)
    else:
        results[name] = files
        cache.put(keys[name], files)
    return done + 1
