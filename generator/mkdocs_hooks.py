"""MkDocs hooks for plain `mkdocs build` / `mkdocs serve` on a dealdocs repository (see generator/site.py)."""
from __future__ import annotations

from typing import Any

from generator.site import DealdocsPlugin

plugin = DealdocsPlugin()


def on_config(config: Any) -> Any:
    """Generate the knowledge-base pages."""
    return plugin.on_config(config)


def on_files(files: Any, config: Any) -> Any:
    """Add them to the build."""
    return plugin.on_files(files, config=config)


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """Watch templates/ too."""
    return plugin.on_serve(server, config=config, builder=builder)


def on_env(env: Any, config: Any, files: Any) -> Any:
    """Cache the compiled theme templates."""
    return plugin.on_env(env, config=config, files=files)


def on_post_build(config: Any) -> None:
    """Forget the pages of this build."""
    plugin.on_post_build(config=config)
