"""Property tests: no input file makes `dealdocs check` or `build` crash; every finding is located.

A bounded run is part of the normal suite. The long run uses the same properties with more
examples: `DEALDOCS_FUZZ_EXAMPLES=10000 python -m pytest tests/test_fuzz.py`, or `python bench/fuzz.py`.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import textwrap
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import markupsafe
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import GOOD_CRC
from generator.cli import main

EXAMPLES = int(os.environ.get("DEALDOCS_FUZZ_EXAMPLES", "0"))
AS_OF = "2025-09-25"
STATS: Counter = Counter()  # what the runs saw (read by bench/fuzz.py)


def fuzz_settings(default: int) -> Callable:
    """Bounded in CI; DEALDOCS_FUZZ_EXAMPLES for the long run."""
    return settings(max_examples=EXAMPLES or default, deadline=None, derandomize=not EXAMPLES,
                    suppress_health_check=list(HealthCheck), database=None)


# --- valid records to start from ---------------------------------------------------

GOOD = yaml.safe_load(textwrap.dedent(GOOD_CRC))
CARD = yaml.safe_load(textwrap.dedent("""\
    id: OPP-2025-014
    account: ACME SAS
    contact: M. Dubois
    column: qualified
    variant: offer
    next_action: {what: Démo ciblée, date: 2025-10-12, time: "10:00"}
    amount: 28000
    probability: 40
    owner: {name: Zoé Martin, role: AE}
    source: trade-show
    close_date: 2025-10-30
    class: fixed-date
    notes: Besoin SSO + 2 intégrations.
    objections: [prix]
    blocked: {since: 2025-09-20, cause: Attente DPA juridique, next: Relance juriste, owner: Zoé Martin}
    history:
      - {column: prospects, date: 2025-09-01}
      - {column: qualified, date: 2025-09-10}
    last_action: 2025-09-22
    """))
BOARD = yaml.safe_load(textwrap.dedent("""\
    title: Pipeline commercial
    period: {start: 2025-10-20, end: 2025-10-31}
    columns:
      - {key: prospects, title: Prospects, definition_of_ready: [Compte identifié], definition_of_done: [Besoin exprimé]}
      - {key: qualified, title: Qualifiés, wip_limit: 15}
      - {key: negotiation, title: Négociation, wip_limit: 5}
      - {key: closed, title: Gagné/Perdu}
    pull_rules: [Tirer une carte seulement si la limite WIP le permet.]
    classes: [{key: expedite, title: Expedite, policy: Une seule carte active.}]
    ageing: {idle_days: 7, negotiation_days: {green: 10, amber: 20}, prospect_purge_days: 30}
    micro_rules:
      - {problem: CRC envoyés trop tard, rule: CRC envoyé sous 24 h, target: 100 %, decision_date: 2025-10-31}
    """))
KB = {"title": "Objection prix", "tags": ["prix", "objection"], "kind": "objection", "description": "Le script"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


FIELD_NAMES = sorted(_keys(GOOD) | _keys(CARD) | _keys(BOARD) | _keys(KB) | {"reason", "amendment", "exemplary",
                                                                           "outcome", "result", "sent_on"})

# --- hostile values ------------------------------------------------------------------

WEIRD_SCALARS = [
    "10:00", "10:00-10:45", "2025-13-45", "2025-02-30", "19/09/2025", "2025-09-19", "2025-09-19T10:00:00Z",
    "2025-09-19 10:00:00 +99:00", "0001-01-01", "9999-12-31", "0000-00-00", ".inf", "-.inf", ".nan", "~",
    "null", "Null", "0x1F", "0o17", "0b101", "1_000", "1:20:30", "190:20:30", "yes", "No", "on", "OFF", "y",
    "=", "<<", "-1", "0", "1e999", "-0.0", "1.10", "99999999999999999999999999999999",
    "1" * 40, "!!binary aGVsbG8=", "!!python/object/apply:os.system [echo pwned]",
    "!!python/name:os.system", "!!python/object:__main__.X {}", "!!str 12", "!!int abc", "!!float x",
    "!!timestamp 2025-09-19", "!!set {a, b}", "!!omap [{a: 1}]", "!!map {a: 1}", "!!seq [1]", "!custom x",
    "!<tag:evil.example,2025:x> y", "&anchor value", "*unknown", "*anchor", "'quoted'", "''", '""', "' '",
    '"\\x07 bell"', '"\\0 nul"', '"\\e escape"', '"\\u202e RTL override"', '"\\L line sep"', '"\\x85 nel"',
    '"\\uFFFE"', '"\\N"', '"\\_"', '"\\uD800"', "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "</w:t><w:t>injected", "]]><!--", "&amp; &lt; &", "../../etc/passwd", "/etc/passwd", "..\\..\\win.ini",
    "{{ 7*7 }}", "{% for x in y %}", "{#", "${HOME}", "%(name)s", "🚀🔥 émoji 👩‍👩‍👧", "שלום עולם", "مرحبا بالعالم",
    "\u202eevil\u202c", "Zoé\u200bMartin", "ＡＣＭＥ", "ß", "İstanbul", "ǅ", "a\tb", "- x", "? x", "key: value",
    "[a, [b, [c]]]", "{a: {b: {c: d}}}", "[]", "{}", "#comment", "@at", "`tick`", "%percent", "&", "*", "|",
    ">", "|\n  deux\n  lignes", ">-\n  plié\n  ici", "x" * 300, "mot" * 2000,
]


def hostile_text() -> st.SearchStrategy[str]:
    """Text a sales rep could paste: any unicode, markup, long words, control characters."""
    return st.one_of(
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
        st.sampled_from(WEIRD_SCALARS),
        st.integers(1, 5000).map(lambda n: "Anticonstitutionnellement" * n),
        st.sampled_from(["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\ufeff", "\u2028", "\ufffe"])
        .map(lambda c: f"avant{c}après"),
    )


LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 40), max_value=10 ** 40),
    st.floats(allow_nan=True, allow_infinity=True), hostile_text(), st.dates(), st.datetimes(),
    st.binary(max_size=12),
)
KEYS = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12), st.sampled_from(WEIRD_SCALARS[:40]))
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=4)), max_leaves=12)


def _paths(value: Any, here: tuple = ()) -> list[tuple]:
    """Every location inside a record."""
    out = [here]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, here + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, here + (i,))
    return out


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _set(value[head], rest, new)}
    copy = list(value)
    copy[head] = _set(copy[head], rest, new)
    return copy


def _delete(value: Any, path: tuple) -> Any:
    if len(path) == 1:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != path[0]}
        return [v for i, v in enumerate(value) if i != path[0]]
    head = path[0]
    if isinstance(value, dict):
        return {**value, head: _delete(value[head], path[1:])}
    copy = list(value)
    copy[head] = _delete(copy[head], path[1:])
    return copy


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """A valid record with a few keys removed, added or given random values."""
    record = base
    for _ in range(draw(st.integers(0, 4))):
        paths = _paths(record)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["set", "set", "delete", "add", "nest"]))
        if action == "set":
            record = _set(record, path, draw(VALUES))
        elif action == "delete" and path:
            record = _delete(record, path)
        elif action == "add":
            target = _get(record, path)
            if isinstance(target, dict):
                record = _set(record, path, {**target, draw(KEYS): draw(VALUES)})
        elif action == "nest":
            depth = draw(st.integers(1, 60))
            inner: Any = draw(LEAVES)
            for _ in range(depth):
                inner = [inner] if draw(st.booleans()) else {"n": inner}
            record = _set(record, path, inner)
    return record


def _get(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
TMP = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # a RAM disk keeps thousands of runs fast


def dump(record: Any, unicode: bool = True) -> str:
    """YAML text of a record (what a tool would write)."""
    return yaml.dump(record, Dumper=_DUMPER, allow_unicode=unicode, sort_keys=False, width=80)


@st.composite
def raw_yaml(draw: st.DrawFn) -> str:
    """Hand-assembled YAML: weird scalars, bad indentation, tags, anchors, several documents."""
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        indent = " " * draw(st.sampled_from([0, 0, 0, 2, 4, 1, 3]))
        kind = draw(st.integers(0, 6))
        key, value = draw(st.sampled_from(FIELD_NAMES)), draw(st.sampled_from(WEIRD_SCALARS))
        if kind == 0:
            lines.append(f"{indent}- {value}")
        elif kind == 1:
            lines.append(f"{indent}{key}:")
        elif kind == 2:
            lines.append(draw(st.sampled_from(["---", "...", "%YAML 1.1", "%TAG ! tag:evil,2025:", "\t- tab",
                                               "<<: *anchor", "? complex", ": value", "'unterminated", "[1, 2"])))
        else:
            lines.append(f"{indent}{key}: {value}")
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@st.composite
def structural_bomb(draw: st.DrawFn) -> str:
    """Alias bombs, deep nesting, huge scalars, huge mappings."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        levels, width = draw(st.integers(2, 14)), draw(st.integers(2, 9))
        text = "a0: &a0 [x, y]\n"
        for i in range(1, levels):
            text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n"
        return text
    if kind == 1:
        depth = draw(st.integers(30, 12000))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
        return "client: " + opener * depth + "x" + closer * depth + "\n"
    if kind == 2:
        depth = draw(st.integers(30, 200))
        return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"
    if kind == 3:
        return "client: " + "é" * draw(st.integers(1000, 700_000)) + "\n"
    return "".join(f"k{i}: {i}\n" for i in range(draw(st.integers(100, 60_000))))


