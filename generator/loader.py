"""YAML → plain mappings that remember the line of every node, with hard limits."""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Optional

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from .cachefile import seal, store, unseal
from .models import ERROR, Finding

try:  # the C parser is ~10x faster; fall back to pure Python where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class Limits:
    """Resource limits applied to every input file."""

    max_bytes: int = 1_000_000
    max_nodes: int = 50_000
    max_depth: int = 40


DEFAULT_LIMITS = Limits()

# C0/C1 control characters that Word cannot hold (tab, LF and CR are fine), and non-characters.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")
# Invisible line separators: YAML counts them as line breaks, editors do not.
_SEPARATORS = re.compile("[\u2028\u2029]")
_BREAKS = re.compile(r"\r\n|\r|\n")
_resolver = Resolver()
_constructor = SafeConstructor()


class LoadError(Exception):
    """A file that cannot be turned into data; carries its finding."""

    def __init__(self, line: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.field = field


@dataclass
class Loaded:
    """A parsed YAML file: its data, and the 1-based line of each node path."""

    path: str
    data: Any
    lines: Mapping[tuple, int] = field(default_factory=dict)
    text: str = ""  # the data as the parse cache keeps it (JSON), when it came from there: for quick searches
    digest: str = ""  # sha256 of the file's bytes, when read through the parse cache (a record's input key)


def read_text(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a UTF-8 file within the size limit, refusing forbidden characters."""
    text = decode(path, limits)
    bad = _FORBIDDEN.search(text) or _SEPARATORS.search(text)
    if bad:
        raise LoadError(line_at(text, bad.start()), forbidden_message(bad.group()))
    return text.replace("\r\n", "\n")


def decode(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """The text of a regular UTF-8 file within the size limit (BOM dropped, nothing else checked)."""
    return decode_bytes(read_raw(path, limits))


def read_raw(path: "str | Path", limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a regular file within the size limit (never a pipe or a device, never more)."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(1, "not a regular file (a device, pipe or socket?): refused")
    if info.st_size > limits.max_bytes:
        raise LoadError(1, too_big(info.st_size, limits))
    with open(path, "rb") as fh:
        raw = fh.read(limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:  # grew while we looked
        raise LoadError(1, too_big(len(raw), limits))
    return raw


def decode_bytes(raw: bytes) -> str:
    """UTF-8 text (BOM dropped), or a LoadError on the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = len(_BREAKS.findall(raw[: exc.start].decode("latin-1"))) + 1
        raise LoadError(line, "file is not UTF-8 text (Latin-1 or binary?): "
                              "re-save it as UTF-8 in your editor") from None


def too_big(size: int, limits: Limits) -> str:
    """The message for a file over the size limit, naming the limit."""
    return (f"file is {size} bytes, over the limit of {limits.max_bytes} bytes: split it or raise "
            "`max_file_bytes` under `extra: dealdocs:` in mkdocs.yml")


def line_at(text: str, pos: int) -> int:
    """The 1-based line of a position, counting LF, CRLF and lone CR as YAML does."""
    return len(_BREAKS.findall(text, 0, pos)) + 1


def forbidden_message(char: str, escaped: bool = False) -> str:
    """Why a character is refused, and what to do."""
    code = f"U+{ord(char):04X}" + (" (written as an escape such as \\x07)" if escaped else "")
    if _SEPARATORS.match(char):
        return (f"invisible line separator {code} (pasted from a web page or Word?): "
                "replace it with a normal line break or a space")
    return (f"forbidden control character {code}: Word cannot open a document holding it; "
            "remove it (it was probably pasted from another program)")


def field_path(loc: tuple) -> str:
    """Render a location tuple as `participants.client[0].name`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_yaml(text: str, path: str = "<string>", limits: Limits = DEFAULT_LIMITS,
               lenient_tags: bool = False, marker: str = "") -> Loaded:
    """Parse YAML text into plain data plus node lines, within the limits.

    lenient_tags reads unknown tags as null instead of refusing them (for mkdocs.yml);
    marker is a character standing for a refused one, reported with its field.
    """
    try:
        return _Composer(path, limits, lenient_tags, marker).compose(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        raise LoadError(line, f"YAML syntax error: {problem}{_syntax_hint(problem)}") from None
    except yaml.YAMLError as exc:
        raise LoadError(1, f"YAML error: {exc}") from None


def _syntax_hint(problem: str) -> str:
    if "tab" in problem:
        return " (indent with spaces, not tabs)"
    if "mapping values" in problem:
        return " (put text containing ': ' in quotes)"
    if "expected <block end>" in problem or "block" in problem:
        return " (check the indentation of this line and the one above)"
    return ""


def load_yaml(path: Path, root: Path, limits: Limits = DEFAULT_LIMITS, raw: Optional[bytes] = None) -> Loaded:
    """Load one YAML file of the content repository (never one outside it); raw: its bytes, if read."""
    rel = relpath(path, root)
    ensure_inside(path, root)
    text = decode_bytes(raw if raw is not None else read_raw(path, limits))
    bad = _FORBIDDEN.search(text) or _SEPARATORS.search(text)
    if bad:
        raise _forbidden(text, bad, rel, limits)
    return parse_yaml(text.replace("\r\n", "\n"), rel, limits)


class _Marked(LoadError):
    """The marker standing for a refused character was found in a field."""


def _forbidden(text: str, bad: re.Match, rel: str, limits: Limits) -> LoadError:
    """A refused character, located by line and, when it stands in a value, by field."""
    marker = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    masked = text[:bad.start()] + marker + text[bad.end():]
    masked = _SEPARATORS.sub(" ", _FORBIDDEN.sub(" ", masked))
    field = ""
    try:
        parse_yaml(masked.replace("\r\n", "\n"), rel, limits, marker=marker)
    except _Marked as exc:
        field = exc.field
    except LoadError:
        pass
    return LoadError(line_at(text, bad.start()), forbidden_message(bad.group()), field)


def relpath(path: "str | Path", root: "str | Path") -> str:
    """A path relative to the root, with forward slashes."""
    text, base = os.fspath(path), os.fspath(root)
    if text.startswith(base) and text[len(base):len(base) + 1] == "/" and base not in ("", ".", "/"):
        return text[len(base) + 1:]  # the usual case, without pathlib
    path, root = Path(path), Path(root)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def find_files(root: Path, folder: str, patterns: tuple[str, ...]) -> tuple[list[str], list[Finding]]:
    """Paths (root joined with the relative path) of the files under root/folder matching the patterns,
    sorted as paths; symlinks out of root refused."""
    base = os.path.join(root, folder)
    if not os.path.isdir(base):
        return [], []
    real_root = os.path.realpath(root)
    matches = _matcher(patterns)
    found: list[str] = []
    findings: list[Finding] = []
    folders = [base]
    while folders:  # as os.walk(base, followlinks=False), top-down in name order, hidden folders skipped
        top = folders.pop()
        dirs, files = _scan(top)
        for name in sorted(files):
            if name.startswith(".") or not matches(name):
                continue
            path = os.path.join(top, name)
            if files[name] and not _inside(os.path.realpath(path), real_root):
                findings.append(Finding(relpath(path, root), 1, ERROR, "",
                                        "symbolic link pointing outside the repository: refused"))
                continue
            found.append(path)
        folders += [os.path.join(top, d) for d in sorted(dirs, reverse=True) if not d.startswith(".") and not dirs[d]]
    found.sort(key=lambda p: p.split("/"))  # as pathlib sorts paths: part by part
    return found, findings


def _scan(folder: str) -> tuple[dict[str, bool], dict[str, bool]]:
    """A folder's sub-folders and other entries, each with whether it is a symbolic link (as os.walk
    lists them: an unreadable folder lists nothing, a link to a folder counts as a folder)."""
    dirs: dict[str, bool] = {}
    files: dict[str, bool] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                (dirs if _is(entry.is_dir) else files)[entry.name] = _is(entry.is_symlink)
    except OSError:
        return {}, {}
    return dirs, files


def _is(test: Any) -> bool:
    """A DirEntry test, False when it fails (as os.path.isdir and os.path.islink)."""
    try:
        return test()
    except OSError:
        return False


def _matcher(patterns: tuple[str, ...]) -> Any:
    """A test of a file name against glob patterns (str.endswith for the usual '*.yaml')."""
    import fnmatch
    if all(p.startswith("*") and not any(c in p[1:] for c in "*?[") for p in patterns):
        suffixes = tuple(p[1:] for p in patterns)
        return lambda name: name.endswith(suffixes)
    return lambda name: any(fnmatch.fnmatchcase(name, p) for p in patterns)


def ensure_inside(path: "str | Path", root: "str | Path") -> None:
    """Refuse a file that resolves outside the repository (a symbolic link out of it)."""
    if not _inside(os.path.realpath(path), os.path.realpath(root)):
        raise LoadError(1, "symbolic link pointing outside the repository: refused")


def _inside(path: str, root: str) -> bool:
    """Whether a resolved path is root or under it."""
    return path == root or path.startswith(root if root.endswith("/") else root + "/")


class _Composer:
    """Builds plain Python data from parser events, without recursion."""

    def __init__(self, path: str, limits: Limits, lenient_tags: bool = False, marker: str = "") -> None:
        self.path = path
        self.limits = limits
        self.lenient = lenient_tags
        self.marker = marker
        self.lines: dict[tuple, int] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0

    def compose(self, events: Any) -> Loaded:
        docs = 0
        result: Any = None
        stack: list[list[Any]] = []  # frames: [container, loc, pending_key, anchor, size]
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    raise LoadError(event.start_mark.line + 1,
                                    "several YAML documents in one file ('---'): keep one record per file")
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            line = event.start_mark.line + 1
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame[3]:
                    self.anchors[frame[3]] = (frame[0], frame[4])
                value, size = frame[0], frame[4]
                if stack:
                    stack[-1][4] += size
                    self._attach(stack[-1], value, frame[1], line)
                else:
                    result = value
                continue
            loc = self._child_loc(stack, line)
            if isinstance(event, yaml.AliasEvent):
                value, size = self._alias(event, line)
                self._count(size, line)
                if stack:
                    stack[-1][4] += size
                    self._attach_scalar(stack, value, loc, line)
                else:
                    result = value
                continue
            self._count(1, line)
            if isinstance(event, yaml.ScalarEvent):
                value = self._scalar(event, line, key=loc is None)
                if isinstance(value, str):
                    self._check_text(value, loc if loc is not None else stack[-1][1], line)
                if event.anchor:
                    self.anchors[event.anchor] = (value, 1)
                if stack:
                    stack[-1][4] += 1
                    self._attach_scalar(stack, value, loc, line)
                else:
                    result = value
                    self.lines[()] = line
                continue
            if len(stack) >= self.limits.max_depth:
                raise LoadError(line, f"nesting deeper than {self.limits.max_depth} levels: refused")
            if event.tag and event.tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq") and not self.lenient:
                raise LoadError(line, f"unsupported YAML tag {event.tag}: remove it")
            container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
            if loc is not None:
                self.lines.setdefault(loc, line)
            stack.append([container, loc if loc is not None else (), _NO_KEY, event.anchor, 1])
        return Loaded(self.path, result, self.lines)

    def _child_loc(self, stack: list[list[Any]], line: int) -> Optional[tuple]:
        if not stack:
            return ()
        frame = stack[-1]
        if isinstance(frame[0], list):
            return frame[1] + (len(frame[0]),)
        if frame[2] is _NO_KEY:
            return None  # this node is a key
        return frame[1] + (frame[2],)

    def _attach_scalar(self, stack: list[list[Any]], value: Any, loc: Optional[tuple], line: int) -> None:
        frame = stack[-1]
        if isinstance(frame[0], dict) and frame[2] is _NO_KEY:
            key = value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
            if isinstance(key, (int, float, bool)) or key is None:
                key = str(key).lower() if isinstance(key, bool) or key is None else str(key)
            if key in frame[0]:
                raise LoadError(line, f"duplicate key {key!r}: a key may appear once per mapping")
            frame[2] = key
            self.lines[frame[1] + (key,)] = line
            return
        self._attach(frame, value, loc, line)

    def _attach(self, frame: list[Any], value: Any, loc: Optional[tuple], line: int) -> None:
        container = frame[0]
        if isinstance(container, list):
            container.append(value)
            if loc is not None:
                self.lines.setdefault(loc, line)
        elif frame[2] is _NO_KEY:
            raise LoadError(line, "a mapping or list used as a key: refused")
        else:
            container[frame[2]] = value
            frame[2] = _NO_KEY

    def _alias(self, event: Any, line: int) -> tuple[Any, int]:
        if event.anchor not in self.anchors:
            raise LoadError(line, f"unknown alias *{event.anchor}: define the anchor &{event.anchor} before using it")
        value, size = self.anchors[event.anchor]
        return value, size

    def _count(self, size: int, line: int) -> None:
        self.nodes += size
        if self.nodes > self.limits.max_nodes:
            raise LoadError(line, f"more than {self.limits.max_nodes} YAML nodes (alias bomb or runaway file): refused")

    def _check_text(self, value: str, loc: tuple, line: int) -> None:
        """Refuse characters that reached a value through YAML escapes ("\\x07", "\\0")."""
        if self.marker and self.marker in value:
            raise _Marked(line, "refused character", field_path(loc))
        bad = _FORBIDDEN.search(value)
        if bad:
            raise LoadError(line, forbidden_message(bad.group(), escaped=True), field_path(loc))

    def _scalar(self, event: Any, line: int, key: bool = False) -> Any:
        value = event.value
        if event.tag and event.tag not in ("!", "tag:yaml.org,2002:str") and not event.tag.startswith("tag:yaml.org,2002:"):
            if self.lenient:
                return None
            raise LoadError(line, f"unsupported YAML tag {event.tag}: remove it")
        tag = event.tag if event.tag and event.tag != "!" else _resolver.resolve(ScalarNode, value, event.implicit)
        if event.tag == "!":
            tag = "tag:yaml.org,2002:str"
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and ":" in value:
            return value  # YAML 1.1 sexagesimal: 10:00 is a time, not 600
        if tag == "tag:yaml.org,2002:merge" and key and not self.lenient:
            raise LoadError(line, "YAML merge keys (<<: *anchor) are not supported: write the fields out")
        if tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"):
            return value
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                       "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"):
            if self.lenient:
                return None
            raise LoadError(line, f"unsupported YAML tag {tag}: remove it")
        if tag == "tag:yaml.org,2002:int" and len(value) > 30:
            raise LoadError(line, "number too long: refused")
        try:
            return _constructor.yaml_constructors[tag](_constructor, ScalarNode(tag, value))
        except (ValueError, OverflowError, TypeError, KeyError, AttributeError):
            return value  # 2025-13-45, or an explicit `!!timestamp soon`: left as text for the schema to explain


class FileIndex:
    """Content hashes of input files, reused while a file's size, times and inode are unchanged.

    Like git's index: `.dealdocs-cache/files.json` maps each path to its stat and sha256. An entry
    is trusted only if the file's status changed at least a second before the index was saved (a
    file written in the same instant is hashed again), so an edit is never missed.
    """

    VERSION = 1
    RACY_NS = 1_000_000_000

    def __init__(self, path: Optional[Path]) -> None:
        self.path = path
        self.entries: dict[str, list] = {}
        self.seen: set[str] = set()
        self.saved_ns = 0
        self.dirty = False
        if path is not None:
            self._read()

    def _read(self) -> None:
        import json
        try:
            data = json.loads(self.path.read_bytes())  # type: ignore[union-attr]
            if data.get("version") == self.VERSION and isinstance(data.get("files"), dict):
                self.entries, self.saved_ns = data["files"], int(data["saved_ns"])
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            self.entries, self.saved_ns = {}, 0

    @staticmethod
    def _stamp(info: os.stat_result) -> list:
        return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]

    def known(self, key: str, info: os.stat_result) -> Optional[str]:
        """The sha256 recorded for key when the file is provably unchanged since, else None."""
        self.seen.add(key)
        entry = self.entries.get(key)
        if (isinstance(entry, list) and len(entry) == 5 and entry[0] == info.st_size
                and entry[1] == info.st_mtime_ns and entry[2] == info.st_ctime_ns and entry[3] == info.st_ino
                and info.st_ctime_ns < self.saved_ns - self.RACY_NS and isinstance(entry[4], str)):
            return entry[4]
        return None

    def digest(self, key: str, path: Path, info: Optional[os.stat_result] = None) -> str:
        """The sha256 of a file's bytes: from the index when its stat (given, or taken) is unchanged, else read."""
        import hashlib
        info = info if info is not None else os.stat(path)
        known = self.known(key, info)
        if known is not None:
            return known
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self.record(key, info, digest)
        return digest

    def record(self, key: str, info: os.stat_result, digest: str) -> None:
        """Remember a file's sha256 with the stat it was read under."""
        entry = self._stamp(info) + [digest]
        if self.entries.get(key) != entry:
            self.entries[key] = entry
            self.dirty = True

    def save(self) -> None:
        """Write the index (best effort)."""
        import json
        import time
        if self.path is None:
            return
        root = self.path.parent.parent
        for gone in [k for k in self.entries if k not in self.seen and not (root / k).exists()]:
            del self.entries[gone]  # a deleted file
            self.dirty = True
        if not self.dirty:
            return
        body = json.dumps({"version": self.VERSION, "saved_ns": time.time_ns(), "files": self.entries},
                          separators=(",", ":")).encode()
        if store(self.path, body):
            self.dirty = False


