"""CLI conventions: help with examples, --version, --quiet, colours only on a terminal, completion."""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GOOD_CRC, Scratch
from generator import __version__, cli
from generator.completion import commands


def subcommands() -> list[str]:
    return [c.name for c in commands(cli._parser())]


@pytest.mark.parametrize("name", subcommands())
def test_every_command_has_help_with_an_example(name: str, run_cli) -> None:
    assert name in cli.EXAMPLES
    with pytest.raises(SystemExit) as exc:
        run_cli(name, "--help")
    assert exc.value.code == 0


def test_help_shows_the_example(capsys: pytest.CaptureFixture) -> None:
    for name in subcommands():
        with pytest.raises(SystemExit):
            cli.main([name, "--help"])
        out = capsys.readouterr().out
        assert f"example:\n  {cli.EXAMPLES[name]}" in out, name
        assert "--quiet" in out and "--root" in out, name
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    top = capsys.readouterr().out
    assert all(example in top for example in cli.EXAMPLES.values())


def test_version(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"dealdocs {__version__}"


def test_quiet_silences_the_summary(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc(replace={"decisions:": "decisons:"})
    root = str(scratch_project.root)
    _, out_loud, err_loud = run_cli("check", "--root", root, "--as-of", "2025-09-25")
    code, out, err = run_cli("check", "--root", root, "--as-of", "2025-09-25", "--quiet")
    assert code == 1 and out == out_loud and "1 error, " in err_loud and err == ""


def test_quiet_schema_and_init(tmp_path: Path, run_cli) -> None:
    assert run_cli("init", str(tmp_path / "r"), "--as-of", "2025-10-22", "--quiet") == (0, "", "")
    assert run_cli("schema", "--root", str(tmp_path / "r"), "-q") == (0, "", "")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert cli.use_colour(_Tty())
    assert not cli.use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli.use_colour(_Tty())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not cli.use_colour(_Tty())


def test_findings_coloured_on_a_terminal_plain_otherwise(scratch_project: Scratch, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture) -> None:
    scratch_project.crc(replace={"decisions:": "decisons:"})
    root = str(scratch_project.root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    cli.main(["check", "--root", root, "--as-of", "2025-09-25", "-q"])
    plain = capsys.readouterr().out
    assert "\033[" not in plain and ": error: [decisons]" in plain
    tty = _Tty()
    monkeypatch.setattr("sys.stdout", tty)
    cli.main(["check", "--root", root, "--as-of", "2025-09-25", "-q"])
    assert "\033[31merror\033[0m" in tty.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    tty2 = _Tty()
    monkeypatch.setattr("sys.stdout", tty2)
    cli.main(["check", "--root", root, "--as-of", "2025-09-25", "-q"])
    assert tty2.getvalue() == plain


def test_json_is_never_coloured(scratch_project: Scratch, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch_project.crc(replace={"decisions:": "decisons:"})
    tty = _Tty()
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("sys.stdout", tty)
    cli.main(["check", "--root", str(scratch_project.root), "--format", "json", "--as-of", "2025-09-25"])
    assert "\033[" not in tty.getvalue()


def test_completion_lists_every_command(run_cli) -> None:
    code, script, _ = run_cli("completion", "bash")
    assert code == 0 and "complete -o filenames -F _dealdocs dealdocs" in script
    for name in subcommands():
        assert f"        {name})" in script
    code, script, _ = run_cli("completion", "zsh")
    assert code == 0 and script.startswith("#compdef dealdocs")
    assert all(f"'{name}:" in script for name in subcommands())


def _bash_complete(script: str, words: list[str]) -> list[str]:
    driver = script + "\n" + (
        'COMP_WORDS=(' + " ".join(f"'{w}'" for w in words) + '); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); '
        'COMPREPLY=(); _dealdocs; printf "%s\\n" "${COMPREPLY[@]}"\n')
    out = subprocess.run(["bash", "-c", driver], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_bash_completion_works(run_cli) -> None:
    _, script, _ = run_cli("completion", "bash")
    assert "check" in _bash_complete(script, ["dealdocs", ""])
    assert _bash_complete(script, ["dealdocs", "check", "--format", ""]) == ["text", "json"]
    assert _bash_complete(script, ["dealdocs", "new", "crc", "--type", "d"]) == ["discovery", "demo"]
    assert "--strict" in _bash_complete(script, ["dealdocs", "build", "--s"])


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh not installed")
def test_zsh_completion_parses(run_cli, tmp_path: Path) -> None:
    _, script, _ = run_cli("completion", "zsh")
    path = tmp_path / "_dealdocs"
    path.write_text(script, encoding="utf-8")
    subprocess.run(["zsh", "-n", str(path)], check=True)
    out = subprocess.run(["zsh", "-f", "-c", f"autoload -U compinit && compinit -u -D; source {path}; "
                          "print ${_comps[dealdocs]}"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "_dealdocs"


def test_unknown_shell_is_a_usage_error(run_cli) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli("completion", "fish")
    assert exc.value.code == 2


def test_existing_commands_keep_their_options() -> None:
    """SPEC §2 is fixed: the new commands add nothing to the old ones."""
    opts = {c.name: sorted(f for o in c.options for f in o.flags) for c in commands(cli._parser())}
    assert opts["check"] == sorted(["-h", "--help", "--root", "--quiet", "-q", "--strict", "--format", "--as-of"])
    assert opts["amend"] == sorted(["-h", "--help", "--root", "--quiet", "-q", "--major"])


def test_good_crc_check_is_silent_when_quiet(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc(text=GOOD_CRC)
    assert run_cli("check", "--root", str(scratch_project.root), "--as-of", "2025-09-22", "-q") == (0, "", "")
