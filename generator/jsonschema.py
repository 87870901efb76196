"""JSON Schemas for editors, generated from the pydantic models (never maintained by hand).

`dealdocs schema` writes one schema per record kind into `schemas/`; files written by
`dealdocs new` and `dealdocs init` point to them with a `# yaml-language-server: $schema=…`
line, and `.vscode/settings.json` maps the content folders to them, so an editor
completes field names, shows the French descriptions and flags mistakes while typing.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from . import models
from .i18n import LABELS
from .models import Board, Card, Crc, KbFrontMatter

# Draft 7: the draft VS Code's YAML extension (yaml-language-server) fully supports.
DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_DIR = "schemas"

# (file name, model, title, files it describes) of every schema written by `dealdocs schema`.
KINDS: dict[str, tuple[str, type[BaseModel], str, str]] = {
    "crc": ("crc.schema.json", Crc, "CRC — compte rendu commercial", "content/crc/**/*.yaml"),
    "card": ("card.schema.json", Card, "Carte d'opportunité", "content/cards/**/*.yaml"),
    "board": ("board.schema.json", Board, "Tableau Kanban", "content/board.yaml"),
    "kb": ("kb.schema.json", KbFrontMatter, "Page de la base de connaissances", "en-tête de content/kb/**/*.md"),
}

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"

# What each custom string type of models.py accepts, keyed by its validator.
_CUSTOM: dict[Callable[..., Any], dict[str, Any]] = {
    models._to_date: {"type": "string", "format": "date", "pattern": ISO_DATE,
                      "examples": ["2025-09-19"]},
    models._to_version: {"type": "string", "pattern": r"^\d+\.\d+$", "examples": ["1.0", "1.1", "2.0"]},
    models._to_time: {"type": "string", "pattern": r"^\d{1,2}[:h]\d{2}(\s*[-–]\s*\d{1,2}[:h]\d{2})?$",
                      "examples": ["10:00", "10:00-10:45"]},
    models._to_deadline: {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2})?$",
                          "examples": ["2025-09-24 17:00"]},
}

_FR = LABELS["fr"]

# French labels shown beside enum values in the editor's completion list.
ENUM_LABELS: dict[str, str] = {
    **{k: _FR[k] for k in ("discovery", "demo", "negotiation", "qbr", "validated", "corrected")},
    **{k: _FR[f"{k}_ms"] for k in ("client", "internal", "calendar", "value")},
    "pending": "En attente de la réponse du client",
    "outbound": "Prospection sortante", "offer": "Offre", "inbound": "Entrant (formulaire, appel)",
    "trade-show": "Salon", "referral": "Recommandation", "partner": "Partenaire",
    "standard": "Standard", "fixed-date": "Date fixe", "expedite": "Urgence (une seule carte)",
    "won": "Gagné", "lost": "Perdu", "price": "Prix", "timing": "Calendrier", "fit": "Adéquation",
    "competition": "Concurrence", "objection": "Traitement d'objection", "email-script": "Script d'e-mail",
    "playbook": "Playbook", "checklist": "Check-list",
}

# Descriptions for the few fields models.py leaves undescribed: (model, field) → text.
FALLBACK_DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("NegotiationDays", "green"): "Jours en négociation jusqu'au feu vert",
    ("NegotiationDays", "amber"): "Jours en négociation jusqu'au feu orange (rouge au-delà)",
    ("Ageing", "idle_days"): "Jours sans action avant qu'une carte soit signalée inactive",
    ("Ageing", "negotiation_days"): "Feux de la colonne négociation",
    ("Ageing", "prospect_purge_days"): "Jours en prospects avant de purger la carte",
    ("Period", "start"): "Début de la période", ("Period", "end"): "Fin de la période",
    ("MicroRule", "problem"): "Problème constaté", ("MicroRule", "rule"): "Règle adoptée",
    ("MicroRule", "indicator"): "Indicateur suivi", ("MicroRule", "target"): "Cible",
    ("MicroRule", "decision_date"): "Date de décision (garder ou abandonner la règle)",
    ("KbFrontMatter", "description"): "Résumé affiché dans la recherche",
}


class _Generator(GenerateJsonSchema):
    """pydantic's generator, with the custom string types spelled out."""

    def function_before_schema(self, schema: Any) -> dict[str, Any]:
        out = super().function_before_schema(schema)
        extra = _CUSTOM.get(schema.get("function", {}).get("function"))
        if extra is None:
            return out
        out = {k: v for k, v in out.items() if k not in ("format", "type")}
        out.update(extra)
        return out