def to_bytes(draw: st.DrawFn, text: str) -> bytes:
    """Encode, then maybe damage: BOM, CRLF, lone CR, tabs, Latin-1, truncation, stray bytes."""
    how = draw(st.sampled_from(["utf8"] * 6 + ["bom", "crlf", "cr", "tabs", "latin1", "truncate", "stray",
                                                 "binary", "empty", "nul"]))
    data = text.encode("utf-8")
    if how == "bom":
        data = b"\xef\xbb\xbf" + data
    elif how == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif how == "cr":
        data = data.replace(b"\n", b"\r")
    elif how == "tabs":
        data = data.replace(b"  ", b"\t")
    elif how == "latin1":
        data = text.encode("latin-1", errors="replace")
    elif how == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "stray":
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(st.binary(min_size=1, max_size=4)) + data[pos:]
    elif how == "binary":
        data = draw(st.binary(max_size=300))
    elif how == "empty":
        data = b""
    elif how == "nul":
        data = data.replace(b":", b":\x00", 1)
    return data


@st.composite
def record_file(draw: st.DrawFn, base: Any) -> bytes:
    """One YAML record file, valid or hostile."""
    source = draw(st.integers(0, 9))
    if source <= 5:
        text = dump(draw(mutated(base)), unicode=draw(st.booleans()))
    elif source <= 7:
        text = draw(raw_yaml())
    else:
        text = draw(structural_bomb())
    return to_bytes(draw, text)


