"""Shell completion scripts (bash, zsh) generated from the argparse parser."""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Optional

PATH_OPTIONS = ("--root", "--out")


@dataclass
class Option:
    """One option of a command: its flags, help, and what its value completes to."""

    flags: list[str]
    help: str
    takes_value: bool
    choices: list[str] = field(default_factory=list)
    directory: bool = False


@dataclass
class Command:
    """One subcommand: its options and positional choices."""

    name: str
    help: str
    options: list[Option]
    positional_choices: list[str]
    positional_files: bool


def _subparsers(parser: argparse.ArgumentParser) -> Optional[argparse._SubParsersAction]:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def _option(action: argparse.Action) -> Option:
    takes = action.nargs != 0
    choices = [str(c) for c in action.choices] if action.choices else []
    return Option(list(action.option_strings), action.help or "", takes, choices,
                  any(f in PATH_OPTIONS for f in action.option_strings))


def commands(parser: argparse.ArgumentParser) -> list[Command]:
    """Every subcommand of parser, described for completion."""
    sub = _subparsers(parser)
    if sub is None:
        return []
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    out = []
    for name, p in sub.choices.items():
        options = [_option(a) for a in p._actions if a.option_strings]
        positionals = [a for a in p._actions if not a.option_strings]
        choices = [str(c) for a in positionals if a.choices for c in a.choices]
        files = any(not a.choices for a in positionals)
        out.append(Command(name, helps.get(name, ""), options, choices, files))
    return out


def _words(items: list[str]) -> str:
    return " ".join(items)


def bash(parser: argparse.ArgumentParser) -> str:
    """A bash completion function for the parser's program."""
    prog = parser.prog
    cmds = commands(parser)
    top = [c.name for c in cmds] + [f for a in parser._actions for f in a.option_strings]
    lines = [f"# bash completion for {prog}: eval \"$({prog} completion bash)\" in ~/.bashrc",
             f"_{prog}() {{",
             "    local cur prev cmd opts",
             "    cur=\"${COMP_WORDS[COMP_CWORD]}\"",
             "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"",
             "    cmd=\"${COMP_WORDS[1]}\"",
             "    if [ \"$COMP_CWORD\" -eq 1 ]; then",
             f"        COMPREPLY=( $(compgen -W \"{_words(top)}\" -- \"$cur\") )",
             "        return 0",
             "    fi",
             "    case \"$cmd\" in"]
    for c in cmds:
        flags = [f for o in c.options for f in o.flags]
        lines.append(f"        {c.name})")
        lines.append(f"            opts=\"{_words(flags)}\"")
        cases = []
        for o in c.options:
            if not o.takes_value:
                continue
            pattern = "|".join(o.flags)
            if o.choices:
                reply = f"COMPREPLY=( $(compgen -W \"{_words(o.choices)}\" -- \"$cur\") )"
            elif o.directory:
                reply = "COMPREPLY=( $(compgen -d -- \"$cur\") )"
            else:
                reply = "COMPREPLY=()"
            cases.append(f"                {pattern}) {reply}; return 0 ;;")
        if cases:
            lines += ["            case \"$prev\" in", *cases, "            esac"]
        if c.positional_choices:
            lines += ["            if [[ \"$cur\" != -* ]]; then",
                      f"                COMPREPLY=( $(compgen -W \"{_words(c.positional_choices)}\" -- \"$cur\") )",
                      "                return 0",
                      "            fi"]
        elif c.positional_files:
            lines += ["            if [[ \"$cur\" != -* ]]; then",
                      "                COMPREPLY=( $(compgen -f -- \"$cur\") )",
                      "                return 0",
                      "            fi"]
        lines.append("            ;;")
    lines += ["        *) return 0 ;;",
              "    esac",
              "    COMPREPLY=( $(compgen -W \"$opts\" -- \"$cur\") )",
              "}",
              f"complete -o filenames -F _{prog} {prog}",
              ""]
    return "\n".join(lines)


def _zq(text: str) -> str:
    """Text safe inside a single-quoted zsh _arguments spec."""
    return (text.replace("'", "’").replace("[", "(").replace("]", ")").replace(":", " -")
            .replace("\\", "/").replace("`", "’").replace("$", ""))


def _zsh_spec(o: Option) -> list[str]:
    action = ""
    if o.takes_value:
        if o.choices:
            action = f":value:({' '.join(o.choices)})"
        elif o.directory:
            action = ":directory:_files -/"
        else:
            action = ":value: "
    exclusive = f"({' '.join(o.flags)})" if len(o.flags) > 1 else ""
    flags = "{" + ",".join(o.flags) + "}" if len(o.flags) > 1 else o.flags[0]
    if len(o.flags) > 1:
        return [f"'{exclusive}'{flags}'[{_zq(o.help)}]{action}'"]
    return [f"'{flags}[{_zq(o.help)}]{action}'"]


def zsh(parser: argparse.ArgumentParser) -> str:
    """A zsh completion function for the parser's program."""
    prog = parser.prog
    cmds = commands(parser)
    lines = [f"#compdef {prog}",
             f"# zsh completion for {prog}: eval \"$({prog} completion zsh)\" in ~/.zshrc (after compinit)",
             f"_{prog}() {{",
             "    local curcontext=\"$curcontext\" state line",
             "    local -a commands",
             "    commands=("]
    lines += [f"        '{c.name}:{_zq(c.help)}'" for c in cmds]
    lines += ["    )",
              "    _arguments -C '(- *)--version[show the version]' '(- *)'{-h,--help}'[show help]' "
              "'1: :->command' '*:: :->args'",
              "    case $state in",
              "        command) _describe -t commands 'command' commands ;;",
              "        args)",
              "            case $words[1] in"]
    for c in cmds:
        specs = [s for o in c.options for s in _zsh_spec(o)]
        if c.positional_choices:
            specs.append(f"'1:{c.name}:({' '.join(c.positional_choices)})'")
        elif c.positional_files:
            specs.append("'1:file:_files'")
        lines.append(f"                {c.name}) _arguments {' '.join(specs)} ;;")
    lines += ["            esac ;;",
              "    esac",
              "}",
              f"if [ \"$funcstack[1]\" = \"_{prog}\" ]; then _{prog} \"$@\"; else compdef _{prog} {prog}; fi",
              ""]
    return "\n".join(lines)


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for shell."""
    return bash(parser) if shell == "bash" else zsh(parser)
