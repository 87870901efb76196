"""check() and build(): load → validate → model → render → write, atomically."""
from __future__ import annotations

import ctypes
import errno
import gc
import fcntl
import hashlib
import json
import logging
import os
import shutil
import stat
import threading
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from .models import ERROR, WARNING, Finding
from .naming import safe_rel
from .project import Project, load_project

if TYPE_CHECKING:
    from .loader import FileIndex

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


def check(root: Path, as_of: date, use_cache: bool = True) -> Result:
    """Load and validate everything; write no output (only the cache, unless use_cache is false).

    When nothing that check reads changed since the last check with the same date, its findings
    are given again without loading anything (the inputs' fingerprint decides, as for a build).
    """
    if not use_cache:
        project = load_project(root, as_of, use_cache=False)
        return Result(project, list(project.findings))
    from .loader import FileIndex
    files = FileIndex(root / ".dealdocs-cache" / "files.json")
    fingerprint = input_fingerprint(root, as_of, False, files)
    stamp = root / ".dealdocs-cache" / "last-check.json"
    previous = _stamped_findings(stamp, fingerprint)
    if previous is not None:
        files.save()
        return Result(None, previous, up_to_date=True)
    project = load_project(root, as_of, files=files)
    _stamp_findings(stamp, fingerprint, project.findings)
    return Result(project, list(project.findings))


class Writer:
    """Writes output files under a staging directory, never outside it.

    Given the previous output, a file whose bytes are unchanged is hard-linked from it instead of
    written again (the previous manifest names its hash; a file touched after that manifest is not
    trusted). The hash of every file is kept for the manifest.
    """

    def __init__(self, base: Path, previous: Optional[Path] = None, prelinks: Any = None) -> None:
        self.base = base.resolve()
        self._base = str(self.base)
        self.count = 0
        self.hashes: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self._folders: set[str] = set()
        self._lock = threading.Lock()  # results of worker processes are written from the pool's thread
        self._previous, self._previous_hashes, self._previous_mtime = _previous_output(previous)
        self._prelinks = prelinks  # prelink.Prelinks: files already in base, until claimed
        self._unclaimed: Optional[dict[str, int]] = None if prelinks is not None else {}

    def _pending(self) -> dict[str, int]:
        """The prelinked files not claimed yet, {path: size} (waits for the prelinks on first use)."""
        if self._unclaimed is None:
            linked = self._prelinks.result()
            self._unclaimed = {rel: size for rel, size in linked.items() if rel in self._previous_hashes}
            for stray in linked.keys() - self._unclaimed.keys():  # not vouched by the manifest read here
                os.unlink(f"{self._base}/{stray}")
        return self._unclaimed

    def _claim(self, rel: str, digest: str, size: int) -> bool:
        """Keep rel if a prelinked file holds exactly these bytes (by the previous manifest)."""
        pending = self._pending()
        if pending.get(rel) != size or self._previous_hashes.get(rel) != digest or rel in self.hashes:
            return False
        del pending[rel]
        self._record(rel, digest, size)
        return True

    def drop_unclaimed(self) -> int:
        """Delete the prelinked files this build did not claim, and the folders they leave empty; how many."""
        with self._lock:
            pending = self._pending()
            folders = set()
            for rel in pending:
                os.unlink(f"{self._base}/{rel}")
                folders.add(rel.rpartition("/")[0])
            for folder in sorted(folders, key=len, reverse=True):  # a cold build has no empty folder
                while folder and folder not in self._folders:
                    try:
                        os.rmdir(f"{self._base}/{folder}")
                    except OSError:
                        break  # not empty
                    folder = folder.rpartition("/")[0]
            count = len(pending)
            pending.clear()
            return count

    def has(self, rel: str) -> bool:
        """Whether rel was written in this build."""
        return rel in self.hashes

    def write(self, rel: str, data: bytes) -> Path:
        """Write bytes to rel (creating folders), or link the previous output's identical file."""
        with self._lock:
            return Path(self._write(rel, data))

    def _write(self, rel: str, data: bytes) -> str:
        digest = sha256(data)
        if self._claim(rel, digest, len(data)):
            return f"{self._base}/{rel}"
        target = self._target(rel)
        if not (self._previous_hashes.get(rel) == digest and self._link(rel, target, len(data))):
            with open(target, "xb") as fh:
                fh.write(data)
        self._record(rel, digest, len(data))
        return target

    def reuse(self, rel: str, digest: str, size: int) -> bool:
        """Keep the previous output's rel if it holds exactly these bytes (by its manifest): claimed when
        prelinked, else linked; false otherwise."""
        with self._lock:
            if self._previous_hashes.get(rel) != digest:
                return False
            if self._claim(rel, digest, size):
                return True
            target = self._target(rel)
            if not self._link(rel, target, size):
                return False
            self._record(rel, digest, size)
            return True

    def _target(self, rel: str) -> str:
        """The path to create for rel: its folder made, any earlier file of this build removed.

        Strings, not Path objects: a rebuild links tens of thousands of files through here.
        """
        if not safe_rel(rel):
            raise BuildError(f"refused to write {rel!r} outside the output directory")
        folder = rel.rpartition("/")[0]
        if folder not in self._folders:
            os.makedirs(f"{self._base}/{folder}" if folder else self._base, exist_ok=True)
            self._folders.add(folder)
        target = f"{self._base}/{rel}"
        pending = self._pending()
        if rel in pending:  # prelinked, but this build writes other bytes there
            os.unlink(target)
            del pending[rel]
        if rel in self.hashes:
            os.unlink(target)  # written twice: never write through a link into the previous output
            del self.hashes[rel]
            self.count -= 1
        return target

    def _record(self, rel: str, digest: str, size: int) -> None:
        self.hashes[rel] = digest
        self.sizes[rel] = size
        self.count += 1

    def _link(self, rel: str, target: str, size: int) -> bool:
        """Hard-link the previous output's rel when it is still the file its manifest describes."""
        source = f"{self._previous}/{rel}"
        try:
            info = os.lstat(source)
            if not stat.S_ISREG(info.st_mode) or info.st_size != size or info.st_mtime_ns > self._previous_mtime:
                return False
            os.link(source, target)
        except OSError:
            return False
        return True