_NO_KEY = object()


class ParseCache:
    """Parsed files by content hash, kept in 16 checksummed shard files under the cache folder.

    A shard is JSON text, which can make nothing but plain data (mappings with text keys, lists,
    text, numbers); dates are put back at the places the entry lists. Before anything is used, the
    text is checked to hold no character the loader refuses (typed or escaped) and each entry no
    more nodes than the loader allows, or the whole shard is ignored. Node lines stay in the
    shard's bytes (a LineIndex) and are looked up only for the files that get a finding.
    """

    MAGIC = b"DDJ1"
    SHARDS = "0123456789abcdef"  # by the first digit of the content hash: an edit rewrites one or two

    def __init__(self, path: Optional[Path], files: Optional[FileIndex] = None) -> None:
        self.path = path  # a folder of shards
        self.files = files
        self.entries: dict[str, tuple[Any, Mapping[tuple, int]]] = {}
        self.encoded: dict[str, tuple[str, bytes]] = {}  # entries as read: written back as they are
        self.used: set[str] = set()
        self.stale: set[str] = set()  # shards to write: new entries, dropped entries, unreadable files
        self._dirs: dict[tuple[str, str], bool] = {}
        self._real: dict[str, str] = {}  # folder → its resolved path
        if path is not None:
            self._read()

    def _read(self) -> None:
        for shard in self.SHARDS:
            self._read_shard(shard)

    def _read_shard(self, shard: str) -> None:
        """Take one shard's entries, or none when it is missing, corrupted, from another version or refused."""
        try:
            blob = (self.path / f"{shard}.bin").read_bytes()  # type: ignore[operator]
        except OSError:
            return
        body = unseal(self.MAGIC, blob)
        if body is None:
            self.stale.add(shard)
            return  # rewritten on save
        try:
            entries, encoded = _decode_shard(body, shard)
        except Exception:  # noqa: BLE001 — a shard that does not load is simply not used
            self.stale.add(shard)
            return
        self.entries.update(entries)
        self.encoded.update(encoded)

    def load(self, path: "str | Path", root: Path, limits: Limits) -> Loaded:
        """Parse a file, or take it from the cache when its bytes are unchanged."""
        import hashlib
        path = os.fspath(path)
        rel = relpath(path, root)
        info = self._stat_inside(path, root)
        suffix = f":{limits.max_bytes}:{limits.max_nodes}:{limits.max_depth}"
        known = self.files.known(rel, info) if self.files is not None else None
        if known is not None and stat.S_ISREG(info.st_mode) and info.st_size <= limits.max_bytes:
            hit = self.entries.get(known + suffix)  # unchanged file, parsed before: not even read
            if hit is not None:
                self.used.add(known + suffix)
                return Loaded(rel, hit[0], hit[1], self.encoded.get(known + suffix, ("",))[0], known)
        raw = read_raw(path, limits)
        digest = hashlib.sha256(raw).hexdigest()
        if self.files is not None:
            self.files.record(rel, info, digest)
        raw_key = digest + suffix
        self.used.add(raw_key)
        hit = self.entries.get(raw_key)
        if hit is not None:
            return Loaded(rel, hit[0], hit[1], self.encoded.get(raw_key, ("",))[0], digest)
        loaded = load_yaml(path, root, limits, raw)
        self.entries[raw_key] = (loaded.data, loaded.lines)
        self.stale.add(raw_key[0])
        return replace(loaded, digest=digest)

    def _stat_inside(self, path: str, root: Path) -> os.stat_result:
        """os.stat(path) after ensure_inside(), resolving each folder once per run (a link is resolved whole)."""
        try:
            info: Optional[os.stat_result] = os.lstat(path)  # a file that is not a link: its stat too
        except OSError:
            info = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            ensure_inside(path, root)
            return os.stat(path)
        key = (os.path.dirname(path) or ".", os.fspath(root))
        inside = self._dirs.get(key)
        if inside is None:
            inside = self._dirs[key] = _inside(self._resolved(key[0]), self._resolved(key[1]))
        if not inside:
            raise LoadError(1, "symbolic link pointing outside the repository: refused")
        return info if info is not None else os.stat(path)

    def _resolved(self, folder: str) -> str:
        """os.path.realpath(folder), from its parent's when the folder itself is not a link."""
        real = self._real.get(folder)
        if real is None:
            parent, name = os.path.split(folder)
            if not os.path.isabs(folder) or name in ("", ".", "..") or parent == folder or os.path.islink(folder):
                real = os.path.realpath(folder)
            else:
                real = os.path.join(self._resolved(parent), name)
            self._real[folder] = real
        return real

    def save(self) -> None:
        """Write back the shards that changed (entries not used in this run are dropped)."""
        if self.path is None:
            return
        stale = self.stale | {key[0] for key in self.entries if key not in self.used}
        for shard in sorted(stale & set(self.SHARDS)):
            kept = [self._encoded(k) for k in self.entries if k[0] == shard and k in self.used]
            body = _encode_shard([entry for entry in kept if entry is not None])
            if not store(self.path / f"{shard}.bin", seal(self.MAGIC, body)):
                return  # a cache that cannot be written is skipped
        self.stale = set()

    def _encoded(self, key: str) -> Optional[tuple[str, str, bytes]]:
        """(key, data as JSON, lines) of an entry; None for one that cannot be written."""
        known = self.encoded.get(key)
        if known is not None:
            return key, known[0], known[1]
        data, lines = self.entries[key]
        try:
            return key, _encode_data(data), _encode_lines(lines)
        except (ValueError, TypeError, RecursionError, UnicodeError):
            return None