def _walk(node: Any, fn: Callable[[dict[str, Any], Optional[str]], None], model: Optional[str] = None) -> None:
    """Apply fn(schema, model name) to every sub-schema (not to `properties` maps)."""
    if isinstance(node, list):
        for item in node:
            _walk(item, fn, model)
        return
    if not isinstance(node, dict):
        return
    fn(node, model)
    for key, value in node.items():
        if key in ("properties", "$defs"):
            for name, sub in value.items():
                _walk(sub, fn, name if key == "$defs" else model)
        elif key not in ("enum", "examples", "default", "required", "enumDescriptions"):
            _walk(value, fn, model)


def _tidy(node: dict[str, Any], model: Optional[str]) -> None:
    """Drop pydantic's English titles, add enum labels and missing descriptions, speak draft 7."""
    node.pop("title", None)
    if "$ref" in node:
        ref = node.pop("$ref").replace("#/$defs/", "#/definitions/")
        if node:  # draft 7 ignores the siblings of $ref: keep them beside an allOf
            node["allOf"] = [{"$ref": ref}]
        else:
            node["$ref"] = ref
    if "enum" in node:
        labels = [ENUM_LABELS.get(str(v), "") for v in node["enum"]]
        if any(labels):
            node["enumDescriptions"] = labels
    for name, prop in (node.get("properties") or {}).items():
        if "description" not in prop and (model, name) in FALLBACK_DESCRIPTIONS:
            prop["description"] = FALLBACK_DESCRIPTIONS[(model, name)]


def _column_enum(schema: dict[str, Any], keys: Sequence[str]) -> None:
    """Offer the board's column keys where a card names a column."""
    defs = schema.get("definitions", {})
    targets = [schema["properties"].get("column")]
    targets.append(defs.get("HistoryEntry", {}).get("properties", {}).get("column"))
    for prop in targets:
        if prop is not None:
            prop["enum"] = list(keys)
            prop.pop("minLength", None)


def model_schema(kind: str, column_keys: Sequence[str] = ()) -> dict[str, Any]:
    """The JSON Schema of one record kind (crc, card, board, kb)."""
    _, model, title, files = KINDS[kind]
    body = model.model_json_schema(by_alias=True, schema_generator=_Generator, mode="validation")
    _walk(body, _tidy, model.__name__)
    if "$defs" in body:
        body["definitions"] = body.pop("$defs")
    if kind == "card" and column_keys:
        _column_enum(body, column_keys)
    if kind == "crc" and column_keys:
        stage = body["definitions"]["Crm"]["properties"]["stage"]["anyOf"][0]
        stage["examples"] = list(column_keys)  # offered, not enforced: check does not reject other stages
    head = {"$schema": DRAFT, "title": title, "description": f"{title} ({files}). Généré par `dealdocs schema`."}
    return {**head, **body}


def all_schemas(column_keys: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """Every schema by file name."""
    return {KINDS[k][0]: model_schema(k, column_keys) for k in KINDS}


def schema_bytes(schema: dict[str, Any]) -> bytes:
    """Stable, readable JSON."""
    return (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def board_keys(root: Path) -> list[str]:
    """The column keys of the project's board (the default board when absent or broken)."""
    from .project import default_board, load_board, read_settings
    settings, _ = read_settings(root)
    board, _, _ = load_board(root, settings.limits)
    return [c.key for c in (board or default_board()).columns]


def write_schemas(out: Path, column_keys: Sequence[str] = ()) -> list[Path]:
    """Write every schema into out; return the paths written (unchanged files are left alone)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas(column_keys).items():
        path = out / name
        data = schema_bytes(schema)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    return written


def header(kind: str, file: Path, root: Path) -> str:
    """The `# yaml-language-server: $schema=…` line for a file written under root."""
    import os
    target = root / SCHEMA_DIR / KINDS[kind][0]
    rel = os.path.relpath(target, file.parent).replace(os.sep, "/")
    return f"# yaml-language-server: $schema={rel}\n"