@st.composite
def kb_file(draw: st.DrawFn) -> bytes:
    """A knowledge-base page: front matter (maybe broken) and a Markdown body with raw HTML."""
    front = dump(draw(mutated(KB))) if draw(st.booleans()) else draw(raw_yaml())
    body = draw(st.sampled_from(["# Titre\n\nTexte.\n", "<script>alert(1)</script>\n", "<iframe src=//x>\n",
                                 "[x](javascript:alert(1))\n", "![](file:///etc/passwd)\n", ""]))
    opening = draw(st.sampled_from(["---\n", "---\n", "", "--- \n", "+++\n"]))
    return to_bytes(draw, f"{opening}{front}---\n{body}{draw(hostile_text())}\n")


@st.composite
def lock_file(draw: st.DrawFn) -> bytes:
    """crc.lock: valid, hand-edited, merge-conflicted or garbage."""
    good = "CRC-2025-09-19-ACME-v1.0 2025-09-20 sha256:" + "a" * 64
    lines = draw(st.lists(st.sampled_from([good, "# comment", "", "<<<<<<< HEAD", "=======", ">>>>>>> x",
                                           "CRC-x 2025 sha256:zz", good + " extra", "sha256:" + "0" * 64,
                                           "CRC-2025-09-19-ACME-v1.0 2025-09-20 sha256:" + "g" * 64]),
                          max_size=6))
    return to_bytes(draw, "\n".join(lines) + "\n")


@st.composite
def mkdocs_file(draw: st.DrawFn) -> bytes:
    """mkdocs.yml: a dealdocs section with random values, or hostile YAML."""
    if draw(st.booleans()):
        extra = {"max_file_bytes": draw(st.one_of(st.integers(-5, 10 ** 7), LEAVES)),
                 "language": draw(st.one_of(st.sampled_from(["fr", "en", "de"]), LEAVES)),
                 "as_of": draw(st.one_of(st.dates(), LEAVES))}
        record = {"site_name": draw(LEAVES), "extra": draw(st.sampled_from([{"dealdocs": extra}, extra, [extra], 5]))}
        return to_bytes(draw, dump(draw(mutated(record))))
    return to_bytes(draw, draw(st.one_of(raw_yaml(), structural_bomb())))