class LineIndex(Mapping):
    """Node lines as a cached entry keeps them: records `\\x1e<loc>\\x1d<line>`, searched without a dict.

    A location is encoded part by part, text as \\x02<key>, an index as \\x01<digits>: characters
    the loader refuses in any key, so a search can only match a whole record. Any bytes make a
    valid index: a lookup gives a line number or nothing, never an error.
    """

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob

    def get(self, loc: Any, default: Any = None) -> Any:
        """The line of loc, or default."""
        try:
            needle = ("\x1e" + _loc_text(loc) + "\x1d").encode()
        except (TypeError, UnicodeError):
            return default
        at = self.blob.find(needle)
        if at < 0:
            return default
        start = at + len(needle)
        end = self.blob.find(b"\x1e", start)
        digits = self.blob[start:end] if end >= 0 else self.blob[start:]
        return int(digits) if 0 < len(digits) <= 9 and digits.isdigit() else default

    def __getitem__(self, loc: Any) -> int:
        found = self.get(loc)
        if found is None:
            raise KeyError(loc)
        return found

    def __contains__(self, loc: object) -> bool:
        return self.get(loc) is not None

    def __iter__(self) -> Any:
        for record in self.blob.split(b"\x1e")[1:]:
            loc = _text_loc(record.partition(b"\x1d")[0])
            if loc is not None and self.get(loc) is not None:
                yield loc

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _loc_text(loc: tuple) -> str:
    """A node location as LineIndex keys it."""
    return "".join("\x02" + part if type(part) is str else "\x01" + _index(part) for part in loc)


