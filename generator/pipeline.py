"""check() and build(): load → validate → model → render → write, atomically."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, Optional

from .models import ERROR, WARNING, Finding
from .project import Project, load_project

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass
class Result:
    """What a check or a build found and made."""

    project: Optional[Project]
    findings: list[Finding] = field(default_factory=list)
    written: int = 0
    out: Optional[Path] = None
    up_to_date: bool = False

    def failed(self, strict: bool) -> bool:
        """Errors, or warnings under --strict."""
        bad = (ERROR, WARNING) if strict else (ERROR,)
        return any(f.severity in bad for f in self.findings)


class BuildError(Exception):
    """A build that could not write its output (lock held, disk full, unwritable)."""


def check(root: Path, as_of: date) -> Result:
    """Load and validate everything; write nothing."""
    project = load_project(root, as_of)
    return Result(project, list(project.findings))


class Writer:
    """Writes output files under a staging directory, never outside it."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.count = 0

    def path(self, rel: str) -> Path:
        """The absolute path of rel, refusing anything that leaves the output."""
        target = (self.base / rel).resolve()
        if rel.startswith("/") or ".." in Path(rel).parts or not str(target).startswith(str(self.base.resolve()) + os.sep):
            raise BuildError(f"refused to write {rel!r} outside the output directory")
        return target

    def write(self, rel: str, data: bytes) -> Path:
        """Write bytes to rel (creating folders)."""
        target = self.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.count += 1
        return target


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_bytes(value: object) -> bytes:
    """Stable, readable JSON."""
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def write_manifest(writer: Writer) -> None:
    """manifest.json: {relative path: sha256} of every other file."""
    entries = {}
    for path in sorted(p for p in writer.base.rglob("*") if p.is_file()):
        rel = path.relative_to(writer.base).as_posix()
        if rel != "manifest.json":
            entries[rel] = sha256(path.read_bytes())
    writer.write("manifest.json", json_bytes(dict(sorted(entries.items()))))


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """One build at a time per output directory."""
    lock_path = out.parent / f".{out.name}.lock"
    try:
        handle = open(lock_path, "a+")
    except OSError as exc:
        raise BuildError(f"cannot create {lock_path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BuildError(f"another dealdocs build is writing to {out}: wait for it to finish") from None
        yield
    finally:
        handle.close()


def _swap(staging: Path, out: Path) -> None:
    """Replace out by staging with two renames; the old output is removed last."""
    old = out.parent / f".{out.name}.old"
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        if not out.is_dir():
            raise BuildError(f"{out} exists and is not a directory")
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def input_fingerprint(root: Path, as_of: date, strict: bool) -> str:
    """A hash of everything a build reads: content, templates, settings, lock, date, version."""
    from . import __version__
    digest = hashlib.sha256(f"{__version__}|{as_of.isoformat()}|{strict}".encode())
    paths = [p for folder in ("content", "templates") if (root / folder).is_dir()
             for p in (root / folder).rglob("*") if p.is_file()]
    paths += [p for p in (root / "mkdocs.yml", root / "crc.lock") if p.is_file()]
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    package = Path(__file__).parent
    for path in sorted(p for folder in ("default_templates", "defaults") for p in (package / folder).rglob("*") if p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _stamp_path(root: Path) -> Path:
    return root / ".dealdocs-cache" / "last-build.json"


def _up_to_date(root: Path, out: Path, fingerprint: str) -> Optional[list[Finding]]:
    """The previous build's findings when its inputs and output are unchanged, else None."""
    try:
        stamp = json.loads(_stamp_path(root).read_text(encoding="utf-8"))
        manifest = (out / "manifest.json").read_bytes()
        if stamp["fingerprint"] != fingerprint or stamp["out"] != str(out) or stamp["manifest"] != sha256(manifest):
            return None
        files = json.loads(manifest)
        if not all((out / rel).is_file() for rel in files):
            return None
        return [Finding(**f) for f in stamp["findings"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_stamp(root: Path, out: Path, fingerprint: str, findings: list[Finding]) -> None:
    try:
        manifest = (out / "manifest.json").read_bytes()
        path = _stamp_path(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"fingerprint": fingerprint, "out": str(out), "manifest": sha256(manifest),
                                    "findings": [f.as_dict() for f in findings]}), encoding="utf-8")
    except OSError:
        pass


def build(root: Path, out: Path, as_of: date, strict: bool = False,
          progress: Optional[Progress] = None, jobs: Optional[int] = None, use_cache: bool = True) -> Result:
    """Check, then generate every output into out, atomically."""
    from . import outputs

    out = out.absolute()
    fingerprint = input_fingerprint(root, as_of, strict) if use_cache else ""
    previous = _up_to_date(root, out, fingerprint) if use_cache else None
    if previous is not None:
        log.info("%s is up to date", out)
        return Result(None, previous, 0, out, up_to_date=True)
    project = load_project(root, as_of, use_cache=use_cache)
    result = Result(project, list(project.findings), out=out)
    if result.failed(strict):
        return result
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with output_lock(out):
            staging = out.parent / f".{out.name}.staging"
            if staging.exists():
                shutil.rmtree(staging)  # left by a build that was killed
            staging.mkdir()
            try:
                writer = Writer(staging)
                result.findings += outputs.generate(project, as_of, writer, progress=progress, jobs=jobs,
                                                   use_cache=use_cache)
                if result.failed(strict):
                    shutil.rmtree(staging, ignore_errors=True)
                    return result
                from .timing import measure
                with measure("index+manifest"):
                    write_manifest(writer)
                result.written = writer.count
                _swap(staging, out)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        hint = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        raise BuildError(f"cannot write the output to {out}: {hint}") from None
    result.findings.sort(key=lambda f: (f.path, f.line, f.severity, f.field, f.message))
    if use_cache:
        _write_stamp(root, out, fingerprint, result.findings)
    return result