@st.composite
def project_files(draw: st.DrawFn) -> dict[str, bytes]:
    """A content repository: some CRCs, cards, a board, KB pages, maybe a lock and mkdocs.yml."""
    files: dict[str, bytes] = {}
    if draw(st.booleans()):
        files["content/crc/acme/good.yaml"] = dump(GOOD).encode("utf-8")
    for i in range(draw(st.integers(0, 2))):
        files[f"content/crc/f{i}.yaml"] = draw(record_file(GOOD))
    for i in range(draw(st.integers(0, 2))):
        files[f"content/cards/c{i}.yaml"] = draw(record_file(CARD))
    if draw(st.booleans()):
        files["content/board.yaml"] = draw(record_file(BOARD))
    if draw(st.booleans()):
        files["content/kb/page.md"] = draw(kb_file())
    if draw(st.integers(0, 3)) == 0:
        files["crc.lock"] = draw(lock_file())
    if draw(st.integers(0, 3)) == 0:
        files["mkdocs.yml"] = draw(mkdocs_file())
    return files


# --- running the CLI ------------------------------------------------------------------


def write_project(root: Path, files: dict[str, bytes]) -> None:
    (root / "content").mkdir(parents=True)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def run(*argv: str) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr); any exception fails the property."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def line_count(data: bytes) -> int:
    """Lines in a file, counting LF, CRLF and lone CR."""
    return len(re.split(rb"\r\n|\r|\n", data))


def assert_located(findings: list[dict], root: Path, files: dict[str, bytes]) -> None:
    """Every finding names an existing file and a line inside it, with a message."""
    for f in findings:
        assert set(f) == {"path", "line", "severity", "field", "message"}, f
        assert isinstance(f["path"], str) and f["path"] and not f["path"].startswith("/"), f
        assert (root / f["path"]).is_file(), f
        assert isinstance(f["line"], int) and f["line"] >= 1, f
        if f["path"] in files and not f["path"].endswith(".docx"):  # a Word template's "line" is its paragraph
            assert f["line"] <= line_count(files[f["path"]]) + 1, f
        assert f["severity"] in ("error", "warning"), f
        assert isinstance(f["message"], str) and f["message"].strip(), f
        assert len(f["message"]) <= 2000, f
        assert isinstance(f["field"], str), f
        STATS[f"{f['severity']}: {_kind(f['message'])}"] += 1


def _kind(message: str) -> str:
    """A finding message without its specifics, for the statistics."""
    return re.split(r"[:(\"'«0-9]", message, maxsplit=1)[0].strip()[:60] or message[:40]


def check_project(files: dict[str, bytes]) -> tuple[int, list[dict], Path, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory(dir=TMP)
    root = Path(tmp.name) / "repo"
    write_project(root, files)
    code, out, err = run("check", "--root", str(root), "--format", "json", "--as-of", AS_OF)
    assert code in (0, 1), (code, err)
    assert "Traceback" not in out + err and "internal error" not in err, err
    findings = json.loads(out)
    assert_located(findings, root, files)
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)
    STATS[f"exit {code}"] += 1
    return code, findings, root, tmp


# --- the properties ---------------------------------------------------------------------


@fuzz_settings(150)
@given(project_files())
def test_check_never_crashes_and_locates_every_finding(files: dict[str, bytes]) -> None:
    STATS["check examples"] += 1
    _, _, _, tmp = check_project(files)
    tmp.cleanup()


TEXT_FIELDS = [("client",), ("subject",), ("objective",), ("facts", 0), ("facts", 4), ("decisions", 1),
               ("risks", 0, "text"), ("risks", 0, "mitigation"), ("dependencies", 0), ("next_step", "action"),
               ("next_step", "owner_client"), ("participants", "client", 0, "name"),
               ("participants", "client", 0, "role"), ("participants", "vendor", 0, "name"),
               ("deliverables", 0, "what"), ("deliverables", 0, "format"), ("milestones", 0, "text"),
               ("attachments", 0, "title"), ("attachments", 0, "ref"), ("keywords", 0), ("crm", "stage")]
INTERNAL_FIELDS = {("crm", "stage")}  # shown in the HTML report and the site, not in the Word file


def docx_text(data: bytes) -> str:
    """All the text of a .docx, after checking every XML part parses (what Word does first)."""
    texts = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                root = etree.fromstring(zf.read(name))
                if name == "word/document.xml":
                    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
                    for p in root.iter(f"{ns}p"):
                        texts.append("".join(t.text or "" for t in p.iter(f"{ns}t")))
    return "\n".join(texts)


