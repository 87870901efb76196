"""Load a whole content repository: every record validated, every finding collected."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import yaml

from . import custody, rules
from .lint import lint_templates
from .loader import Limits, LoadError, Loaded, ParseCache, find_files, parse_yaml, read_text, relpath
from .models import ERROR, Board, Card, CardDoc, Crc, CrcDoc, Finding, KbFrontMatter, KbPage, Located
from .naming import document_name
from .schema import validate
from .timing import measure

log = logging.getLogger(__name__)


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


class _MkdocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, ignoring the Python tags some themes use."""


_MkdocsLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_MkdocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def read_settings(root: Path) -> tuple[Settings, list[Finding]]:
    """Read `extra.dealdocs` from mkdocs.yml, if present."""
    path = root / "mkdocs.yml"
    if not path.exists():
        return Settings(), []
    try:
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_MkdocsLoader) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        return Settings(), [Finding("mkdocs.yml", line, ERROR, "", f"mkdocs.yml does not parse: {exc}")]
    extra = (config.get("extra") or {}).get("dealdocs") or {} if isinstance(config, dict) else {}
    try:
        as_of = extra.get("as_of")
        if isinstance(as_of, str):
            as_of = date.fromisoformat(as_of)
        limits = Limits(max_bytes=int(extra.get("max_file_bytes", Limits.max_bytes)))
        language = str(extra.get("language", "fr"))
        if language not in ("fr", "en"):
            raise ValueError(f"language must be fr or en, got {language!r}")
    except (ValueError, TypeError) as exc:
        return Settings(), [Finding("mkdocs.yml", 1, ERROR, "extra.dealdocs", str(exc))]
    return Settings(language=language, as_of=as_of, limits=limits,
                    site_name=str(config.get("site_name") or Settings.site_name)), []


_parse_cache: ParseCache = ParseCache(None)


def _load(path: Path, root: Path, limits: Limits) -> tuple[Optional[Loaded], list[Finding]]:
    try:
        with measure("load"):
            return _parse_cache.load(path, root, limits), []
    except LoadError as exc:
        return None, [Finding(relpath(path, root), exc.line, ERROR, exc.field, exc.message)]
    except OSError as exc:
        return None, [Finding(relpath(path, root), 1, ERROR, "", f"cannot read the file: {exc.strerror}")]


def load_crcs(root: Path, limits: Limits) -> tuple[list[CrcDoc], list[Finding]]:
    """Load and validate every CRC file; duplicates names are errors."""
    paths, findings = find_files(root, "content/crc", ("*.yaml", "*.yml"))
    docs: list[CrcDoc] = []
    names: dict[str, str] = {}
    for path in paths:
        loaded, errs = _load(path, root, limits)
        findings += errs
        if loaded is None:
            continue
        with measure("validate"):
            crc, errs = validate(Crc, loaded)
        findings += errs
        if crc is None:
            continue
        doc = CrcDoc(crc, document_name(crc), Located(loaded.path, loaded.lines), loaded.data)
        if doc.name in names:
            findings.append(Finding(loaded.path, doc.source.line(("date",)), ERROR, "",
                                    f"document name {doc.name} is already given by {names[doc.name]}: "
                                    "change the version, date or client_code"))
            continue
        names[doc.name] = loaded.path
        findings += rules.crc_findings(doc)
        docs.append(doc)
    return docs, findings


def load_cards(root: Path, limits: Limits) -> tuple[list[CardDoc], list[Finding]]:
    """Load and validate every card file."""
    paths, findings = find_files(root, "content/cards", ("*.yaml", "*.yml"))
    docs = []
    for path in paths:
        loaded, errs = _load(path, root, limits)
        findings += errs
        if loaded is None:
            continue
        with measure("validate"):
            card, errs = validate(Card, loaded)
        findings += errs
        if card is not None:
            docs.append(CardDoc(card, Located(loaded.path, loaded.lines)))
    return docs, findings


def default_board() -> Board:
    """The built-in B2B board of the guide."""
    text = resources.files("generator").joinpath("defaults/board.yaml").read_text(encoding="utf-8")
    return Board.model_validate(parse_yaml(text, "<default board>").data)


def load_board(root: Path, limits: Limits) -> tuple[Optional[Board], str, list[Finding]]:
    """content/board.yaml, or the default board when absent."""
    path = root / "content" / "board.yaml"
    if not path.exists():
        return default_board(), "", []
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
            text = read_text(path, limits)
            front, body, _ = split_front_matter(text)
            if not front:
                raise LoadError(1, "no front matter: start the page with ---, title: ..., ---")
            loaded = parse_yaml(front, rel, limits)
            loaded.lines = {k: v + 1 for k, v in loaded.lines.items()}
        except LoadError as exc:
            findings.append(Finding(rel, exc.line, ERROR, exc.field, exc.message))
            continue
        meta, errs = validate(KbFrontMatter, loaded)
        findings += errs
        if meta is not None:
            pages.append(KbPage(rel, meta, body))
    return pages, findings


def load_project(root: Path, as_of: date, settings: Optional[Settings] = None, use_cache: bool = True) -> Project:
    """Load, validate and cross-check everything under root."""
    global _parse_cache
    findings: list[Finding] = []
    if settings is None:
        settings, findings = read_settings(root)
    _parse_cache = ParseCache(root / ".dealdocs-cache" / "parsed.bin" if use_cache else None)
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