def _index(part: Any) -> str:
    if type(part) is not int:
        raise TypeError("a location holds keys and indexes")
    return str(part)


_LOC_PART = re.compile("([\x01\x02])([^\x01\x02]*)")


def _text_loc(key: bytes) -> Optional[tuple]:
    """The location a LineIndex key stands for (None for one it cannot)."""
    try:
        text = key.decode()
        parts = _LOC_PART.findall(text)
        if sum(1 + len(value) for _, value in parts) != len(text):
            return None
        return tuple(value if kind == "\x02" else int(value) for kind, value in parts)
    except ValueError:  # UnicodeDecodeError, int("x")
        return None


def _encode_lines(lines: Mapping[tuple, int]) -> bytes:
    """Node lines as LineIndex bytes."""
    if isinstance(lines, LineIndex):
        return lines.blob
    return "".join(f"\x1e{_loc_text(loc)}\x1d{int(line)}" for loc, line in lines.items()).encode()


def _encode_data(data: Any) -> str:
    """Loaded data as the JSON of [data, places of its dates]."""
    import json
    places: list[list] = []
    stack: list[tuple[Any, list]] = [(data, [])]
    while stack:
        value, loc = stack.pop()
        kind = type(value)
        if kind is dict:
            stack.extend((v, loc + [k]) for k, v in value.items())
        elif kind is list:
            stack.extend((v, loc + [i]) for i, v in enumerate(value))
        elif kind is datetime or kind is date:
            places.append([loc, kind.__name__])
    return json.dumps([data, places], ensure_ascii=False, separators=(",", ":"), default=_iso, allow_nan=True)


