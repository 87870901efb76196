"""Command line: parse arguments, call the pipeline, print findings, set exit codes."""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from . import __version__
from .models import Finding

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

EXAMPLES = {
    "check": "dealdocs check --strict --format json --as-of 2025-10-24",
    "build": "dealdocs build --out site --as-of 2025-10-24",
    "new": "dealdocs new crc --type discovery --client \"ACME SAS\" --date 2025-09-19",
    "amend": "dealdocs amend content/crc/acme/2025-09-19-decouverte.yaml",
    "lock": "dealdocs lock",
    "metrics": "dealdocs metrics --as-of 2025-10-24 --format json",
    "serve": "dealdocs serve --port 8000",
    "schema": "dealdocs schema --out schemas",
    "init": "dealdocs init ventes-2025 && dealdocs build --root ventes-2025",
    "completion": "eval \"$(dealdocs completion bash)\"   # add to ~/.bashrc",
}


class UsageError(Exception):
    """Bad usage: exit code 2."""


def parse_date(text: str) -> date:
    """An ISO date for --as-of / --date, or a usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2025-09-19, got {text!r}") from None


def default_as_of(root: Path) -> date:
    """SOURCE_DATE_EPOCH's UTC date, else the project's as_of setting, else today."""
    epoch = _epoch_date()
    if epoch:
        return epoch
    from .project import read_settings
    settings, _ = read_settings(root)
    return settings.as_of or datetime.now(timezone.utc).date()


def _epoch_date() -> Optional[date]:
    """The UTC date of SOURCE_DATE_EPOCH, if set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH must be a number of seconds, got {epoch!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dealdocs", description="Sales documents as code: CRC, board, metrics, knowledge base.",
        epilog="examples:\n" + "\n".join(f"  {e}" for e in EXAMPLES.values())
        + "\n\n'dealdocs COMMAND --help' describes a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dealdocs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=f"example:\n  {EXAMPLES[name]}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--root", type=Path, default=Path("."), help="the content repository (default: .)")
        p.add_argument("--quiet", "-q", action="store_true", help="print findings only, no progress")
        return p

    p = command("check", "load and validate everything, print findings, write nothing")
    p.add_argument("--strict", action="store_true", help="warnings are errors")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--as-of", type=parse_date, help="today's date for ages and overdue steps")

    p = command("build", "check, then generate every output")
    p.add_argument("--out", type=Path, help="output directory (default: site/ in the root)")
    p.add_argument("--strict", action="store_true", help="warnings are errors")
    p.add_argument("--as-of", type=parse_date, help="today's date for ages, metrics and the board")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes for Word rendering")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not write .dealdocs-cache/")

    p = command("new", "write a new CRC file from the type's template and print its path")
    p.add_argument("kind", choices=("crc",), help="what to create")
    p.add_argument("--type", required=True, choices=("discovery", "demo", "negotiation", "qbr"))
    p.add_argument("--client", required=True, help="client name, e.g. \"ACME SAS\"")
    p.add_argument("--date", type=parse_date, help="meeting date (default: today)")

    p = command("amend", "write the next version of a CRC beside FILE, never touching FILE")
    p.add_argument("file", type=Path, help="the CRC file to amend")
    p.add_argument("--major", action="store_true", help="next major version (1.x → 2.0)")

    p = command("lock", "record every sent CRC version that is not yet in crc.lock")

    p = command("metrics", "print the flow metrics and the forecast")
    p.add_argument("--as-of", type=parse_date, help="today's date")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = command("serve", "live preview, rebuilding on content changes")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--as-of", type=parse_date, help="today's date")

    p = command("schema", "write the JSON Schemas editors use to complete and check content files")
    p.add_argument("--out", type=Path, help="output directory (default: schemas/ in the root)")

    p = command("init", "scaffold a new content repository that builds at once (never overwrites)")
    p.add_argument("dir", type=Path, nargs="?", help="the new repository (default: --root)")
    p.add_argument("--as-of", type=parse_date, help="date the examples are written around (default: today)")

    p = command("completion", "print a shell completion script")
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell")
    return parser


