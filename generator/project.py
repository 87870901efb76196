"""Load a whole content repository: every record validated, every finding collected."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Optional, TypeVar

from . import custody, rules
from .lint import lint_templates
from .loader import (FileIndex, Limits, LoadError, Loaded, ParseCache, ensure_inside, field_path, find_files, parse_yaml,
                     read_text, relpath)
from .markup import markup_problems
from .models import ERROR, Board, Card, CardDoc, Crc, CrcDoc, Finding, KbFrontMatter, KbPage, Located
from .naming import document_name
from .schema import shorten, validate
from .timing import measure

log = logging.getLogger(__name__)
M = TypeVar("M", Crc, Card)


@dataclass(frozen=True)
class Settings:
    """Project settings from mkdocs.yml `extra.dealdocs`."""

    language: str = "fr"
    as_of: Optional[date] = None
    limits: Limits = field(default_factory=Limits)
    site_name: str = "Base de connaissances commerciale"


@dataclass
class Project:
    """Everything loaded from a content repository."""

    root: Path
    settings: Settings
    crcs: list[CrcDoc] = field(default_factory=list)
    cards: list[CardDoc] = field(default_factory=list)
    board: Optional[Board] = None
    board_path: str = ""
    kb: list[KbPage] = field(default_factory=list)
    lock: dict[str, custody.LockEntry] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def cards_by_id(self) -> dict[str, CardDoc]:
        return {d.card.id: d for d in self.cards}

    @cached_property
    def board_digest(self) -> str:
        """A hash of the board and every card with its file: what the metrics and the board are made from."""
        import hashlib
        digest = hashlib.sha256((self.board.model_dump_json() if self.board else "null").encode())
        for doc in sorted(self.cards, key=lambda d: (d.card.id, d.source.path)):
            digest.update(b"\0" + doc.source.path.encode() + b"\0" + doc.card.model_dump_json().encode())
        return digest.hexdigest()


MAX_FILE_BYTES = 100_000_000  # the highest max_file_bytes mkdocs.yml may set
MAX_NAME = 120  # characters of a document name: file systems refuse names over 255 bytes


def read_settings(root: Path) -> tuple[Settings, list[Finding]]:
    """Read `extra.dealdocs` from mkdocs.yml, if present (unknown tags, used by themes, read as null)."""
    path = root / "mkdocs.yml"
    if not path.exists():
        return Settings(), []
    try:
        loaded = load_mkdocs(root)
    except LoadError as exc:
        return Settings(), [Finding("mkdocs.yml", exc.line, ERROR, exc.field, f"mkdocs.yml: {exc.message}")]
    except OSError as exc:
        return Settings(), [Finding("mkdocs.yml", 1, ERROR, "", f"cannot read mkdocs.yml: {exc.strerror}")]
    config = loaded.data if isinstance(loaded.data, dict) else {}
    where = Located("mkdocs.yml", loaded.lines)
    extra = config.get("extra")
    section = extra.get("dealdocs") if isinstance(extra, dict) else None
    if section is None:
        return Settings(site_name=_site_name(config)), []
    if not isinstance(section, dict):
        return Settings(), [Finding("mkdocs.yml", where.line(("extra", "dealdocs")), ERROR, "extra.dealdocs",
                                    "expected a mapping of settings (max_file_bytes, language, as_of)")]
    try:
        settings = Settings(language=_language(section.get("language", "fr")), as_of=_as_of(section.get("as_of")),
                            limits=Limits(max_bytes=_max_bytes(section.get("max_file_bytes", Limits.max_bytes))),
                            site_name=_site_name(config))
    except _SettingError as exc:
        loc = ("extra", "dealdocs", exc.key)
        return Settings(), [Finding("mkdocs.yml", where.line(loc), ERROR, field_path(loc), exc.message)]
    return settings, []


def load_mkdocs(root: Path) -> Loaded:
    """mkdocs.yml through the bounded loader (theme tags such as !!python/name read as null)."""
    path = root / "mkdocs.yml"
    ensure_inside(path, root)
    return parse_yaml(read_text(path), "mkdocs.yml", lenient_tags=True)


def mkdocs_config(root: Path) -> dict:
    """mkdocs.yml as a mapping; {} when absent or unreadable (read_settings reports why)."""
    try:
        data = load_mkdocs(root).data
    except (LoadError, OSError):
        return {}
    return data if isinstance(data, dict) else {}


class _SettingError(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


def _language(value: Any) -> str:
    if value not in ("fr", "en"):
        raise _SettingError("language", f"language must be fr or en, got {shorten(repr(value))}")
    return value


def _as_of(value: Any) -> Optional[date]:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _bad_as_of(value)
    except ValueError:
        return _bad_as_of(value)


def _bad_as_of(value: Any) -> date:
    raise _SettingError("as_of", f"as_of must be a date like 2025-10-24, got {shorten(repr(value))}")


def _max_bytes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_FILE_BYTES:
        raise _SettingError("max_file_bytes", f"max_file_bytes must be a whole number of bytes from 1 to "
                            f"{MAX_FILE_BYTES}, got {shorten(repr(value))}")
    return value


def _site_name(config: dict) -> str:
    name = config.get("site_name")
    return name.strip() if isinstance(name, str) and name.strip() else Settings.site_name


_parse_cache: ParseCache = ParseCache(None)


def _load(path: "str | Path", root: Path, limits: Limits) -> tuple[Optional[Loaded], list[Finding]]:
    try:
        return _parse_cache.load(path, root, limits), []
    except LoadError as exc:
        return None, [Finding(relpath(path, root), exc.line, ERROR, exc.field, exc.message)]
    except OSError as exc:
        return None, [Finding(relpath(path, root), 1, ERROR, "", f"cannot read the file: {exc.strerror}")]


def _load_all(model: type[M], paths: list[str], root: Path,
              limits: Limits) -> tuple[list[tuple[Loaded, Optional[M]]], list[Finding]]:
    """Each file that loads, with its record when valid; a finding for each problem (timed as two stages)."""
    files: list[Loaded] = []
    findings: list[Finding] = []
    with measure("load"):
        for path in paths:
            loaded, errs = _load(path, root, limits)
            findings += errs
            if loaded is not None:
                files.append(loaded)
    records = []
    with measure("validate"):
        for loaded in files:
            record, errs = validate(model, loaded)
            findings += errs
            records.append((loaded, record))
    return records, findings


def load_crcs(root: Path, limits: Limits) -> tuple[list[CrcDoc], list[Finding]]:
    """Load and validate every CRC file; duplicates names are errors."""
    paths, findings = find_files(root, "content/crc", ("*.yaml", "*.yml"))
    records, errs = _load_all(Crc, paths, root, limits)
    findings += errs
    docs: list[CrcDoc] = []
    names: dict[str, str] = {}
    for loaded, crc in records:
        if crc is None:
            continue
        doc = CrcDoc(crc, document_name(crc), Located(loaded.path, loaded.lines, loaded.digest), loaded.data,
                     loaded.text)
        if len(doc.name) > MAX_NAME:
            loc = ("client_code",) if crc.client_code else ("client",)
            findings.append(Finding(loaded.path, doc.source.line(loc), ERROR, loc[0],
                                    f"the document name would be {len(doc.name)} characters long (at most "
                                    f"{MAX_NAME}): set a short client_code, e.g. client_code: ACME"))
            continue
        if doc.name.lower() in names:  # case-insensitive: macOS and Windows would overwrite one with the other
            findings.append(Finding(loaded.path, doc.source.line(("date",)), ERROR, "",
                                    f"document name {doc.name} is already given by {names[doc.name.lower()]}: "
                                    "change the version, date or client_code"))
            continue
        names[doc.name.lower()] = loaded.path
        findings += single_line_findings(doc)
        findings += rules.crc_findings(doc)
        docs.append(doc)
    return docs, findings


def single_line_findings(doc: CrcDoc) -> list[Finding]:
    """Line breaks in fields that become e-mail headers, invitation fields or file names."""
    crc = doc.crc
    if not _breaks(crc):
        return []
    fields: list[tuple[tuple, Optional[str]]] = [(("client",), crc.client), (("client_code",), crc.client_code),
                                                  (("opportunity",), crc.opportunity), (("subject",), crc.subject)]
    for side in ("client", "vendor"):
        for i, person in enumerate(getattr(crc.participants, side)):
            fields += [(("participants", side, i, key), getattr(person, key)) for key in ("name", "role")]
    if crc.next_step:
        fields += [(("next_step", key), getattr(crc.next_step, key)) for key in ("owner_client", "owner_vendor")]
    return [Finding(doc.source.path, doc.source.line(loc), ERROR, field_path(loc),
                    "line break in a one-line field (it goes into the e-mail headers and the invitation): "
                    "write it on one line")
            for loc, value in fields if value and ("\n" in value or "\r" in value)]


def _breaks(crc: Crc) -> bool:
    """Whether any one-line field may hold a line break (a quick test before locating them)."""
    values = [crc.client, crc.client_code or "", crc.opportunity or "", crc.subject or ""]
    for person in crc.participants.client + crc.participants.vendor:
        values += (person.name, person.role or "")
    if crc.next_step:
        values += (crc.next_step.owner_client or "", crc.next_step.owner_vendor or "")
    text = "".join(values)
    return "\n" in text or "\r" in text


def load_cards(root: Path, limits: Limits) -> tuple[list[CardDoc], list[Finding]]:
    """Load and validate every card file."""
    paths, findings = find_files(root, "content/cards", ("*.yaml", "*.yml"))
    records, errs = _load_all(Card, paths, root, limits)
    return [CardDoc(card, Located(loaded.path, loaded.lines, loaded.digest)) for loaded, card in records if card is not None], \
        findings + errs


def default_board() -> Board:
    """The built-in B2B board of the guide."""
    text = resources.files("generator").joinpath("defaults/board.yaml").read_text(encoding="utf-8")
    return Board.model_validate(parse_yaml(text, "<default board>").data)


def load_board(root: Path, limits: Limits) -> tuple[Optional[Board], str, list[Finding]]:
    """content/board.yaml, or the default board when absent."""
    path = root / "content" / "board.yaml"
    if not path.exists():
        return default_board(), "", []
    with measure("load"):
        loaded, errs = _load(path, root, limits)
    if loaded is None:
        return None, loaded_path(path, root), errs
    board, errs = validate(Board, loaded)
    if board is not None:
        keys = [c.key for c in board.columns]
        dup = {k for k in keys if keys.count(k) > 1}
        for k in sorted(dup):
            errs.append(Finding(loaded.path, 1, ERROR, "columns", f"column key {k!r} is used twice"))
    return board, loaded.path, errs


def loaded_path(path: Path, root: Path) -> str:
    return relpath(path, root)


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, line where the body starts)."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            after = text.find("\n", end + 4)
            body = text[after + 1:] if after != -1 else ""
            return text[4:end + 1], body, text.count("\n", 0, after + 1 if after != -1 else len(text)) + 1
    return "", text, 1


def load_kb(root: Path, limits: Limits) -> tuple[list[KbPage], list[Finding]]:
    """Hand-written knowledge-base pages with their front matter."""
    paths, findings = find_files(root, "content/kb", ("*.md",))
    pages = []
    for path in paths:
        rel = relpath(path, root)
        try:
            ensure_inside(path, root)
            text = read_text(path, limits)
            front, body, body_line = split_front_matter(text)
            if not front:
                raise LoadError(1, "no front matter: start the page with ---, title: ..., ---")
            loaded = parse_yaml(front, rel, limits)
            loaded.lines = {k: v + 1 for k, v in loaded.lines.items()}
        except LoadError as exc:
            findings.append(Finding(rel, exc.line, ERROR, exc.field, exc.message))
            continue
        except OSError as exc:
            findings.append(Finding(rel, 1, ERROR, "", f"cannot read the file: {exc.strerror}"))
            continue
        meta, errs = validate(KbFrontMatter, loaded)
        findings += errs
        findings += [Finding(rel, body_line + n - 1, ERROR, "", message) for n, message in markup_problems(body)]
        if meta is not None:
            pages.append(KbPage(rel, meta, body))
    return pages, findings


def load_project(root: Path, as_of: date, settings: Optional[Settings] = None, use_cache: bool = True,
                 files: Optional[FileIndex] = None) -> Project:
    """Load, validate and cross-check everything under root (files: the build's file index, if it has one)."""
    global _parse_cache
    findings: list[Finding] = []
    if settings is None:
        settings, findings = read_settings(root)
    if files is None and use_cache:
        files = FileIndex(root / ".dealdocs-cache" / "files.json")
    _parse_cache = ParseCache(root / ".dealdocs-cache" / "parsed" if use_cache else None, files)
    project = Project(root=root, settings=settings, findings=findings)
    limits = settings.limits
    project.crcs, errs = load_crcs(root, limits)
    project.findings += errs
    project.cards, errs = load_cards(root, limits)
    project.findings += errs
    project.board, project.board_path, errs = load_board(root, limits)
    project.findings += errs
    project.kb, errs = load_kb(root, limits)
    project.findings += errs
    project.lock, errs = custody.read_lock(root)
    project.findings += errs
    with measure("validate"):
        project.findings += cross_check(project, as_of)
    _parse_cache.save()
    if files is not None and use_cache:
        files.save()
    project.findings += lint_templates(root)
    project.findings.sort(key=lambda f: (f.path, f.line, f.severity, f.field, f.message))
    return project


def cross_check(project: Project, as_of: date) -> list[Finding]:
    """Rules spanning several files: lock, overdue steps, concordance, board."""
    out = custody.lock_findings(project.crcs, project.lock)
    out += rules.overdue_findings(project.crcs, as_of)
    cards = {}
    for doc in project.cards:
        cards.setdefault(doc.card.id, doc)
    out += rules.concordance_findings(project.crcs, cards)
    if project.board is not None:
        out += rules.board_findings(project.cards, project.board, as_of)
    return out


def as_mapping(value: Any) -> dict:
    """A value as a dict (for view models)."""
    return value if isinstance(value, dict) else {}