def _iso(value: Any) -> str:
    if type(value) is date or type(value) is datetime:
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not what the loader makes")


def _encode_shard(entries: list[tuple[str, str, bytes]]) -> bytes:
    """A shard's body: a header line [[key, characters of data, bytes of lines], ...], the lines, the data."""
    import json
    header = json.dumps([[key, len(text), len(lines)] for key, text, lines in entries], separators=(",", ":"))
    return (header.encode() + b"\n" + b"".join(lines for _, _, lines in entries)
            + "".join(text for _, text, _ in entries).encode())


# In a shard's JSON: a refused character typed as is, or any escape but \" \\ \n \r \t (the only ones
# the writer makes for the text the loader lets through: \u0007 or \b would stand for a refused one).
_REFUSED_RAW = re.compile(_FORBIDDEN.pattern[:-1] + "\u2028\u2029]")
_ODD_ESCAPE = re.compile(r'\\[^"\\nrt]')


def _decode_shard(body: bytes, shard: str) -> tuple[dict[str, tuple[Any, LineIndex]], dict[str, tuple[str, bytes]]]:
    """A shard's entries and their text as read, or a ValueError (or another error) when anything is off."""
    import json
    newline = body.index(b"\n")
    header = json.loads(body[:newline])
    if type(header) is not list or not all(_header_ok(item, shard) for item in header):
        raise ValueError("unexpected header in the cache")
    lines_at = newline + 1
    data_at = lines_at + sum(item[2] for item in header)
    text = body[data_at:].decode("utf-8")  # strict: no lone surrogate
    if sum(item[1] for item in header) != len(text):
        raise ValueError("truncated cache")
    if _REFUSED_RAW.search(text) or _ODD_ESCAPE.search(text.replace("\\\\", "")):
        raise ValueError("refused character in the cache")
    entries: dict[str, tuple[Any, LineIndex]] = {}
    encoded: dict[str, tuple[str, bytes]] = {}
    at = 0
    for key, size, lines_size in header:
        piece, at = text[at:at + size], at + size
        lines, lines_at = body[lines_at:lines_at + lines_size], lines_at + lines_size
        entries[key] = (_entry_data(piece, _node_limit(key)), LineIndex(lines))
        encoded[key] = (piece, lines)
    return entries, encoded


