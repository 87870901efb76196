"""The previous output's files, made ready in the new staging folder while the project loads.

A rebuild keeps most of its files: linking tens of thousands of them one by one costs about 15 µs each
in system calls, and deleting the output the build before set aside as much again. So the staging
folder starts as that set-aside output (pipeline.trash_path: the output before the previous one, mostly
hard links to the same files), and a forked process, while the build loads and validates the content,
makes it hold exactly the previous output's files: a file whose hash did not change between the two
manifests, and that nobody touched since, stays as it is (one lstat); any other file of the previous
output is linked from it; anything else is deleted. Without a set-aside output it links every file.
The build then *claims* the files it writes again with the same bytes (Writer.write and Writer.reuse,
no system call), and deletes the ones it did not claim before it writes its manifest
(Writer.drop_unclaimed).
"""
from __future__ import annotations

import logging
import os
import shutil
import stat
from pathlib import Path
from typing import Any, Optional

from .forks import release_signals, signals_held
from .naming import safe_rel
from .pipeline import read_manifest

log = logging.getLogger(__name__)


class Prelinks:
    """A forked process making staging hold the previous output's files (see the module), or what
    the build's own process found doing it where none can be forked."""

    def __init__(self, process: Any, conn: Any, staging: Path, linked: Optional[dict[str, int]] = None) -> None:
        self.process, self.conn, self.staging = process, conn, staging
        self._linked = linked

    @staticmethod
    def start(out: Path, staging: Path) -> "Prelinks":
        """Start preparing staging from out (see the module); where no process can be forked, prepare
        it here and now."""
        import multiprocessing
        import threading
        if "fork" in multiprocessing.get_all_start_methods() and threading.current_thread() is threading.main_thread():
            context = multiprocessing.get_context("fork")
            conn, child = context.Pipe(duplex=False)
            process = context.Process(target=_prepare_child, args=(child, conn, out, staging),
                                      name="dealdocs-prelinks", daemon=True)
            try:
                with signals_held():
                    process.start()
                child.close()
                return Prelinks(process, conn, staging)
            except OSError:
                conn.close()
                child.close()
        return Prelinks(None, None, staging, prepare(out.resolve(), staging.resolve()))

    def result(self) -> dict[str, int]:
        """The previous output's files now in staging, as {relative path: size}; waits for the process.

        If the process failed, staging is emptied (what it holds is unknown) and nothing is claimed.
        """
        if self._linked is None:
            self._linked = {}
            try:
                blob = self.conn.recv_bytes()
            except (EOFError, OSError):
                blob = None
            self.process.join()
            if blob is not None and self.process.exitcode == 0:
                self._linked = _parse(blob)
            else:
                log.debug("preparing the staging folder failed: starting from an empty one")
                _empty(self.staging)
        return self._linked

    def close(self) -> None:
        """Stop the process if it still runs (an error, Ctrl-C)."""
        if self.process is None:
            return
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def _parse(blob: bytes) -> dict[str, int]:
    """{path: size} from the child's lines of `path<TAB>size`."""
    linked: dict[str, int] = {}
    for line in blob.decode("utf-8", "surrogateescape").splitlines():
        rel, _, size = line.rpartition("\t")
        linked[rel] = int(size)
    return linked


def _empty(folder: Path) -> None:
    """Delete everything inside folder, keeping the folder."""
    for entry in os.scandir(folder):
        _remove(entry.path)


def _remove(path: str) -> None:
    """Delete a file or a folder tree, if there."""
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass


def prepare(out: Path, staging: Path) -> dict[str, int]:
    """Make staging hold out's files (see the module); {path: size} of those it holds.

    A file is trusted only as its manifest describes it: same hash, a regular file, not modified after
    the manifest was written. staging's own manifest (an older output) says which of its files to keep.
    """
    manifest, mtime = read_manifest(out) or ({}, 0)
    kept_manifest, kept_mtime = read_manifest(staging) or ({}, 0)
    source_base, target_base = str(out), str(staging)
    held: dict[str, int] = {}
    folders: set[str] = set()
    for rel, digest in manifest.items():
        if rel == "manifest.json" or not safe_rel(rel):
            continue
        target = f"{target_base}/{rel}"
        if kept_manifest.get(rel) == digest:
            try:
                info = os.lstat(target)
                if stat.S_ISREG(info.st_mode) and info.st_mtime_ns <= kept_mtime:
                    held[rel] = info.st_size
                    continue
            except OSError:
                pass
        size = _link(f"{source_base}/{rel}", target, mtime, folders, rel)
        if size is not None:
            held[rel] = size
    _prune(staging, held)
    return held


def _link(source: str, target: str, mtime: int, folders: set[str], rel: str) -> Optional[int]:
    """Link source to target (replacing what is there) if source is a regular file not touched after
    mtime; its size, or None."""
    try:
        info = os.lstat(source)
        if not stat.S_ISREG(info.st_mode) or info.st_mtime_ns > mtime:
            return None
        folder = rel.rpartition("/")[0]
        if folder and folder not in folders:
            base = target[:len(target) - len(rel)]
            if not os.path.isdir(base + folder):
                _remove(base + folder)  # a file where the folder goes
                os.makedirs(base + folder, exist_ok=True)
            folders.add(folder)
        try:
            os.link(source, target)
        except FileExistsError:
            _remove(target)
            os.link(source, target)
    except OSError:
        return None
    return info.st_size


def _prune(staging: Path, held: dict[str, int]) -> None:
    """Delete every file of staging not in held, and the folders left empty."""
    base = str(staging)
    cut = len(base) + 1
    for folder, dirs, files in os.walk(base, topdown=False):
        for name in files:
            path = f"{folder}/{name}"
            if path[cut:] not in held:
                os.unlink(path)
        for name in dirs:
            path = f"{folder}/{name}"
            if os.path.islink(path):
                os.unlink(path)
            else:
                try:
                    os.rmdir(path)
                except OSError:
                    pass  # not empty


def _prepare_child(conn: Any, parent_end: Any, out: Path, staging: Path) -> None:
    """In the forked process: prepare staging, send the lines of what it holds, exit."""
    import signal
    parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the build stops this process (close)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    release_signals()
    _lower_priority()
    code = 1
    try:
        held = prepare(out.resolve(), staging.resolve())
        conn.send_bytes("\n".join(f"{rel}\t{size}" for rel, size in held.items()).encode("utf-8", "surrogateescape"))
        code = 0
    except BaseException as exc:  # noqa: BLE001 — the build learns of it from the exit code
        log.debug("preparing the staging folder failed: %s", exc, exc_info=True)
    finally:
        conn.close()
        os._exit(code)


def _lower_priority() -> None:
    """Yield the processor to the build: this work has seconds of slack, the build's loading has none."""
    try:
        os.nice(10)
    except OSError:
        pass
