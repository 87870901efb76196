"""Hostile input, faults and concurrency: one clear message, never a crash, a leak or a lost output."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import pickle
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import docx
import pytest
import yaml

from conftest import GOOD_CRC, Scratch
from generator import custody, pipeline
from generator.loader import ParseCache
from generator.render.docx import write_zip
from generator.templates import DEFAULTS

AS_OF = "2025-09-25"
NAME = "CRC-2025-09-19-ACME-v1.0"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def crc_stages_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the CRC documents and the pipeline: in-process builds skip the slow board,
    metrics and site stages (the subprocess builds below run every stage)."""
    import generator.metrics
    import generator.outputs
    import generator.site
    for target, name in ((generator.outputs, "write_metrics"),
                         (generator.site, "write_site")):
        monkeypatch.setattr(target, name, lambda *args, **kwargs: [], raising=False)
    monkeypatch.setattr(generator.metrics, "from_project", lambda *args, **kwargs: None, raising=False)
    monkeypatch.setattr(generator.outputs, "start_board", lambda *args, **kwargs: list, raising=False)


def check(run_cli, scratch: Scratch) -> tuple[int, list[dict]]:
    code, out, err = run_cli("check", "--root", str(scratch.root), "--format", "json", "--as-of", AS_OF)
    assert "Traceback" not in out + err
    return code, json.loads(out)


def build(run_cli, scratch: Scratch, out: Path, *extra: str) -> tuple[int, str, str]:
    code, stdout, stderr = run_cli("build", "--root", str(scratch.root), "--out", str(out), "--as-of", AS_OF,
                                   "--jobs", "1", *extra)
    assert "Traceback" not in stdout + stderr
    return code, stdout, stderr


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def one(findings: list[dict], needle: str) -> dict:
    hits = [f for f in findings if needle in f["message"]]
    assert len(hits) == 1, (needle, findings)
    return hits[0]


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs away."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- resource limits -----------------------------------------------------------------------


def test_alias_bomb_is_refused_after_bounded_work(scratch_project: Scratch, run_cli) -> None:
    bomb = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, 12):  # 9^12 nodes once expanded
        bomb += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    scratch_project.write("content/crc/bomb.yaml", bomb)
    with time_limit(10):
        code, findings = check(run_cli, scratch_project)
    hit = one(findings, "alias bomb")
    assert code == 1 and hit["path"] == "content/crc/bomb.yaml" and 2 <= hit["line"] <= 12
    assert "more than 50000 YAML nodes" in hit["message"]


@pytest.mark.parametrize("opener, closer", [("[", "]"), ("{a: ", "}")])
def test_ten_thousand_deep_nesting_is_refused(scratch_project: Scratch, run_cli, opener: str, closer: str) -> None:
    scratch_project.write("content/crc/deep.yaml", "client: " + opener * 10_000 + "x" + closer * 10_000 + "\n")
    with time_limit(10):
        code, findings = check(run_cli, scratch_project)
    hit = one(findings, "nesting deeper than 40 levels")
    assert code == 1 and (hit["path"], hit["line"]) == ("content/crc/deep.yaml", 1)