def _header_ok(item: Any, shard: str) -> bool:
    return (type(item) is list and len(item) == 3 and type(item[0]) is str and item[0].startswith(shard)
            and type(item[1]) is int and type(item[2]) is int and item[1] >= 0 and item[2] >= 0)


def _entry_data(piece: str, limit: int) -> Any:
    """One entry's data from its JSON, with its dates put back; a ValueError if it is not what the loader makes."""
    import json
    value = json.loads(piece)
    if type(value) is not list or len(value) != 2 or type(value[1]) is not list:
        raise ValueError("unexpected entry in the cache")
    data, places = value
    if len(piece) > limit and _node_count(data, limit) > limit:  # each node takes at least one character
        raise ValueError("an entry larger than the loader allows in the cache")
    for place in places:
        data = _put_date(data, place)
    return data


def _put_date(data: Any, place: Any) -> Any:
    """Data with the text at place (a [path, "date" | "datetime"] pair) turned back into a date."""
    if type(place) is not list or len(place) != 2 or type(place[0]) is not list or type(place[1]) is not str:
        raise ValueError("unexpected date in the cache")
    path, kind = place
    parse = _FROM_ISO.get(kind)
    if parse is None:
        raise ValueError("unexpected date in the cache")
    if not path:
        return parse(_text(data))
    node, last = data, len(path) - 1
    for i, part in enumerate(path):
        holder = type(node)
        if not ((holder is dict and type(part) is str) or (holder is list and type(part) is int and part >= 0)):
            raise ValueError("unexpected date in the cache")
        if i == last:
            node[part] = parse(_text(node[part]))
        else:
            node = node[part]
    return data


_FROM_ISO = {"date": date.fromisoformat, "datetime": datetime.fromisoformat}


def _text(value: Any) -> str:
    if type(value) is not str:
        raise ValueError("unexpected date in the cache")
    return value


def _node_count(data: Any, limit: int) -> int:
    """Values and containers in data (keys not counted), stopping past limit."""
    stack, nodes = [data], 0
    while stack and nodes <= limit:
        item = stack.pop()
        nodes += 1
        if type(item) is dict:
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return nodes


def _node_limit(key: str) -> int:
    """The node limit an entry was parsed under (its key ends with bytes:nodes:depth)."""
    try:
        return int(key.split(":")[2])
    except (IndexError, ValueError):
        raise ValueError("unexpected key in the cache") from None
