"""Files of .dealdocs-cache/: written whole or not at all, and never a reason for a build to fail."""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Callable, Optional

log = logging.getLogger(__name__)


def store(path: Path, data: bytes) -> bool:
    """Write data to path through a temporary file and a rename; false (logged) when it cannot be written."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.info("cache file %s not written: %s", path.name, exc)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def seal(magic: bytes, payload: bytes) -> bytes:
    """What a checksummed cache file holds: 4 bytes naming its kind, the payload's sha256, the payload."""
    return magic + hashlib.sha256(payload).digest() + payload


def unseal(magic: bytes, blob: bytes) -> Optional[bytes]:
    """The payload of a sealed blob, or None when it is truncated, corrupted or of another kind."""
    payload = blob[36:]
    if len(blob) < 36 or blob[:4] != magic or hashlib.sha256(payload).digest() != blob[4:36]:
        return None
    return payload


_code: list[str] = []


def code_digest() -> str:
    """A hash of dealdocs' own Python code: cache keys made from inputs include it, so an upgraded or
    edited generator never reuses what older code made."""
    if not _code:
        package = Path(__file__).parent
        digest = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        _code.append(digest.hexdigest())
    return _code[0]


class TextStore:
    """Texts by key in one checksummed JSON file (say, generated pages by the hash of what made them).

    A file that does not verify is ignored, never trusted. save() keeps only the entries used since
    loading, and writes only when they changed.
    """

    MAGIC = b"DDT1"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.hits = 0
        try:
            body = unseal(self.MAGIC, path.read_bytes())
        except OSError:
            return
        if body is None:
            return
        import json
        try:
            data = json.loads(body)
        except ValueError:
            return
        if isinstance(data, dict) and all(type(v) is str for v in data.values()):
            self.entries = data

    def text(self, key: str, make: "Callable[[], str]", accept: "Callable[[str], bool]" = lambda _: True) -> str:
        """The text stored under key if accept() takes it, else make() (stored)."""
        found = self.entries.get(key)
        if found is None or not accept(found):
            found = make()
        else:
            self.hits += 1
        self.used[key] = found
        return found

    def save(self) -> None:
        """Write the entries used since loading, when they differ from the file's (best effort)."""
        if self.used.keys() == self.entries.keys():
            return
        import json
        body = json.dumps(self.used, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        store(self.path, seal(self.MAGIC, body))
