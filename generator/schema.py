"""Mapping → frozen model, or Findings that say what to write instead."""
from __future__ import annotations

import difflib
from typing import Any, Optional, TypeVar

from pydantic import BaseModel, ValidationError

from .loader import Loaded
from .models import ERROR, Finding, Located

M = TypeVar("M", bound=BaseModel)


def field_path(loc: tuple) -> str:
    """Render a location tuple as `participants.client[0].name`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validate(model: type[M], loaded: Loaded) -> tuple[Optional[M], list[Finding]]:
    """Validate loaded data against a model; every problem becomes a finding."""
    where = Located(loaded.path, loaded.lines)
    if not isinstance(loaded.data, dict):
        kind = "an empty file" if loaded.data is None else f"a {type(loaded.data).__name__}"
        return None, [Finding(loaded.path, where.line(), ERROR, "",
                              f"expected a mapping of fields (key: value), got {kind}")]
    try:
        return model.model_validate(loaded.data), []
    except ValidationError as exc:
        return None, [_finding(model, loaded, where, err) for err in exc.errors()]


def _finding(model: type[BaseModel], loaded: Loaded, where: Located, err: Any) -> Finding:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    return Finding(loaded.path, where.line(loc), ERROR, field_path(loc), _message(model, loc, err))


def _message(model: type[BaseModel], loc: tuple, err: Any) -> str:
    kind = err["type"]
    got = err.get("input")
    if kind == "extra_forbidden":
        return _unknown_key(model, loc)
    if kind == "missing":
        return "required field is missing: add it"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    if kind == "literal_error":
        return f"Expected one of {err['ctx']['expected']}, got {got!r}"
    if kind.startswith("int") or kind.startswith("float"):
        return f"Expected a number, got {got!r}"
    if kind in _BOUNDS:
        (name, bound), = err.get("ctx", {"": ""}).items()
        shown = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"value {got!r} out of range: it must be {_BOUNDS[kind]} {shown}"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"Expected true or false, got {got!r}"
    if kind in ("list_type",):
        return f"Expected a list (lines starting with '- '), got {got!r}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"Expected a mapping of fields (key: value), got {got!r}"
    if kind == "string_pattern_mismatch":
        return f"{got!r} is not valid here (expected the form {err['ctx']['pattern']})"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind in ("string_type",):
        return f"Expected text, got {got!r}"
    return err["msg"]


_BOUNDS = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">", "less_than": "<"}


def _unknown_key(model: type[BaseModel], loc: tuple) -> str:
    key = str(loc[-1])
    allowed = _allowed_keys(model, loc[:-1])
    guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f": did you mean {guess[0]!r}?" if guess else f" (allowed: {', '.join(sorted(allowed))})"
    return f"unknown key {key!r}{hint}"


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names of the (sub)model at loc."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            field = next((f for f in current.model_fields.values() if f.alias == part), None)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if not hasattr(current, "model_fields"):
        return []
    return [f.alias or n for n, f in current.model_fields.items()]


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside Optional[...] or list[...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
