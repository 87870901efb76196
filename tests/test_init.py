"""`dealdocs init`: a new content repository that checks and builds at once, never overwriting."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from generator.init import example_cards, example_crcs

AS_OF = "2025-10-22"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh(tmp_path: Path, run_cli) -> Path:
    target = tmp_path / "ventes"
    code, _, err = run_cli("init", str(target), "--as-of", AS_OF)
    assert code == 0, err
    return target


def test_init_then_build(fresh: Path, run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli("check", "--root", str(fresh), "--strict", "--as-of", AS_OF)
    assert (code, out) == (0, ""), err
    code, out, err = run_cli("build", "--root", str(fresh), "--strict", "--as-of", AS_OF, "--jobs", "1", "-q")
    assert code == 0, out + err
    index = json.loads((fresh / "site" / "crc" / "index.json").read_text(encoding="utf-8"))
    assert [r["type"] for r in index] == ["discovery", "demo", "qbr", "negotiation"]
    assert all(r["score"] >= 8 for r in index)
    assert [r["status"] for r in index].count("draft") == 1
    assert (fresh / "site" / "crc" / f"{index[0]['name']}.docx").is_file()


def test_init_layout(fresh: Path) -> None:
    for rel in ("content/board.yaml", "mkdocs.yml", ".gitignore", "README.md", ".vscode/settings.json",
                ".github/workflows/dealdocs.yml", ".gitlab-ci.yml", ".pre-commit-config.yaml", "crc.lock",
                "schemas/crc.schema.json", "schemas/card.schema.json", "schemas/board.schema.json"):
        assert (fresh / rel).is_file(), rel
    crcs = sorted((fresh / "content" / "crc").rglob("*.yaml"))
    assert len(crcs) == 4 and len(list((fresh / "content" / "cards").glob("*.yaml"))) == 3
    assert list((fresh / "content" / "kb").rglob("*.md"))
    assert {"site/", ".dealdocs-cache/"} <= set((fresh / ".gitignore").read_text().split())
    assert "language: fr" in (fresh / "mkdocs.yml").read_text(encoding="utf-8")
    assert len([l for l in (fresh / "crc.lock").read_text().splitlines() if l.startswith("CRC-")]) == 3


def test_yaml_files_point_to_their_schema(fresh: Path) -> None:
    for path in list((fresh / "content").rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, path
        assert (path.parent / match.group(1)).resolve().is_file(), path
    settings = json.loads((fresh / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    for schema, globs in settings["yaml.schemas"].items():
        assert (fresh / schema).resolve().is_file()
        assert any(list(fresh.glob(g)) for g in globs)


def test_init_refuses_to_overwrite(tmp_path: Path, run_cli) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("notre README", encoding="utf-8")
    code, _, err = run_cli("init", str(tmp_path), "--as-of", AS_OF)
    assert code == 1
    assert "README.md" in err and "nothing written" in err
    assert readme.read_text(encoding="utf-8") == "notre README"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_init_twice_refuses(fresh: Path, run_cli) -> None:
    before = {p: p.read_bytes() for p in fresh.rglob("*") if p.is_file()}
    code, _, err = run_cli("init", str(fresh), "--as-of", "2025-11-30")
    assert code == 1 and re.search(r"and \d+ more: nothing written", err)
    assert {p: p.read_bytes() for p in fresh.rglob("*") if p.is_file()} == before


def test_init_into_existing_empty_dir_with_root(tmp_path: Path, run_cli) -> None:
    code, _, _ = run_cli("init", "--root", str(tmp_path), "--as-of", AS_OF, "--quiet")
    assert code == 0 and (tmp_path / "content" / "board.yaml").is_file()


def test_init_is_deterministic(tmp_path: Path, run_cli) -> None:
    for name in ("a", "b"):
        run_cli("init", str(tmp_path / name), "--as-of", AS_OF, "-q")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)


def test_examples_agree_with_their_cards() -> None:
    """The latest CRC of each opportunity matches its card, so `check --strict` stays clean."""
    from datetime import date
    today = date(2025, 10, 22)
    crcs = example_crcs(today).values()
    cards = {c["id"]: c for c in example_cards(today).values()}
    for opp, card in cards.items():
        mine = sorted((c for c in crcs if c["opportunity"] == opp), key=lambda c: c["date"])
        if mine:
            crm = mine[-1]["crm"]
            assert (crm["stage"], crm["probability"], crm["amount"], crm["close_date"]) == \
                (card["column"], card["probability"], card["amount"], card["close_date"])
            assert mine[-1]["next_step"]["date"] == card["next_action"]["date"]


# --- CI templates and pre-commit ------------------------------------------------


def dealdocs_commands(text: str) -> set[str]:
    """The `dealdocs …` commands a file runs (without --root)."""
    found = set()
    for match in re.finditer(r"(?:run:|- |^\s*)(dealdocs (?:check|build)[^\n#`\"']*)", text, re.M):
        words = [w for w in shlex.split(match.group(1))]
        found.add(" ".join(words))
    return found


def test_ci_templates_are_valid_and_run_the_readme_commands(fresh: Path) -> None:
    readme = (fresh / "README.md").read_text(encoding="utf-8")
    github = yaml.safe_load((fresh / ".github/workflows/dealdocs.yml").read_text(encoding="utf-8"))
    gitlab = yaml.safe_load((fresh / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    gh_steps = github["jobs"]["build"]["steps"]
    gh_runs = [s["run"] for s in gh_steps if "run" in s]
    gl_runs = [line for job in ("check", "build") for line in gitlab[job]["script"]]
    assert [r for r in gh_runs if r.startswith("dealdocs")] == ["dealdocs check --strict", "dealdocs build"]
    assert gl_runs == ["dealdocs check --strict", "dealdocs build"]
    for command in ("dealdocs check --strict", "dealdocs build"):
        assert f"`{command}`" in readme or f"\n{command}\n" in readme, command
    assert any(s.get("uses", "").startswith("actions/upload-artifact") and s["with"]["path"] == "site/"
               for s in gh_steps)
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in github["jobs"]["pages"]["steps"])
    assert gitlab["build"]["artifacts"]["paths"] == ["site/"]
    assert gitlab["pages"]["artifacts"]["paths"] == ["public"]
    assert any(f'dealdocs==' in line for line in [github["env"]["DEALDOCS"], gitlab["variables"]["DEALDOCS"]])
    assert "@VERSION@" not in (fresh / ".gitlab-ci.yml").read_text(encoding="utf-8")


def test_pre_commit_config_and_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "dealdocs-check")
    assert hook["entry"] == "dealdocs check --strict"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "content/crc/acme/2025-09-19.yaml")
    assert not re.search(hook["files"], "generator/cli.py")


def test_init_pre_commit_config(fresh: Path) -> None:
    config = yaml.safe_load((fresh / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hook = config["repos"][0]["hooks"][0]
    assert (hook["id"], hook["entry"], hook["pass_filenames"]) == ("dealdocs-check", "dealdocs check --strict", False)
    assert re.search(hook["files"], "content/cards/opp-1.yaml")


def test_build_leftovers_are_ignored_by_git(fresh: Path, run_cli) -> None:
    """After two builds (the second sets the first output aside in .site.trash), git sees only the sources."""
    import subprocess
    git = ["git", "-C", str(fresh), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    for as_of in (AS_OF, "2025-10-01"):
        code, out, err = run_cli("build", "--root", str(fresh), "--as-of", as_of, "-q")
        assert code == 0, out + err
    assert (fresh / ".site.trash").is_dir()
    status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=all"], check=True,
                            capture_output=True, text=True).stdout
    assert status == "", status
