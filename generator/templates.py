"""Templates: the project's templates/ first, the built-in defaults next."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional

import jinja2
from jinja2.sandbox import SandboxedEnvironment

DEFAULTS = Path(str(resources.files("generator").joinpath("default_templates")))


def environment(root: Optional[Path]) -> jinja2.Environment:
    """A Jinja environment with autoescaping, user templates overriding the defaults."""
    loaders: list[jinja2.BaseLoader] = []
    if root is not None and (root / "templates").is_dir():
        loaders.append(jinja2.FileSystemLoader(str(root / "templates")))
    loaders.append(jinja2.FileSystemLoader(str(DEFAULTS)))
    cls = SandboxedEnvironment if len(loaders) > 1 else jinja2.Environment  # user templates cannot run code
    env = cls(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    return env


def template_path(root: Optional[Path], name: str) -> Path:
    """The user's templates/<name> if present, else the built-in one."""
    if root is not None:
        user = root / "templates" / name
        if user.is_file():
            return user
    return DEFAULTS / name


def display_path(path: Path, root: Optional[Path]) -> str:
    """A template path as shown in findings."""
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return f"<built-in>/{path.name}"


@lru_cache(maxsize=64)
def _hash_file(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_hash(path: Path) -> str:
    """sha256 of a template file (memoised on mtime and size)."""
    st = path.stat()
    return _hash_file(str(path), st.st_mtime_ns, st.st_size)
