"""YAML → plain mappings that remember the line of every node, with hard limits."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

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

# C0/C1 control characters that Word cannot hold (tab, LF and CR are fine).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
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
    lines: dict[tuple, int] = field(default_factory=dict)


def read_text(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a UTF-8 file within the size limit, refusing forbidden characters."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise LoadError(1, f"file is {size} bytes, over the limit of {limits.max_bytes} bytes: "
                           "split it or raise `max_file_bytes` in mkdocs.yml extra.dealdocs")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(line, "file is not UTF-8 text (Latin-1 or binary?): "
                              "re-save it as UTF-8 in your editor") from None
    bad = _FORBIDDEN.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise LoadError(line, f"forbidden control character U+{ord(bad.group()):04X}: "
                              "remove it (it was probably pasted from another program)")
    return text.replace("\r\n", "\n")


def parse_yaml(text: str, path: str = "<string>", limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Parse YAML text into plain data plus node lines, within the limits."""
    try:
        return _Composer(path, limits).compose(yaml.parse(text, Loader=_Loader))
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


def load_yaml(path: Path, root: Path, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Load one YAML file of the content repository."""
    rel = relpath(path, root)
    return parse_yaml(read_text(path, limits), rel, limits)


def relpath(path: Path, root: Path) -> str:
    """A path relative to the root, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def find_files(root: Path, folder: str, patterns: tuple[str, ...]) -> tuple[list[Path], list[Finding]]:
    """Files under root/folder matching the patterns, sorted; symlinks out of root refused."""
    base = root / folder
    if not base.is_dir():
        return [], []
    real_root = root.resolve()
    found: list[Path] = []
    findings: list[Finding] = []
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not any(Path(name).match(p) for p in patterns):
                continue
            path = Path(dirpath) / name
            if path.is_symlink() and not _inside(path.resolve(), real_root):
                findings.append(Finding(relpath(path, root), 1, ERROR, "",
                                        "symbolic link pointing outside the repository: refused"))
                continue
            found.append(path)
    return sorted(found), findings


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


class _Composer:
    """Builds plain Python data from parser events, without recursion."""

    def __init__(self, path: str, limits: Limits) -> None:
        self.path = path
        self.limits = limits
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
                value = self._scalar(event, line)
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
            if event.tag and event.tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
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
            raise LoadError(line, f"unknown alias *{event.anchor}")
        value, size = self.anchors[event.anchor]
        return value, size

    def _count(self, size: int, line: int) -> None:
        self.nodes += size
        if self.nodes > self.limits.max_nodes:
            raise LoadError(line, f"more than {self.limits.max_nodes} YAML nodes (alias bomb or runaway file): refused")

    def _scalar(self, event: Any, line: int) -> Any:
        value = event.value
        if event.tag and event.tag not in ("!", "tag:yaml.org,2002:str") and not event.tag.startswith("tag:yaml.org,2002:"):
            raise LoadError(line, f"unsupported YAML tag {event.tag}: remove it")
        tag = event.tag if event.tag and event.tag != "!" else _resolver.resolve(ScalarNode, value, event.implicit)
        if event.tag == "!":
            tag = "tag:yaml.org,2002:str"
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and ":" in value:
            return value  # YAML 1.1 sexagesimal: 10:00 is a time, not 600
        if tag == "tag:yaml.org,2002:str":
            return value
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                       "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"):
            raise LoadError(line, f"unsupported YAML tag {tag}: remove it")
        if tag == "tag:yaml.org,2002:int" and len(value) > 30:
            raise LoadError(line, "number too long: refused")
        try:
            return _constructor.yaml_constructors[tag](_constructor, ScalarNode(tag, value))
        except (ValueError, OverflowError):
            return value  # e.g. 2025-13-45: left as text for the schema to explain


_NO_KEY = object()


class ParseCache:
    """Parsed files by content hash, kept in one checksummed file under the cache folder."""

    MAGIC = b"DDP1"

    def __init__(self, path: Optional[Path]) -> None:
        self.path = path
        self.entries: dict[str, tuple[Any, dict[tuple, int]]] = {}
        self.used: set[str] = set()
        self.dirty = False
        if path is not None:
            self._read()

    def _read(self) -> None:
        import hashlib
        import pickle
        try:
            blob = self.path.read_bytes()  # type: ignore[union-attr]
        except OSError:
            return
        body = blob[36:]
        if blob[:4] != self.MAGIC or hashlib.sha256(body).digest() != blob[4:36]:
            return  # corrupted: ignored, rebuilt on save
        try:
            entries = pickle.loads(body)
        except Exception:  # noqa: BLE001 - a cache that does not load is simply not used
            return
        if isinstance(entries, dict):
            self.entries = entries

    def load(self, path: Path, root: Path, limits: Limits) -> Loaded:
        """Parse a file, or take it from the cache when its bytes are unchanged."""
        import hashlib
        rel = relpath(path, root)
        raw_key = hashlib.sha256(path.read_bytes()).hexdigest() + f":{limits.max_bytes}:{limits.max_nodes}:{limits.max_depth}"
        self.used.add(raw_key)
        hit = self.entries.get(raw_key)
        if hit is not None:
            return Loaded(rel, hit[0], hit[1])
        loaded = load_yaml(path, root, limits)
        self.entries[raw_key] = (loaded.data, loaded.lines)
        self.dirty = True
        return loaded

    def save(self) -> None:
        """Write the cache back (entries not used in this run are dropped)."""
        import hashlib
        import pickle
        if self.path is None or not (self.dirty or len(self.used) != len(self.entries)):
            return
        body = pickle.dumps({k: v for k, v in self.entries.items() if k in self.used}, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(self.MAGIC + hashlib.sha256(body).digest() + body)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written is skipped