@fuzz_settings(15)
@given(st.lists(st.tuples(st.sampled_from(TEXT_FIELDS), hostile_text()), min_size=1, max_size=5))
def test_hostile_text_is_refused_or_rendered_safely(edits: list[tuple[tuple, str]]) -> None:
    record = GOOD
    for path, text in edits:
        record = _set(record, path, text)
    files = {"content/crc/acme.yaml": dump(record).encode("utf-8")}
    code, findings, root, tmp = check_project(files)
    try:
        if code != 0:
            return
        out = root.parent / "site"
        code, _, err = run("build", "--root", str(root), "--out", str(out), "--as-of", AS_OF, "--jobs", "1", "-q")
        assert code == 0, err
        assert "Traceback" not in err
        docs = sorted((out / "crc").glob("*.docx"))
        assert len(docs) == 1 and "/" not in docs[0].name[4:]
        assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
        text = docx_text(docs[0].read_bytes())
        html = docs[0].with_suffix(".html").read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html
        for path, value in {(path, _get(record, path).strip()) for path, _ in edits}:
            if value and not re.search(r"\s\s|[\n\r\t]", value):
                if path not in INTERNAL_FIELDS:  # the client's Word file leaves out the CRM figures
                    assert value in text, (value, "docx")
                assert str(markupsafe.escape(value)) in html, (value, "html")
        STATS["built with hostile text"] += 1
    finally:
        tmp.cleanup()


# --- user templates ----------------------------------------------------------------------------

JINJA_BITS = ["{{ name }}", "{{ nmae }}", "{{", "}}", "{%", "%}", "{% if client %}", "{% endif %}", "{% for f in facts %}",
              "{% endfor %}", "{{ facts[0] }}", "{{ name|upper }}", "{{ name|nosuch }}", "{{ name + 1 }}", "{# x #}",
              "{%p if x %}", "{%tr for r in risks %}", "{{r r.text }}", "{{ cycler.__init__.__globals__ }}",
              "{{ ''.__class__.__mro__ }}", "{% include 'x' %}", "{% import 'crc.html.j2' as m %}", "{{ L.client }}",
              "{{ range(99999999)|list|length }}", "{% raw %}", "<w:t>", "</w:r>", "</w:p><w:p>", "&amp;", "&",
              "<", "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "é", "{{ score.total }}"]


@st.composite
def user_template(draw: st.DrawFn) -> tuple[str, bytes]:
    """templates/crc.docx or templates/crc.html.j2 with Jinja and XML fragments spliced in, or damaged bytes."""
    from generator.render.docx import write_zip
    from generator.templates import DEFAULTS
    if draw(st.booleans()):
        text = (DEFAULTS / "crc.html.j2").read_text(encoding="utf-8")
        for _ in range(draw(st.integers(1, 4))):
            pos = draw(st.integers(0, len(text)))
            text = text[:pos] + draw(st.sampled_from(JINJA_BITS)) + text[pos:]
        return "templates/crc.html.j2", to_bytes(draw, text)
    with zipfile.ZipFile(io.BytesIO((DEFAULTS / "crc.docx").read_bytes())) as zf:
        entries = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    out = []
    for name, data in entries:
        if name == "word/document.xml":
            xml = data.decode("utf-8")
            for _ in range(draw(st.integers(1, 4))):
                tags = [m.end() for m in re.finditer(r"<w:t>", xml)]
                pos = draw(st.sampled_from(tags)) if tags and draw(st.booleans()) else draw(st.integers(0, len(xml)))
                xml = xml[:pos] + draw(st.sampled_from(JINJA_BITS)) + xml[pos:]
            data = xml.encode("utf-8")
        out.append((name, data))
    blob = write_zip(out)
    if draw(st.integers(0, 5)) == 0:
        pos = draw(st.integers(0, len(blob) - 1))
        blob = blob[:pos] + draw(st.binary(min_size=1, max_size=8)) + blob[pos + 1:]
    return "templates/crc.docx", blob


@fuzz_settings(6)
@given(user_template())
def test_hostile_user_templates_are_findings(template: tuple[str, bytes]) -> None:
    rel, data = template
    files = {"content/crc/acme.yaml": dump(GOOD).encode("utf-8"), rel: data}
    code, findings, root, tmp = check_project(files)
    try:
        out = root.parent / "site"
        code, stdout, err = run("build", "--root", str(root), "--out", str(out), "--as-of", AS_OF, "--jobs", "1", "-q")
        assert code in (0, 1) and "internal error" not in err and "Traceback" not in stdout + err, err
        if code == 1:
            assert re.search(r"^(templates/|content/)\S+:\d+: error: ", stdout, re.M), stdout + err
            assert not out.exists()
        else:
            for docx in out.glob("crc/*.docx"):
                docx_text(docx.read_bytes())  # every XML part parses
        STATS[f"template build exit {code}"] += 1
    finally:
        tmp.cleanup()