def use_colour(stream: object) -> bool:
    """Colours only on a terminal, never with NO_COLOR set or TERM=dumb."""
    isatty = getattr(stream, "isatty", None)
    return (bool(isatty and isatty()) and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


_COLOURS = {"error": "\033[31m", "warning": "\033[33m"}


def _coloured(line: str, severity: str) -> str:
    word = f": {severity}:"
    return line.replace(word, f": {_COLOURS[severity]}{severity}\033[0m:", 1) if severity in _COLOURS else line


def print_findings(findings: Sequence[Finding], fmt: str = "text") -> None:
    """Findings one a line, or a JSON list."""
    if fmt == "json":
        print(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
        return
    colour = use_colour(sys.stdout)
    for f in findings:
        print(_coloured(f.format(), f.severity) if colour else f.format())


def _summary(findings: Sequence[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    return f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"


def _count(n: int, noun: str) -> str:
    """`1 error`, `2 errors`, `0 errors`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def cmd_check(args: argparse.Namespace) -> int:
    from .pipeline import check
    result = check(args.root, args.as_of or default_as_of(args.root))
    print_findings(result.findings, args.format)
    if args.format == "text" and not args.quiet:
        print(_summary(result.findings), file=sys.stderr)
    return EXIT_CONTENT if result.failed(args.strict) else EXIT_OK


def _progress(quiet: bool) -> tuple[Optional[Callable[[str, int, int], None]], Callable[[], None]]:
    if quiet or not sys.stderr.isatty() or os.environ.get("CI"):
        return None, lambda: None
    from rich.console import Console
    console = Console(stderr=True, no_color=not use_colour(sys.stderr))
    from rich.progress import Progress
    bar = Progress(transient=True, console=console)
    bar.start()
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done)
    return update, bar.stop


def cmd_build(args: argparse.Namespace) -> int:
    from .pipeline import BuildError, build
    out = args.out if args.out is not None else args.root / "site"
    progress, stop = _progress(args.quiet)
    try:
        result = build(args.root, out, args.as_of or default_as_of(args.root), strict=args.strict,
                       progress=progress, jobs=args.jobs, use_cache=not args.no_cache)
    except BuildError as exc:
        stop()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    stop()
    print_findings(result.findings)
    if result.failed(args.strict):
        print(f"build failed: {_summary(result.findings)}; {out} left as it was", file=sys.stderr)
        return EXIT_CONTENT
    if not args.quiet:
        done = "up to date" if result.up_to_date else f"built {result.written} files into"
        print(f"{done} {out} ({_summary(result.findings)})", file=sys.stderr)
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import AmendError, new_crc
    when = args.date or default_as_of(args.root)
    try:
        path = new_crc(args.root, args.type, args.client, when)
    except (AmendError, OSError) as exc:
        print(f"error: cannot write the new CRC: {_reason(exc)}", file=sys.stderr)
        return EXIT_CONTENT
    print(path)
    return EXIT_OK


def _reason(exc: Exception) -> str:
    """An exception as one readable line (an OSError with its file)."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)


def cmd_amend(args: argparse.Namespace) -> int:
    from .scaffold import AmendError, amend
    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    try:
        path = amend(args.file, major=args.major)
    except (AmendError, OSError) as exc:
        print(f"error: {_reason(exc)}", file=sys.stderr)
        return EXIT_CONTENT
    print(path)
    return EXIT_OK


def cmd_lock(args: argparse.Namespace) -> int:
    from . import custody
    from .project import load_crcs, read_settings
    settings, _ = read_settings(args.root)
    docs, findings = load_crcs(args.root, settings.limits)
    entries, lock_errors = custody.read_lock(args.root)
    if lock_errors:
        print_findings(lock_errors)
        print("crc.lock is corrupted: not rewritten", file=sys.stderr)
        return EXIT_CONTENT
    lines, added = custody.lock_lines(docs, entries)
    if added or entries:
        try:
            custody.write_lock(args.root, lines)
        except OSError as exc:
            print(f"error: cannot write crc.lock: {_reason(exc)} (crc.lock left as it was)", file=sys.stderr)
            return EXIT_CONTENT
    for name in added:
        print(f"locked {name}")
    if not args.quiet:
        print(f"{_count(len(added), 'version')} added to crc.lock ({len(lines)} in all)", file=sys.stderr)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        print_findings(errors)
        return EXIT_CONTENT
    return EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    from .metrics_cli import run
    return run(args.root, args.as_of or default_as_of(args.root), args.format)


def cmd_serve(args: argparse.Namespace) -> int:
    from .site import serve
    return serve(args.root, args.as_of, args.host, args.port)


def cmd_schema(args: argparse.Namespace) -> int:
    from .jsonschema import board_keys, write_schemas
    out = args.out if args.out is not None else args.root / "schemas"
    paths = write_schemas(out, board_keys(args.root))
    if not args.quiet:
        for path in paths:
            print(path)
    return EXIT_OK


def _today() -> date:
    """SOURCE_DATE_EPOCH's UTC date, else today (for commands without a root yet)."""
    return _epoch_date() or datetime.now(timezone.utc).date()


def cmd_init(args: argparse.Namespace) -> int:
    from .init import InitError, init
    target = args.dir if args.dir is not None else args.root
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory")
    try:
        written = init(target, args.as_of or _today())
    except InitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    if not args.quiet:
        print(f"created {len(written)} files in {target}; next:\n"
              f"  dealdocs check --root {target}\n  dealdocs build --root {target}", file=sys.stderr)
    return EXIT_OK


def cmd_completion(args: argparse.Namespace) -> int:
    from .completion import script
    print(script(_parser(), args.shell), end="")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": cmd_check, "build": cmd_build, "new": cmd_new, "amend": cmd_amend,
    "lock": cmd_lock, "metrics": cmd_metrics, "serve": cmd_serve,
    "schema": cmd_schema, "init": cmd_init, "completion": cmd_completion,
}


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI job cancelled, say): unwinds like Ctrl-C, so the staging output is removed."""


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into Terminated while a command runs (main thread only; restored after)."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated()
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _tune_gc() -> None:
    """Collect less often: a build allocates millions of long-lived objects and little cyclic garbage.

    With CPython's default thresholds the collector rescans the loaded repository again and again
    (half the time of a one-CRC rebuild at 10,000 CRCs); memory stays the same (bench/README.md).
    """
    import gc
    gc.set_threshold(100_000, 50, 1000)


def run() -> None:
    """The `dealdocs` console script: main(), then a quick exit.

    Everything is written and closed when main() returns; tearing down the interpreter's heap object
    by object would add a quarter of a second to every build of 1,000 CRCs (mypy exits the same way).
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command and return its exit code (tests call this in-process)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    _tune_gc()
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    if args.command not in ("init", "completion") and not args.root.is_dir():
        print(f"error: --root {args.root} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        with _terminate_cleanly():
            return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:
        print("terminated: outputs are left as they were", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 — last resort: a bug costs one clear line, never a traceback
        if os.environ.get("DEALDOCS_DEBUG"):
            import traceback
            traceback.print_exc()
        print(f"error: internal error ({type(exc).__name__}: {str(exc)[:300]}); outputs are left as they were. "
              "This is a dealdocs bug: please report it with the file that triggered it "
              "(DEALDOCS_DEBUG=1 shows the details)", file=sys.stderr)
        return EXIT_CONTENT
    finally:
        from .timing import dump_if_requested
        dump_if_requested()