def _previous_output(out: Optional[Path]) -> tuple[Optional[Path], dict[str, str], int]:
    """The previous output, its manifest's hashes and the manifest's time (nothing when absent or unreadable)."""
    found = read_manifest(out) if out is not None else None
    if out is None or found is None:
        return None, {}, 0
    return out.resolve(), found[0], found[1]


def read_manifest(tree: Path) -> Optional[tuple[dict[str, str], int]]:
    """An output's manifest.json ({path: sha256}) and its time in ns; None when absent or unreadable."""
    path = tree / "manifest.json"
    try:
        mtime = os.stat(path).st_mtime_ns
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not all(isinstance(v, str) for v in manifest.values()):
        return None
    return manifest, mtime


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_bytes(value: object) -> bytes:
    """Stable, readable JSON."""
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def json_rows(rows: list[Any]) -> bytes:
    """A JSON list written one item per line: readable, diffable, and made by the C encoder (json_bytes'
    indentation goes through the pure-Python one, a third of a second for 10,000 index rows)."""
    if not rows:
        return b"[]\n"
    return ("[\n  " + ",\n  ".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n").encode("utf-8")


def write_manifest(writer: Writer) -> None:
    """manifest.json: {relative path: sha256} of every other file."""
    entries = dict(writer.hashes)
    entries.pop("manifest.json", None)
    writer.write("manifest.json", flat_json(dict(sorted(entries.items()))))


def flat_json(mapping: dict[str, str]) -> bytes:
    """json_bytes() of a flat mapping of texts, byte for byte, by the C encoder (ten times faster)."""
    if not mapping:
        return b"{}\n"
    text = json.dumps(mapping, ensure_ascii=False, separators=(",\n  ", ": "))
    return ("{\n  " + text[1:-1] + "\n}\n").encode("utf-8")


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


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two directories (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap(staging: Path, out: Path, keep_aside: bool = False) -> None:
    """Replace out by staging: one atomic exchange where the system has it, else two renames.

    keep_aside: leave the replaced output in trash_path(out) for the next build to delete beside its
    own work (it is mostly hard links to this output's files), instead of deleting it now.
    """
    old = out.parent / f".{out.name}.old"
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        if not out.is_dir():
            raise BuildError(f"{out} exists and is not a directory")
        if _exchange(staging, out):
            _discard(staging, out, keep_aside)  # staging now holds the previous output
            return
        os.replace(out, old)  # a kill between these two renames is repaired by _recover
    try:
        os.replace(staging, out)
    except OSError:
        if old.exists() and not out.exists():
            os.replace(old, out)
        raise
    _discard(old, out, keep_aside)


def staging_path(out: Path) -> Path:
    """Where a build writes its output before swapping it in."""
    return out.parent / f".{out.name}.staging"


def trash_path(out: Path) -> Path:
    """Where a build leaves the output it replaced, for the next build's site process to delete."""
    return out.parent / f".{out.name}.trash"


def _discard(tree: Path, out: Path, keep_aside: bool) -> None:
    """Delete a replaced output, or set it aside in trash_path(out) (deleting what was there)."""
    trash = trash_path(out)
    if keep_aside:
        if trash.exists():
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.replace(tree, trash)
            return
        except OSError:
            pass
    shutil.rmtree(tree, ignore_errors=True)


def _recover(out: Path) -> None:
    """Undo what a build killed mid-swap or mid-write left: restore the previous output, drop the rest."""
    old = out.parent / f".{out.name}.old"
    if old.is_dir() and not out.exists():
        log.warning("restoring the previous output of %s (a build was interrupted)", out)
        os.replace(old, out)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)
    staging = staging_path(out)
    if staging.exists():
        shutil.rmtree(staging)


def _repair(out: Path) -> None:
    """Restore the previous output a killed build left aside, even when this build stops early."""
    if out.exists() or not (out.parent / f".{out.name}.old").is_dir():
        return
    try:
        with output_lock(out):
            _recover(out)
    except (BuildError, OSError) as exc:
        log.warning("could not restore the previous output of %s: %s", out, exc)


def check_output_dir(root: Path, out: Path) -> None:
    """Refuse an output directory whose replacement would destroy the user's files."""
    target, home = out.resolve(), root.resolve()
    if target == home or target in home.parents:
        raise BuildError(f"--out {out} would replace the content repository itself: choose a folder such as site/")
    for name in ("content", "templates", ".git"):
        guarded = home / name
        if target == guarded or guarded in target.parents:
            raise BuildError(f"--out {out} is inside {name}/: choose a folder outside it, such as site/")
    if target.exists() and not target.is_dir():
        raise BuildError(f"--out {out} is a file, not a folder: choose a folder such as site/")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise BuildError(f"cannot create {out}: {parent} is a file, not a folder")
            break
    if target.is_dir() and any(target.iterdir()) and not (target / "manifest.json").is_file():
        raise BuildError(f"{out} is not empty and was not written by dealdocs (no manifest.json): "
                         "refusing to replace it; choose a new or empty folder")


def input_fingerprint(root: Path, as_of: date, strict: bool, files: Optional["FileIndex"] = None) -> str:
    """A hash of everything a build reads: content, templates, settings, lock, date, version.

    With a file index, a file whose stat is unchanged since it was last hashed is not read again.
    """
    from . import __version__
    digest = hashlib.sha256(f"{__version__}|{as_of.isoformat()}|{strict}".encode())
    home = root.resolve()
    for rel, path, info, top_inside in _input_files(root, home):
        linked = stat.S_ISLNK(info.st_mode)
        inside = Path(path).resolve().is_relative_to(home) if linked else top_inside
        if not inside:  # a link out of the repository is refused, never read
            data = b"outside"
        elif files is not None:
            data = files.digest(rel, Path(path), os.stat(path) if linked else info).encode()
        else:
            data = hashlib.sha256(Path(path).read_bytes()).hexdigest().encode()
        digest.update(rel.encode() + b"\0" + data)
    package = Path(__file__).parent
    for item in sorted(p for folder in ("default_templates", "defaults") for p in (package / folder).rglob("*") if p.is_file()):
        digest.update(item.relative_to(package).as_posix().encode() + b"\0" + hashlib.sha256(item.read_bytes()).digest())
    return digest.hexdigest()


def _input_files(root: Path, home: Path) -> list[tuple[str, str, os.stat_result, bool]]:
    """Every file a build reads, by relative path: (rel, path, lstat, whether its folder is inside home).

    A file that is a link is kept for the caller to resolve; a folder that is a link is followed once
    (its real path), and counted as outside when it leads out of the repository.
    """
    found: list[tuple[str, str, os.stat_result, bool]] = []
    seen: set[str] = set()
    for folder in ("content", "templates"):
        top = root / folder
        if top.is_dir():
            _scan(str(top), folder, home, top.resolve().is_relative_to(home), found, seen)
    for name in ("mkdocs.yml", "crc.lock"):
        path = root / name
        if path.is_file():
            found.append((name, str(path), os.lstat(path), True))
    return sorted(found, key=lambda item: item[0])


def _scan(folder: str, rel: str, home: Path, inside: bool, found: list, seen: set[str]) -> None:
    """Add the files under folder (one lstat each, from the directory listing)."""
    real = os.path.realpath(folder)
    if real in seen:
        return  # a loop of links
    seen.add(real)
    with os.scandir(folder) as entries:
        for entry in entries:
            child = f"{rel}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                _scan(entry.path, child, home, inside, found, seen)
            elif entry.is_symlink() and os.path.isdir(entry.path):
                _scan(entry.path, child, home, inside and Path(entry.path).resolve().is_relative_to(home), found, seen)
            elif entry.is_file(follow_symlinks=False) or (entry.is_symlink() and os.path.isfile(entry.path)):
                found.append((child, entry.path, entry.stat(follow_symlinks=False), inside))


def _stamp_path(root: Path) -> Path:
    return root / ".dealdocs-cache" / "last-build.json"


def _stamped_findings(path: Path, fingerprint: str, **expected: str) -> Optional[list[Finding]]:
    """The findings recorded in a stamp for these inputs (and these other facts), else None."""
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
        if stamp["fingerprint"] != fingerprint or any(stamp[k] != v for k, v in expected.items()):
            return None
        return [Finding(**f) for f in stamp["findings"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _stamp_findings(path: Path, fingerprint: str, findings: list[Finding], **facts: str) -> None:
    """Record the findings of these inputs (best effort)."""
    from .cachefile import store
    store(path, json.dumps({"fingerprint": fingerprint, **facts,
                            "findings": [f.as_dict() for f in findings]}).encode("utf-8"))


def _up_to_date(root: Path, out: Path, fingerprint: str) -> Optional[list[Finding]]:
    """The previous build's findings when its inputs and output are unchanged, else None."""
    try:
        manifest = (out / "manifest.json").read_bytes()
        files = json.loads(manifest)
    except (OSError, ValueError):
        return None
    findings = _stamped_findings(_stamp_path(root), fingerprint, out=str(out), manifest=sha256(manifest))
    if findings is None or not isinstance(files, dict) or not all((out / rel).is_file() for rel in files):
        return None
    return findings


def _write_stamp(root: Path, out: Path, fingerprint: str, findings: list[Finding]) -> None:
    try:
        manifest = (out / "manifest.json").read_bytes()
    except OSError:
        return
    _stamp_findings(_stamp_path(root), fingerprint, findings, out=str(out), manifest=sha256(manifest))


def build(root: Path, out: Path, as_of: date, strict: bool = False,
          progress: Optional[Progress] = None, jobs: Optional[int] = None, use_cache: bool = True) -> Result:
    """Check, then generate every output into out, atomically."""
    from .forks import signals_held
    from .loader import FileIndex
    from .prelink import Prelinks
    from .timing import measure

    out = out.absolute()
    files = FileIndex(root / ".dealdocs-cache" / "files.json") if use_cache else None
    with measure("input fingerprint"):
        fingerprint = input_fingerprint(root, as_of, strict, files) if use_cache else ""
    previous = _up_to_date(root, out, fingerprint) if use_cache else None
    if previous is not None:
        log.info("%s is up to date", out)
        if files is not None:
            files.save()
        return Result(None, previous, 0, out, up_to_date=True)
    with ExitStack() as held:
        staging = _early_staging(root, out, held) if use_cache else None
        with signals_held():  # a SIGTERM between a fork and its clean-up's registration would orphan the child
            site = _start_site(root, out, as_of, use_cache)
            if site is not None:
                held.callback(site.close)
            early = None
            if staging is not None:
                prelinks = Prelinks.start(out, staging)
                held.callback(prelinks.close)  # before staging's removal: it stops linking into it first
                early = (staging, prelinks)
        return _build(root, out, as_of, strict, progress, jobs, use_cache, files, fingerprint, site, early)


def _early_staging(root: Path, out: Path, held: ExitStack) -> Optional[Path]:
    """Lock out and make its staging folder before the project loads, from the output the previous build
    set aside when there is one (prelink.py); None when there is no previous output (a first build).

    held ends the lock and deletes a staging folder left behind (a build that failed).
    """
    if not (out / "manifest.json").is_file():
        return None
    try:
        check_output_dir(root, out)
    except BuildError:
        return None  # said again, and stopped at, when the build writes
    held.enter_context(output_lock(out))
    _recover(out)
    staging = staging_path(out)
    held.callback(shutil.rmtree, staging, ignore_errors=True)  # gone by then after a swap
    try:
        os.rename(trash_path(out), staging)  # the prelinks make its files the previous output's
    except OSError:
        staging.mkdir()
    return staging


def _start_site(root: Path, out: Path, as_of: date, use_cache: bool) -> Any:
    """MkDocs loading in a child process while this one loads the project (None: build the site in-process).

    The child also deletes the output the previous build set aside (trash_path), while it waits for the
    pages, unless this build made its staging folder of it.
    """
    from .site import SiteProcess
    return SiteProcess.start(root, as_of, use_cache, trash=trash_path(out), previous=out if use_cache else None)


def _build(root: Path, out: Path, as_of: date, strict: bool, progress: Optional[Progress], jobs: Optional[int],
           use_cache: bool, files: Any, fingerprint: str, site: Any,
           early: Optional[tuple[Path, Any]] = None) -> Result:
    """build() once the output is known to be out of date."""
    gc.disable()  # loading makes hundreds of thousands of objects that all stay, and next to no garbage cycles
    try:
        project = load_project(root, as_of, use_cache=use_cache, files=files)
    finally:
        gc.enable()
    gc.freeze()  # the loaded project lives to the end of the build: the collector need not scan it again
    try:
        return _generate(root, out, as_of, strict, progress, jobs, use_cache, fingerprint, site, project, early)
    finally:
        gc.unfreeze()


def _generate(root: Path, out: Path, as_of: date, strict: bool, progress: Optional[Progress], jobs: Optional[int],
              use_cache: bool, fingerprint: str, site: Any, project: Project,
              early: Optional[tuple[Path, Any]] = None) -> Result:
    """Generate every output of a loaded project into a staging folder, then swap it in.

    early: the staging folder made (and the output lock taken) before loading, and its prelinks.
    """
    from . import outputs
    from .documents import prune_unused, start_use
    from .timing import measure
    result = Result(project, list(project.findings), out=out)
    if result.failed(strict):
        _repair(out)
        return result
    try:
        check_output_dir(root, out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with output_lock(out) if early is None else nullcontext():
            if early is None:
                _recover(out)
                staging, prelinks = staging_path(out), None
                staging.mkdir()
            else:
                staging, prelinks = early
            try:
                writer = Writer(staging, previous=out if use_cache else None, prelinks=prelinks)
                start_use()
                result.findings += outputs.generate(project, as_of, writer, progress=progress, jobs=jobs,
                                                   use_cache=use_cache, site=site)
                if result.failed(strict):
                    shutil.rmtree(staging, ignore_errors=True)
                    return result
                with measure("index+manifest"):
                    writer.drop_unclaimed()
                    write_manifest(writer)
                result.written = writer.count
                with measure("swap"):
                    _swap(staging, out, keep_aside=site is not None and use_cache)
                if use_cache:
                    prune_unused(root)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        hint = ("no space left on the disk: free some space and build again" if exc.errno == errno.ENOSPC
                else f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else exc.strerror or str(exc))
        raise BuildError(f"cannot write the output to {out}: {hint} (the previous output is untouched)") from None
    result.findings.sort(key=lambda f: (f.path, f.line, f.severity, f.field, f.message))
    if use_cache:
        _write_stamp(root, out, fingerprint, result.findings)
    return result
