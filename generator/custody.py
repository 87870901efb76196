"""Chain of custody: canonical record hash, crc.lock read/write, lock rules."""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .models import ERROR, WARNING, Crc, CrcDoc, Finding

LOCK_NAME = "crc.lock"
_LOCK_LINE = re.compile(r"CRC-\S+\s+\d{4}-\d{2}-\d{2}\s+sha256:[0-9a-f]{64}")
LOCK_HEADER = ("# crc.lock — written by `dealdocs lock`; one sent CRC version a line:\n"
               "# <name> <sent_on> sha256:<hash of the canonical record>\n"
               "# Do not edit by hand: amend a sent CRC as a new version instead.\n"
               "# Git merges it line by line (.gitattributes: crc.lock merge=union); `dealdocs lock` re-sorts it.\n")


def canonical_record(crc: Crc) -> dict:
    """The record's data as sent: defaults dropped, validation.status and exemplary left out."""
    data = crc.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude={"exemplary"})
    validation = data.get("validation")
    if isinstance(validation, dict):
        validation.pop("status", None)
        if not validation:
            data.pop("validation")
    return data


def record_hash(crc: Crc) -> str:
    """sha256 of the canonical record: key order, comments and formatting do not count."""
    text = json.dumps(canonical_record(crc), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LockEntry:
    name: str
    sent_on: str
    sha256: str
    line: int


def read_lock(root: Path) -> tuple[dict[str, LockEntry], list[Finding]]:
    """Parse crc.lock; a corrupted line is reported, never silently dropped."""
    path = root / LOCK_NAME
    if not path.exists():
        return {}, []
    entries: dict[str, LockEntry] = {}
    findings: list[Finding] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        return {}, [Finding(LOCK_NAME, 1, ERROR, "", f"crc.lock cannot be read ({exc}): restore it from git")]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if not _LOCK_LINE.fullmatch(line):
            findings.append(Finding(LOCK_NAME, number, ERROR, "", "corrupted crc.lock line (expected "
                                    "'<name> <sent_on> sha256:<64 hex>'): restore it from git, e.g. `git checkout crc.lock`"))
            continue
        same = entries.get(parts[0])
        if same is not None and (same.sent_on, same.sha256) == (parts[1], parts[2][7:]):
            continue  # the same line twice, as a union merge of two branches that both locked it
        if same is not None:
            findings.append(Finding(LOCK_NAME, number, ERROR, "", f"{parts[0]} is locked twice with different records: "
                                    "keep the line of what was really sent (see `git log -p crc.lock`)"))
        entries[parts[0]] = LockEntry(parts[0], parts[1], parts[2][7:], number)
    return entries, findings


def lock_findings(docs: list[CrcDoc], entries: dict[str, LockEntry]) -> list[Finding]:
    """A sent version must be in the lock and match it; a locked version must still exist."""
    out = []
    for doc in docs:
        entry = entries.get(doc.name)
        if entry is None:
            if doc.crc.sent_on:
                out.append(Finding(doc.source.path, doc.source.line(("sent_on",)), ERROR, "sent_on",
                                   f"{doc.name} was sent but is not in crc.lock: run `dealdocs lock` to record "
                                   "what was sent"))
        elif entry.sha256 != record_hash(doc.crc):
            out.append(Finding(doc.source.path, doc.source.line(), ERROR, "", f"{doc.name} was sent on "
                               f"{entry.sent_on} and no longer matches crc.lock: restore it and run "
                               f"`dealdocs amend {doc.source.path}` to issue a new version instead"))
    names = {doc.name for doc in docs}
    for entry in sorted(entries.values(), key=lambda e: e.line):
        if entry.name not in names:
            out.append(Finding(LOCK_NAME, entry.line, WARNING, "", f"{entry.name} is locked (sent on "
                               f"{entry.sent_on}) but no valid CRC file gives this name any more (deleted, "
                               "renamed or broken): restore it from git, it is the record of what was sent"))
    return out


def lock_lines(docs: list[CrcDoc], entries: dict[str, LockEntry]) -> tuple[list[str], list[str]]:
    """The lock file's entries with every unlocked sent version added, and the names added."""
    lines = {e.name: f"{e.name} {e.sent_on} sha256:{e.sha256}" for e in entries.values()}
    added = []
    for doc in sorted(docs, key=lambda d: d.name):
        if doc.crc.sent_on and doc.name not in lines:
            lines[doc.name] = f"{doc.name} {doc.crc.sent_on.isoformat()} sha256:{record_hash(doc.crc)}"
            added.append(doc.name)
    return [lines[k] for k in sorted(lines)], added


def write_atomic(path: Path, text: str, overwrite: bool = True) -> None:
    """Write a file through a temporary file and a rename, so it is never half-written.

    The file keeps its permissions (a new one gets the usual ones); with overwrite=False an
    existing file is never replaced, even one created meanwhile (FileExistsError).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode(path))
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path exists: no race with another writer
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links
                if path.exists():
                    raise FileExistsError(str(path)) from None
                os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _sync_dir(path.parent)


def _mode(path: Path) -> int:
    """The permissions of the file being replaced, else 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_dir(folder: Path) -> None:
    """Make a rename durable (best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def lock_text(lines: list[str]) -> str:
    """The canonical text of crc.lock: the header, then one entry a line, sorted."""
    return LOCK_HEADER + "".join(f"{line}\n" for line in sorted(lines))


def write_lock(root: Path, lines: list[str]) -> bool:
    """Write crc.lock atomically unless it already holds exactly this text; True when written."""
    path = root / LOCK_NAME
    text = lock_text(lines)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
    return True