def test_file_over_the_size_limit_names_the_limit(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc(replace={"Budget annuel en arbitrage.": "x" * 3000})
    code, findings = check(run_cli, scratch_project)
    assert code == 0, findings  # under the default limit of 1,000,000 bytes
    scratch_project.write("mkdocs.yml", """\
        site_name: Ventes
        markdown_extensions:
          - pymdownx.emoji:
              emoji_index: !!python/name:material.extensions.emoji.twemoji
        extra:
          dealdocs:
            max_file_bytes: 2000
        """)
    code, findings = check(run_cli, scratch_project)
    hit = one(findings, "over the limit of 2000 bytes")
    assert code == 1 and (hit["path"], hit["line"]) == ("content/crc/acme.yaml", 1)
    assert "max_file_bytes" in hit["message"]


def test_bad_size_limit_setting_is_located(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc()
    scratch_project.write("mkdocs.yml", "site_name: Ventes\nextra:\n  dealdocs:\n    max_file_bytes: beaucoup\n")
    code, findings = check(run_cli, scratch_project)
    hit = one(findings, "max_file_bytes must be a whole number")
    assert code == 1 and (hit["path"], hit["line"], hit["field"]) == ("mkdocs.yml", 4, "extra.dealdocs.max_file_bytes")


def test_symlinks_out_of_the_root_are_refused(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.yaml"
    secret.write_text(textwrap.dedent(GOOD_CRC).replace("ACME SAS", "SECRET CLIENT"), encoding="utf-8")
    (outside / "crc").mkdir()
    shutil.copy(secret, outside / "crc" / "other.yaml")
    (outside / "page.md").write_text("---\ntitle: Secret\n---\nSecret body\n", encoding="utf-8")
    crc_dir = scratch_project.root / "content" / "crc"
    crc_dir.mkdir(parents=True)
    (crc_dir / "evil.yaml").symlink_to(secret)
    (crc_dir / "linked-dir").symlink_to(outside / "crc")   # not followed at all
    (scratch_project.root / "content" / "board.yaml").symlink_to(secret)
    (scratch_project.root / "content" / "kb").mkdir()
    (scratch_project.root / "content" / "kb" / "page.md").symlink_to(outside / "page.md")
    inside = scratch_project.write("shared/acme.yaml", GOOD_CRC)
    (crc_dir / "acme.yaml").symlink_to(inside)              # a link inside the repository is fine
    code, findings = check(run_cli, scratch_project)
    refused = sorted(f["path"] for f in findings if "symbolic link pointing outside" in f["message"])
    assert refused == ["content/board.yaml", "content/crc/evil.yaml", "content/kb/page.md"]
    assert code == 1
    assert not any("SECRET" in f["message"] or "other.yaml" in f["path"] for f in findings)


def test_special_files_are_refused_without_blocking(scratch_project: Scratch, run_cli) -> None:
    fifo = scratch_project.root / "content" / "crc" / "pipe.yaml"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    with time_limit(10):
        code, findings = check(run_cli, scratch_project)
    hit = one(findings, "not a regular file")
    assert code == 1 and hit["path"] == "content/crc/pipe.yaml"


@pytest.mark.parametrize("old, new, line, field, code", [
    ("Go pour un cadrage fonctionnel.", "Go pour un\x07 cadrage", 23, "decisions[0]", "U+0007"),
    ("Go pour un cadrage fonctionnel.", '"Go pour un\\x07 cadrage"', 23, "decisions[0]", "U+0007"),
    ("Réunion de cadrage multi-parties", '"Réunion\\0"', 30, "next_step.action", "U+0000"),
    ("{name: J. Petit, role: Admin système}", "{name: J. Petit, role: \"Admin\\e\"}", 13,
     "participants.client[2].role", "U+001B"),
    ("Mme Leroy sponsorise le projet.", "Mme Leroy\u2028sponsorise le projet.", 24, "decisions[1]", "U+2028"),
    ("Brief besoins", "Brief\x0cbesoins", 37, "deliverables[0].what", "U+000C"),
])
def test_control_characters_are_refused_with_field_and_line(scratch_project: Scratch, run_cli, old: str,
                                                            new: str, line: int, field: str, code: str) -> None:
    scratch_project.crc(replace={old: new})
    exit_code, findings = check(run_cli, scratch_project)
    hit = one(findings, code)
    assert exit_code == 1 and (hit["line"], hit["field"], hit["severity"]) == (line, field, "error")


def test_control_character_in_a_kb_page_is_located(scratch_project: Scratch, run_cli) -> None:
    scratch_project.write("content/kb/prix.md", "---\ntitle: Prix\n---\n# Prix\n\nTexte\x1b[31m rouge\n")
    code, findings = check(run_cli, scratch_project)
    hit = one(findings, "U+001B")
    assert code == 1 and (hit["path"], hit["line"]) == ("content/kb/prix.md", 6)


# --- safe output ---------------------------------------------------------------------------------

TEXT_FIELDS = [("client",), ("opportunity",), ("subject",), ("objective",), ("facts", 0), ("facts", 4),
               ("decisions", 0), ("decisions", 1), ("risks", 0, "text"), ("risks", 0, "category"),
               ("risks", 0, "mitigation"), ("dependencies", 0), ("next_step", "action"),
               ("next_step", "owner_client"), ("next_step", "owner_vendor"),
               ("participants", "client", 0, "name"), ("participants", "client", 0, "role"),
               ("participants", "client", 1, "name"), ("participants", "client", 2, "name"),
               ("participants", "vendor", 0, "name"), ("deliverables", 0, "what"), ("deliverables", 0, "by"),
               ("deliverables", 0, "format"), ("milestones", 0, "text"), ("attachments", 0, "title"),
               ("attachments", 0, "ref"), ("keywords", 0)]


def _put(record: dict, path: tuple, value: str) -> None:
    for part in path[:-1]:
        record = record[part]
    record[path[-1]] = value


def test_markup_in_every_text_field_is_escaped_in_html_and_kept_in_word(scratch_project: Scratch, run_cli,
                                                                       tmp_path: Path) -> None:
    record = yaml.safe_load(textwrap.dedent(GOOD_CRC))
    payloads = {}
    for i, path in enumerate(TEXT_FIELDS):
        payloads[path] = f"<script>alert({i})</script> & <b onclick=x()>{i}</b> \"q\" 'a'"
        _put(record, path, payloads[path])
    scratch_project.write("content/crc/acme.yaml", yaml.safe_dump(record, allow_unicode=True, sort_keys=False))
    out = tmp_path / "site"
    code, stdout, _ = build(run_cli, scratch_project, out)
    assert code == 0, stdout
    html = (out / "crc" / f"{NAME}.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<b onclick" not in html
    document = docx.Document(str(out / "crc" / f"{NAME}.docx"))
    word = "\n".join([p.text for p in document.paragraphs] +
                     [c.text for t in document.tables for r in t.rows for c in r.cells])
    for i, path in enumerate(TEXT_FIELDS):
        assert f"&lt;script&gt;alert({i})&lt;/script&gt; &amp; &lt;b onclick=x()&gt;{i}&lt;/b&gt;" in html, path
        assert payloads[path] in word, path


def test_client_name_cannot_leave_the_output(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc(replace={"client: ACME SAS\nclient_code: ACME\n": "client: ../../etc/passwd\n"})
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "site"
    code, stdout, _ = build(run_cli, scratch_project, out)
    assert code == 0, stdout
    assert (out / "crc" / "CRC-2025-09-19-EtcPasswd-v1.0.docx").is_file()
    new = {p for p in tmp_path.rglob("*")} - before
    allowed = (out, scratch_project.root / ".dealdocs-cache", tmp_path / ".site.lock")
    assert all(any(p == a or a in p.parents for a in allowed) for p in new), sorted(new)


def test_client_code_with_a_path_is_an_error(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc(replace={"client_code: ACME": "client_code: ../../x"})
    code, stdout, _ = build(run_cli, scratch_project, tmp_path / "site")
    assert code == 1 and "client_code '../../x' must match" in stdout
    assert not (tmp_path / "site").exists() and not (tmp_path / "x").exists()


def test_writer_refuses_paths_outside_the_output(tmp_path: Path) -> None:
    writer = pipeline.Writer(tmp_path / "out")
    for rel in ("../evil", "/etc/evil", "crc/../../evil", "crc/../../../tmp/evil"):
        with pytest.raises(pipeline.BuildError):
            writer.write(rel, b"x")
    assert not (tmp_path / "evil").exists()


def test_poisoned_cache_entry_is_ignored(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    from generator import documents
    scratch_project.crc()
    assert build(run_cli, scratch_project, tmp_path / "a")[0] == 0
    for entry in (scratch_project.root / documents.CACHE_DIR).rglob("*.bin"):
        entry.write_bytes(documents._encode({"../../evil.docx": b"x", f"crc/{NAME}.docx": b"x"}))
    assert build(run_cli, scratch_project, tmp_path / "b")[0] == 0
    assert not (tmp_path / "evil.docx").exists()
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def _word_template(old: str, new: str) -> bytes:
    """The built-in Word template with one piece of document.xml replaced."""
    with zipfile.ZipFile(io.BytesIO((DEFAULTS / "crc.docx").read_bytes())) as zf:
        entries = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    out = []
    for name, data in entries:
        if name == "word/document.xml":
            text = data.decode("utf-8")
            assert old in text
            data = text.replace(old, new, 1).encode("utf-8")
        out.append((name, data))
    return write_zip(out)


NAME_RUN = "<w:r><w:t>{{ name }}</w:t></w:r>"


def test_word_tag_split_across_runs_still_renders(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    split = "<w:r><w:t>{</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>{ na</w:t></w:r><w:r><w:t>me }}</w:t></w:r>"
    (scratch_project.root / "templates").mkdir()
    (scratch_project.root / "templates" / "crc.docx").write_bytes(_word_template(NAME_RUN, split))
    code, stdout, _ = build(run_cli, scratch_project, tmp_path / "site")
    assert code == 0, stdout
    document = docx.Document(str(tmp_path / "site" / "crc" / f"{NAME}.docx"))
    assert document.tables[0].rows[0].cells[0].paragraphs[0].text == NAME


@pytest.mark.parametrize("tag, needle, count", [
    ("{{ nmae }}", "unknown variable `nmae` (did you mean 'name'?)", 1),     # found by check, before rendering
    ("{% if name %}", "Jinja syntax error", 1),
    ("{{ name|nosuchfilter }}", "No filter named 'nosuchfilter'", 1),
    ("{{ name + 1 }}", "can only concatenate", 2),                           # found while rendering each CRC
])
def test_failing_word_template_is_a_finding(scratch_project: Scratch, run_cli, tmp_path: Path,
                                            tag: str, needle: str, count: int) -> None:
    scratch_project.crc()
    scratch_project.crc("other.yaml", replace={"client_code: ACME": "client_code: OTHER"})
    (scratch_project.root / "templates").mkdir()
    (scratch_project.root / "templates" / "crc.docx").write_bytes(
        _word_template(NAME_RUN, f"<w:r><w:t>{tag}</w:t></w:r>"))
    code, stdout, stderr = build(run_cli, scratch_project, tmp_path / "site")
    assert code == 1 and not (tmp_path / "site").exists()
    lines = [line for line in stdout.splitlines() if re.match(r"templates/crc\.docx:\d+: error: ", line)]
    assert len(lines) == count and all(needle in line for line in lines), stdout
    if count == 2:  # one per CRC: every document was tried
        assert "content/crc/acme.yaml" in stdout and "content/crc/other.yaml" in stdout


@pytest.mark.parametrize("template, needle", [
    ("<p>{{ name }</p>\n", "Jinja syntax error"),
    ("<p>{{ nmae }}</p>\n", "unknown variable: 'nmae' is undefined"),
    ("<p>{{ name + 1 }}</p>\n", "can only concatenate"),
])
def test_failing_html_template_is_a_finding(scratch_project: Scratch, run_cli, tmp_path: Path,
                                            template: str, needle: str) -> None:
    scratch_project.crc()
    scratch_project.write("templates/crc.html.j2", template)
    code, stdout, _ = build(run_cli, scratch_project, tmp_path / "site")
    assert code == 1
    hit = [line for line in stdout.splitlines() if line.startswith("templates/crc.html.j2:1: error:")]
    assert hit and needle in hit[0], stdout


def test_missing_builtin_template_is_a_clear_error(scratch_project: Scratch, run_cli, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.templates
    scratch_project.crc()
    monkeypatch.setattr(generator.templates, "DEFAULTS", tmp_path / "no-templates")
    code, stdout, _ = build(run_cli, scratch_project, tmp_path / "site")
    assert code == 1 and not (tmp_path / "site").exists()
    assert "templates/crc.docx:1: error: cannot read the Word template" in stdout


# --- faults ---------------------------------------------------------------------------------------


@pytest.fixture
def built(scratch_project: Scratch, run_cli, tmp_path: Path) -> tuple[Scratch, Path, dict[str, bytes]]:
    """A project with a first good build in tmp/site."""
    scratch_project.crc()
    out = tmp_path / "site"
    assert build(run_cli, scratch_project, out)[0] == 0
    return scratch_project, out, tree(out)


def _second_version(scratch: Scratch) -> None:
    scratch.crc("acme-v1.1.yaml", replace={'version: "1.0"': 'version: "1.1"\namendment: {reason: Date corrigée}'})


@pytest.mark.parametrize("error", [RuntimeError("a stage failed"), KeyboardInterrupt()])
def test_build_interrupted_in_a_stage_keeps_the_previous_output(built, run_cli, monkeypatch: pytest.MonkeyPatch,
                                                                error: BaseException) -> None:
    import generator.outputs
    scratch, out, before = built
    _second_version(scratch)
    real = generator.outputs.generate

    def failing(project, as_of, writer, **kwargs):
        real(project, as_of, writer, **kwargs)  # half the job done: files are in the staging folder
        raise error
    monkeypatch.setattr(generator.outputs, "generate", failing)
    code, _, stderr = build(run_cli, scratch, out)
    assert code == (130 if isinstance(error, KeyboardInterrupt) else 1)
    assert stderr.startswith("interrupted" if isinstance(error, KeyboardInterrupt) else "error: internal error")
    assert tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == [".site.lock", "repo", "site"]
    monkeypatch.setattr(generator.outputs, "generate", real)
    assert build(run_cli, scratch, out)[0] == 0
    assert (out / "crc" / "CRC-2025-09-19-ACME-v1.1.docx").is_file()


def test_kill_between_the_two_renames_is_repaired(built, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the atomic exchange is unavailable, the swap is two renames; a kill between them is undone."""
    scratch, out, before = built
    monkeypatch.setattr(pipeline, "_exchange", lambda a, b: False)
    real_replace = os.replace

    class Killed(BaseException):
        pass

    def replace(src, dst):
        if Path(dst) == out:  # the staging folder about to take the output's place
            raise Killed()
        return real_replace(src, dst)
    monkeypatch.setattr(pipeline.os, "replace", replace)
    _second_version(scratch)
    with pytest.raises(Killed):
        build(run_cli, scratch, out)
    monkeypatch.setattr(pipeline.os, "replace", real_replace)
    assert not out.exists() and tree(out.parent / ".site.old") == before
    scratch.crc(replace={"type: discovery": "type: lunch"})  # the next build fails on content...
    assert build(run_cli, scratch, out)[0] == 1
    assert tree(out) == before                                  # ...and still puts the output back


def _bulk_project(tmp_path: Path, count: int = 16) -> Path:
    """A repository of count CRCs: enough documents for a build to last a moment."""
    root = tmp_path / "repo"
    crc_dir = root / "content" / "crc"
    crc_dir.mkdir(parents=True)
    for i in range(count):
        body = textwrap.dedent(GOOD_CRC).replace("client_code: ACME", f"client_code: BULK{i}")
        (crc_dir / f"bulk-{i}.yaml").write_text(body.replace("opportunity: OPP-2025-014", f"opportunity: OPP-B-{i}"),
                                                encoding="utf-8")
    return root


def _cli(root: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--root", str(root), "--out", str(out),
            "--as-of", "2025-10-24", "-q", *extra]


def _once_staging_exists(proc: subprocess.Popen, staging: Path) -> None:
    """Wait until the build has started writing its staging output (or ended)."""
    deadline = time.monotonic() + 60
    while not staging.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(0.05)


def _no_process_left(root: Path) -> None:
    """No process of a killed build (site process, workers) stays behind: each notices its parent is gone."""
    deadline = time.monotonic() + 20
    while True:
        left = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and str(root).encode() in (entry / "cmdline").read_bytes():
                    left.append(entry.name)
            except OSError:
                continue
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"processes of the killed build still run: {left}"


def test_build_killed_with_sigkill_keeps_the_previous_output(tmp_path: Path) -> None:
    root = _bulk_project(tmp_path)
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.run(_cli(root, out, "--jobs", "1"), cwd=REPO, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    before = tree(out)
    shutil.rmtree(root / ".dealdocs-cache")
    (root / "content" / "crc" / "bulk-0.yaml").unlink()
    proc = subprocess.Popen(_cli(root, out, "--jobs", "1"), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = tmp_path / ".site.staging"
    _once_staging_exists(proc, staging)
    proc.kill()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    assert tree(out) == before
    _no_process_left(root)
    again = subprocess.run(_cli(root, out, "--jobs", "1"), cwd=REPO, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not staging.exists() and not (tmp_path / ".site.old").exists()
    index = json.loads((out / "crc" / "index.json").read_text(encoding="utf-8"))
    assert [row["name"] for row in index] == sorted(f"CRC-2025-09-19-BULK{i}-v1.0" for i in range(1, 16))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert all(hashlib.sha256((out / rel).read_bytes()).hexdigest() == h for rel, h in manifest.items())
    assert not any("BULK0-" in rel for rel in manifest)


def test_build_sent_sigterm_cleans_up_and_keeps_the_previous_output(tmp_path: Path) -> None:
    """A cancelled CI job (SIGTERM to the build, workers running): exit 143, staging removed, output kept."""
    root = _bulk_project(tmp_path)
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.run(_cli(root, out), cwd=REPO, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    before = tree(out)
    shutil.rmtree(root / ".dealdocs-cache")
    proc = subprocess.Popen(_cli(root, out, "--as-of", "2025-10-25", "--jobs", "2"), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    staging = tmp_path / ".site.staging"
    _once_staging_exists(proc, staging)
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, f"the build finished before it could be stopped: {err}"
    assert "terminated" in err and "Traceback" not in err
    assert tree(out) == before and not staging.exists()


def test_second_build_on_the_same_output_is_refused(built, run_cli) -> None:
    scratch, out, before = built
    _second_version(scratch)
    with open(out.parent / ".site.lock", "a+") as held:  # a build in progress holds this lock
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code, _, stderr = build(run_cli, scratch, out)
    assert code == 1 and "another dealdocs build is writing to" in stderr
    assert tree(out) == before


def test_concurrent_builds_never_corrupt_the_output(tmp_path: Path) -> None:
    root = _bulk_project(tmp_path)
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen(_cli(root, out, "--jobs", "1"), cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert sorted(code for code, _ in results)[0] == 0, results
    for code, err in results:
        assert code == 0 or "another dealdocs build is writing to" in err, err
        assert "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest) == files
    assert all(hashlib.sha256((out / rel).read_bytes()).hexdigest() == h for rel, h in manifest.items())


def test_unwritable_output_is_a_clear_error(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, _, stderr = build(run_cli, scratch_project, blocker / "site")
    assert code == 1
    assert stderr == f"error: cannot create {blocker / 'site'}: {blocker} is a file, not a folder\n"
    code, _, stderr = build(run_cli, scratch_project, blocker)
    assert code == 1 and stderr == f"error: --out {blocker} is a file, not a folder: choose a folder such as site/\n"
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_full_disk_is_a_clear_error(built, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch, out, before = built
    _second_version(scratch)
    import builtins
    real = builtins.open

    def full(file, mode="r", *args, **kwargs):  # every way of creating a file goes through open()
        if ".site.staging" in str(file) and any(c in mode for c in "wxa"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
        return real(file, mode, *args, **kwargs)
    monkeypatch.setattr(builtins, "open", full)
    code, _, stderr = build(run_cli, scratch, out)
    assert code == 1 and "no space left on the disk" in stderr and "previous output is untouched" in stderr
    assert tree(out) == before and not (out.parent / ".site.staging").exists()


@pytest.mark.parametrize("where", [".", "content", "content/crc", "templates"])
def test_output_over_the_content_is_refused(scratch_project: Scratch, run_cli, where: str) -> None:
    scratch_project.crc()
    scratch_project.write("templates/crc.html.j2", "<p>{{ name }}</p>\n")
    code, _, stderr = build(run_cli, scratch_project, scratch_project.root / where)
    before = tree(scratch_project.root)
    code, _, stderr = build(run_cli, scratch_project, scratch_project.root / where)
    assert code == 1 and "error: --out" in stderr
    assert tree(scratch_project.root) == before


def test_foreign_folder_is_not_replaced(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    scratch_project.crc()
    home = tmp_path / "documents"
    home.mkdir()
    (home / "thesis.docx").write_bytes(b"precious")
    code, _, stderr = build(run_cli, scratch_project, home)
    assert code == 1 and "was not written by dealdocs" in stderr
    assert (home / "thesis.docx").read_bytes() == b"precious"


# --- crc.lock, lock and amend ------------------------------------------------------------------------


def _sent(scratch: Scratch) -> None:
    scratch.crc(replace={"validation:": "sent_on: 2025-09-20\nvalidation:"})


@pytest.mark.parametrize("garbage", [
    "<<<<<<< HEAD\nCRC-2025-09-19-ACME-v1.0 2025-09-20 sha256:" + "a" * 64 + "\n=======\n>>>>>>> other\n",
    "CRC-2025-09-19-ACME-v1.0 2025-09-20 sha256:" + "z" * 64 + "\n",
    "CRC-2025-09-19-ACME-v1.0 sha256:" + "a" * 64 + "\n",
])
def test_corrupted_lock_is_reported_and_never_rewritten(scratch_project: Scratch, run_cli, garbage: str) -> None:
    _sent(scratch_project)
    lock = scratch_project.root / "crc.lock"
    lock.write_text(garbage, encoding="utf-8")
    code, findings = check(run_cli, scratch_project)
    hit = [f for f in findings if f["path"] == "crc.lock"]
    assert code == 1 and hit and all(f["line"] >= 1 and "restore it from git" in f["message"] for f in hit)
    code, _, stderr = run_cli("lock", "--root", str(scratch_project.root))
    assert code == 1 and "crc.lock is corrupted: not rewritten" in stderr
    assert lock.read_text(encoding="utf-8") == garbage


def test_binary_lock_is_reported(scratch_project: Scratch, run_cli) -> None:
    _sent(scratch_project)
    (scratch_project.root / "crc.lock").write_bytes(b"\xff\xfe\x00garbage")
    code, findings = check(run_cli, scratch_project)
    assert code == 1 and one(findings, "crc.lock cannot be read")["path"] == "crc.lock"


def test_lock_writes_through_a_temporary_file(scratch_project: Scratch, run_cli,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _sent(scratch_project)
    lock = scratch_project.root / "crc.lock"
    lock.write_text(custody.LOCK_HEADER, encoding="utf-8")
    lock.chmod(0o644)
    renames = []
    real = os.replace
    monkeypatch.setattr(custody.os, "replace", lambda a, b: (renames.append((Path(a).name, Path(b).name)), real(a, b)))
    code, out, _ = run_cli("lock", "--root", str(scratch_project.root))
    assert code == 0 and f"locked {NAME}" in out
    assert len(renames) == 1 and renames[0][0].startswith(".crc.lock.") and renames[0][1] == "crc.lock"
    assert (lock.stat().st_mode & 0o777) == 0o644
    assert [p.name for p in scratch_project.root.iterdir() if p.name.startswith(".crc.lock")] == []


def test_lock_failing_midway_keeps_the_old_lock(scratch_project: Scratch, run_cli,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _sent(scratch_project)
    lock = scratch_project.root / "crc.lock"
    lock.write_text(custody.LOCK_HEADER, encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(custody.os, "fsync", full)
    code, _, stderr = run_cli("lock", "--root", str(scratch_project.root))
    assert code == 1 and "cannot write crc.lock" in stderr and "No space left" in stderr
    assert lock.read_text(encoding="utf-8") == custody.LOCK_HEADER
    assert [p.name for p in scratch_project.root.iterdir() if p.name.startswith(".crc.lock")] == []


def test_amend_never_loses_or_overwrites(scratch_project: Scratch, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    source = scratch_project.crc()
    original = source.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with monkeypatch.context() as patch:
        patch.setattr(custody.os, "fsync", full)
        code, _, stderr = run_cli("amend", str(source))
    assert code == 1 and "No space left" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in source.parent.iterdir()) == ["acme.yaml"]
    code, out, _ = run_cli("amend", str(source))
    target = Path(out.strip())
    assert code == 0 and target.name == "acme-v1.1.yaml"
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["version"] == "1.1"
    target.write_text("# my edits\n", encoding="utf-8")
    code, _, stderr = run_cli("amend", str(source))
    assert code == 1 and "already exists: not overwritten" in stderr
    assert target.read_text(encoding="utf-8") == "# my edits\n" and source.read_bytes() == original


def test_new_crc_with_a_hostile_client_name(scratch_project: Scratch, run_cli) -> None:
    code, out, _ = run_cli("new", "crc", "--root", str(scratch_project.root), "--type", "demo", "--client",
                           "../../evil\nsent_on: 2025-01-01 " + "x" * 400, "--date", "2025-10-02")
    path = Path(out.strip())
    assert code == 0 and path.resolve().is_relative_to((scratch_project.root / "content" / "crc").resolve())
    assert len(path.parent.name) <= 60
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "sent_on" not in data and data["client"].startswith("../../evil\nsent_on")


@pytest.mark.parametrize("value", ["!!timestamp bientôt", "!!bool peut-être", "!!int abc", "!!float x"])
def test_explicit_scalar_tags_on_wrong_values(scratch_project: Scratch, run_cli, value: str) -> None:
    """Found by the long fuzz run: `!!timestamp` on a non-date crashed the loader."""
    scratch_project.crc(replace={"date: 2025-09-19": f"date: {value}"})
    code, findings = check(run_cli, scratch_project)
    hit = one(findings, "Expected a date like 2025-09-19")
    assert code == 1 and (hit["line"], hit["field"]) == (4, "date")


def _seal(magic: bytes, body: bytes) -> bytes:
    return magic + hashlib.sha256(body).digest() + body


def test_planted_parse_cache_never_runs_code(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    import pickle
    scratch_project.crc()
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    shards = scratch_project.root / ".dealdocs-cache" / "parsed"
    shards.mkdir(parents=True)
    for magic in (b"DDP1", b"DDP2", b"DDP3", ParseCache.MAGIC):
        for shard in "0123456789abcdef":
            (shards / f"{shard}.bin").write_bytes(_seal(magic, pickle.dumps({f"{shard}x": Payload()})))
        _forget_last_check(scratch_project)
        code, findings = check(run_cli, scratch_project)
        assert (code, findings) == (0, []) and not marker.exists()


def _rewrite_entries(shard: Path, change: Callable[[list], str]) -> None:
    """Rewrite every entry of a parse-cache shard: change([data, date places]) gives its new JSON text."""
    body = shard.read_bytes()[36:]
    newline = body.index(b"\n")
    header = json.loads(body[:newline])
    lines_at = newline + 1
    data_at = lines_at + sum(item[2] for item in header)
    text, at, pieces = body[data_at:].decode(), 0, []
    for item in header:
        pieces.append(change(json.loads(text[at:at + item[1]])))
        at += item[1]
        item[1] = len(pieces[-1])
    body = (json.dumps(header).encode() + b"\n" + body[lines_at:data_at]
            + "".join(pieces).encode("utf-8", "surrogatepass"))
    shard.write_bytes(_seal(ParseCache.MAGIC, body))


def _as_json(entry: list) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("text", ["pasted\x07 from a terminal", "pasted\x85 from Word", "a\u2028b", "\ufffe"])
def test_parse_cache_refuses_values_the_loader_would_refuse(scratch_project: Scratch, run_cli, text: str) -> None:
    scratch_project.crc()
    assert check(run_cli, scratch_project) == (0, [])
    [cache] = _parse_shards(scratch_project)

    def poison(entry: list) -> str:
        entry[0]["facts"] = [text]  # would give a '1 facts' warning if used
        return _as_json(entry)  # \x07 written as the escape \u0007, the others as they are
    _rewrite_entries(cache, poison)
    _forget_last_check(scratch_project)
    assert check(run_cli, scratch_project) == (0, [])


def _forget_last_check(scratch: Scratch) -> None:
    """Make the next check load the files again (else it repeats the last findings of unchanged input)."""
    (scratch.root / ".dealdocs-cache" / "last-check.json").unlink(missing_ok=True)


def _parse_shards(scratch: Scratch) -> list[Path]:
    """The parse cache's shard files (one per first hex digit of the content hash)."""
    return sorted((scratch.root / ".dealdocs-cache" / "parsed").glob("*.bin"))


_POISONS: dict[str, Callable[[list], str]] = {
    "none": lambda entry: _as_json(entry),
    "not json": lambda entry: repr(entry),
    "not a pair": lambda entry: _as_json(entry[0]),
    "big": lambda entry: _as_json([dict(entry[0], facts=["x"] * 50_001), entry[1]]),
    "escape": lambda entry: _as_json(entry).replace('"soon"', '"so\\u0000on"'),
    "surrogate": lambda entry: _as_json(entry).replace('"soon"', '"so\ud800on"'),
    "date on text": lambda entry: _as_json([entry[0], entry[1] + [[["client"], "date"]]]),
    "date nowhere": lambda entry: _as_json([entry[0], entry[1] + [[["facts", 99], "date"]]]),
    "date kind": lambda entry: _as_json([entry[0], [[["next_step", "date"], "time"]]]),
}


@pytest.mark.parametrize("poison", list(_POISONS))
def test_parse_cache_refuses_shapes_the_loader_never_makes(scratch_project: Scratch, run_cli, poison: str) -> None:
    """Only what the loader makes is taken from the cache: plain JSON data, dates where listed, within the limits."""
    scratch_project.crc()
    assert check(run_cli, scratch_project) == (0, [])
    [cache] = _parse_shards(scratch_project)

    def change(entry: list) -> str:
        data, places = entry
        data["date"] = "soon"  # would give a 'date' error if used
        return _POISONS[poison]([data, [place for place in places if place[0] != ["date"]]])
    _rewrite_entries(cache, change)
    _forget_last_check(scratch_project)
    code, findings = check(run_cli, scratch_project)
    if poison == "none":  # the control: a well-formed entry is used, so the changed date is reported
        assert code == 1 and any(f["field"] == "date" for f in findings)
    else:
        assert (code, findings) == (0, [])


def test_parse_cache_refuses_a_shard_whose_header_lies(scratch_project: Scratch, run_cli) -> None:
    scratch_project.crc()
    assert check(run_cli, scratch_project) == (0, [])
    [cache] = _parse_shards(scratch_project)
    body = cache.read_bytes()[36:]
    newline = body.index(b"\n")
    header = json.loads(body[:newline])
    header[0][1] -= 1
    cache.write_bytes(_seal(ParseCache.MAGIC, json.dumps(header).encode() + body[newline:]))
    _forget_last_check(scratch_project)
    assert check(run_cli, scratch_project) == (0, []) and len(ParseCache(cache.parent).entries) == 1


@pytest.mark.parametrize("old, new, line, field", [
    ("client: ACME SAS", 'client: "ACME\\nBcc: evil@example.com"', 1, "client"),
    ("{name: M. Dubois,", '{name: "M. Dubois\\r\\nBcc: evil@example.com",', 11, "participants.client[0].name"),
    ("subject: Découverte ACME", 'subject: "Découverte\\nX-Evil: 1"', 7, "subject"),
])
def test_line_breaks_cannot_reach_mail_headers(scratch_project: Scratch, run_cli, tmp_path: Path,
                                               old: str, new: str, line: int, field: str) -> None:
    scratch_project.crc(replace={old: new})
    code, findings = check(run_cli, scratch_project)
    hit = one(findings, "line break in a one-line field")
    assert code == 1 and (hit["line"], hit["field"]) == (line, field)
    assert build(run_cli, scratch_project, tmp_path / "site")[0] == 1 and not (tmp_path / "site").exists()


@pytest.mark.parametrize("template", ["templates/crc.html.j2", "templates/crc.docx"])
def test_templates_cannot_run_code(scratch_project: Scratch, run_cli, tmp_path: Path, template: str) -> None:
    """Templates live in the repository like the content: they are sandboxed."""
    scratch_project.crc()
    marker = tmp_path / "pwned"
    attack = f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}"
    if template.endswith(".docx"):
        (scratch_project.root / "templates").mkdir()
        (scratch_project.root / template).write_bytes(_word_template(NAME_RUN, f"<w:r><w:t>{attack}</w:t></w:r>"))
    else:
        scratch_project.write(template, f"<p>{attack}</p>\n")
    code, stdout, _ = build(run_cli, scratch_project, tmp_path / "site")
    assert code == 1 and not marker.exists()
    assert f"{template}:1: error:" in stdout and "unsafe" in stdout


def _hostile_templates() -> dict[str, bytes]:
    good = (DEFAULTS / "crc.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        entries = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]

    def with_document(change) -> bytes:
        return write_zip([(n, change(d.decode("utf-8")).encode("utf-8") if n == "word/document.xml" else d)
                          for n, d in entries])

    def doctype(entities: str, use: str):
        def change(xml: str) -> str:
            end = xml.index("?>") + 2
            return xml[:end] + f"<!DOCTYPE w:document [{entities}]>" + xml[end:].replace(
                "<w:t>{{ name }}</w:t>", f"<w:t>{use} {{{{ name }}}}</w:t>", 1)
        return change
    lol = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    utf16 = [(n, d.decode("utf-8").replace("UTF-8", "UTF-16").encode("utf-16") if n == "word/document.xml" else d)
             for n, d in entries]
    packed = write_zip(entries)
    with zipfile.ZipFile(io.BytesIO(packed)) as zf:
        info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    corrupted = packed[:start] + b"\xff" * 4 + packed[start + 4:]  # zlib.error, found by the fuzz run
    return {
        "corrupted deflate": corrupted,
        "not a zip": b"PK\x03\x04 not really",
        "truncated": good[: len(good) // 2],
        "no document": write_zip([(n, d) for n, d in entries if n != "word/document.xml"]),
        "external entity": with_document(doctype(f'<!ENTITY xxe SYSTEM "file://{Path(__file__).resolve()}">', "&xxe;")),
        "billion laughs": with_document(doctype(lol, "&a9;")),
        "utf-16 xml": write_zip(utf16),
        "zip bomb": write_zip(entries + [("word/media/bomb.bin", b"\0" * 2_000_000)]),
    }


@pytest.mark.parametrize("kind", list(_hostile_templates()))
def test_hostile_word_templates_are_findings(scratch_project: Scratch, run_cli, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    import generator.lint
    monkeypatch.setattr(generator.lint, "MAX_UNPACKED", 1_000_000)  # the bomb stays small in the test
    scratch_project.crc()
    (scratch_project.root / "templates").mkdir()
    (scratch_project.root / "templates" / "crc.docx").write_bytes(_hostile_templates()[kind])
    code, stdout, stderr = build(run_cli, scratch_project, tmp_path / "site")
    assert "internal error" not in stderr
    if kind == "utf-16 xml" and code == 0:  # valid XML in another encoding: fine if it renders
        return
    assert code == 1 and re.search(r"^templates/crc\.docx:\d+: error: ", stdout, re.M), stdout + stderr
    assert "test_hardening" not in stdout and "_hostile_templates" not in stdout  # the entity was never read
    assert not (tmp_path / "site").exists()


KB_PAGE = """\
---
title: Objection prix
tags: [prix]
---
# Objection prix

Réponse <kbd>courte</kbd>, prix < 30 000 €, voir <https://intranet.example/prix> ou <zoe@vendor.example>.

<div class="grid cards" markdown>
<details><summary>Script</summary>Reformuler, puis chiffrer.</details>
</div>

Exemple à ne pas copier : `<script>alert(1)</script>`

```html
<script>alert("dans un bloc de code")</script>
```
"""


@pytest.mark.parametrize("line, needle", [
    ("<script>alert(1)</script>", "raw HTML <script> is not allowed"),
    ("<iframe src=\"https://evil.example\"></iframe>", "raw HTML <iframe> is not allowed"),
    ("<img src=x onerror=alert(1)>", "event attribute (on…=) in <img>"),
    ("[clic](javascript:alert(1))", "link 'javascript:alert(1' runs code"),
    ("[clic](&#106;avascript:alert(1))", "runs code"),
    ("[ref]: JAVASCRIPT:alert(1)", "runs code"),
    ("<a href=\"java&#9;script:alert(1)\">x</a>", "in <a> runs code"),
    ("<img src=\"data:text/html;base64,PHNjcmlwdD4=\">", "in <img> runs code or embeds a document"),
    ("<span style=\"background:url(https://tracker.example/p.gif)\">x</span>", "style attribute loading"),
    ("<form action=\"https://evil.example\"><input name=pwd></form>", "raw HTML <form> is not allowed"),
])
def test_kb_pages_cannot_inject_active_html(scratch_project: Scratch, run_cli, tmp_path: Path,
                                            line: str, needle: str) -> None:
    scratch_project.crc()
    scratch_project.write("content/kb/prix.md", KB_PAGE)
    assert check(run_cli, scratch_project) == (0, [])  # layout HTML, autolinks and code are fine
    scratch_project.write("content/kb/prix.md", KB_PAGE.replace("Exemple à ne pas copier", line + "\n\nExemple"))
    code, findings = check(run_cli, scratch_project)
    hit = one(findings, needle)
    assert code == 1 and (hit["path"], hit["line"]) == ("content/kb/prix.md", 13)
    assert build(run_cli, scratch_project, tmp_path / "site")[0] == 1 and not (tmp_path / "site").exists()


def test_templates_linked_out_of_the_root_are_refused(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET {{ name }", encoding="utf-8")  # a syntax error would quote it
    scratch_project.crc()
    (scratch_project.root / "templates").mkdir()
    (scratch_project.root / "templates" / "crc.html.j2").symlink_to(secret)
    (scratch_project.root / "templates" / "crc.docx").symlink_to(DEFAULTS / "crc.docx")
    code, stdout, _ = build(run_cli, scratch_project, tmp_path / "site")
    assert code == 1 and not (tmp_path / "site").exists() and "TOPSECRET" not in stdout
    refused = sorted(line.split(":")[0] for line in stdout.splitlines() if "pointing outside the repository" in line)
    assert refused == ["templates/crc.docx", "templates/crc.html.j2"]
