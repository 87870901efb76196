"""The loader keeps lines, refuses hostile YAML fast, and never raises past LoadError."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from generator.loader import Limits, LoadError, parse_yaml, read_text


def test_lines_of_nested_nodes() -> None:
    loaded = parse_yaml("a: 1\nb:\n  c:\n    - x\n    - {d: 2}\n")
    assert loaded.data == {"a": 1, "b": {"c": ["x", {"d": 2}]}}
    assert loaded.lines[("a",)] == 1
    assert loaded.lines[("b", "c")] == 3
    assert loaded.lines[("b", "c", 1)] == 5
    assert loaded.lines[("b", "c", 1, "d")] == 5


def test_times_stay_text_and_bad_dates_stay_text() -> None:
    data = parse_yaml("t: 10:00\nd: 2025-13-45\ne: 2025-09-19\n").data
    assert data["t"] == "10:00"
    assert data["d"] == "2025-13-45"
    assert str(data["e"]) == "2025-09-19"


def test_syntax_error_has_line() -> None:
    with pytest.raises(LoadError) as exc:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert exc.value.line >= 2
    assert "YAML syntax error" in exc.value.message


def test_duplicate_key_is_refused() -> None:
    with pytest.raises(LoadError) as exc:
        parse_yaml("a: 1\nb: 2\na: 3\n")
    assert exc.value.line == 3
    assert "duplicate key" in exc.value.message


def test_alias_bomb_fails_fast() -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n"
    prev = "a"
    for i in range(1, 12):
        name = f"l{i}"
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    start = time.perf_counter()
    with pytest.raises(LoadError) as exc:
        parse_yaml(bomb)
    assert time.perf_counter() - start < 1.0
    assert "alias bomb" in exc.value.message


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(LoadError) as exc:
        parse_yaml("a: " + "[" * 500 + "]" * 500)
    assert "nesting" in exc.value.message


def test_python_tags_are_refused() -> None:
    with pytest.raises(LoadError) as exc:
        parse_yaml("a: !!python/object/apply:os.system [ls]\n")
    assert "tag" in exc.value.message


def test_control_character_refused_with_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: bad\x07char\n", encoding="utf-8")
    with pytest.raises(LoadError) as exc:
        read_text(path)
    assert exc.value.line == 2
    assert "U+0007" in exc.value.message


def test_latin1_and_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("a: 1\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(LoadError) as exc:
        read_text(path)
    assert "UTF-8" in exc.value.message and exc.value.line == 2
    path.write_text("a: " + "x" * 200, encoding="utf-8")
    with pytest.raises(LoadError) as exc:
        read_text(path, Limits(max_bytes=100))
    assert "100 bytes" in exc.value.message


def test_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: 2\r\n")
    assert parse_yaml(read_text(path)).data == {"a": 1, "b": 2}


def test_file_index_trusts_only_provably_unchanged_files(tmp_path: Path) -> None:
    """A hash is reused while size, mtime, ctime and inode match and the file settled before the index was saved."""
    import hashlib
    import json
    import os

    from generator.loader import FileIndex
    path = tmp_path / "a.yaml"
    path.write_bytes(b"client: ACME\n")
    index_path = tmp_path / "files.json"
    index = FileIndex(index_path)
    assert index.digest("a.yaml", path) == hashlib.sha256(b"client: ACME\n").hexdigest()
    index.save()
    data = json.loads(index_path.read_text())
    assert FileIndex(index_path).known("a.yaml", os.stat(path)) is None  # saved in the same second: racy
    data["saved_ns"] += 5_000_000_000  # as if saved five seconds later
    index_path.write_text(json.dumps(data))
    assert FileIndex(index_path).known("a.yaml", os.stat(path)) == hashlib.sha256(b"client: ACME\n").hexdigest()
    before = os.stat(path)
    path.write_bytes(b"client: EVIL\n")  # same size, and the old times put back
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert FileIndex(index_path).known("a.yaml", os.stat(path)) is None  # ctime moved: hashed again
    index_path.write_text("{broken")
    assert FileIndex(index_path).entries == {}


def test_parse_cache_rewrites_only_the_shards_that_changed(tmp_path: Path) -> None:
    """Editing one file of many rewrites at most two shards; every other entry stays and is used."""
    from generator.loader import DEFAULT_LIMITS, ParseCache
    root = tmp_path
    for i in range(40):
        (root / f"f{i}.yaml").write_text(f"client: C{i}\nfacts: [a, b]\n", encoding="utf-8")
    folder = root / "parsed"
    cache = ParseCache(folder)
    for i in range(40):
        cache.load(root / f"f{i}.yaml", root, DEFAULT_LIMITS)
    cache.save()
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.bin")}
    assert len(before) > 8
    (root / "f7.yaml").write_text("client: C7 bis\nfacts: [a, b]\n", encoding="utf-8")
    again = ParseCache(folder)
    assert len(again.entries) == 40
    loaded = [again.load(root / f"f{i}.yaml", root, DEFAULT_LIMITS) for i in range(40)]
    assert loaded[7].data["client"] == "C7 bis"
    again.save()
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.bin")}
    assert 1 <= sum(after[name] != before.get(name) for name in after) <= 2
    assert len(ParseCache(folder).entries) == 40  # the old version of f7 dropped, the new one kept


def test_parse_cache_gives_back_the_same_data_and_lines(tmp_path: Path) -> None:
    """A cached file reads back equal to a fresh parse: dates, odd keys, aliases, every node line."""
    from datetime import date, datetime, timedelta, timezone
    from generator.loader import DEFAULT_LIMITS, LineIndex, ParseCache
    text = ('"": empty key\n"0": text zero\n"a\\tb\\nc": [1, 2.5, .nan, -.inf, null, true, 2025-01-02]\n'
            'when: {at: 2025-01-02 10:30:00.25, utc: 2025-01-02T10:00:00Z, cet: 2025-01-02 10:00:00 +02:00}\n'
            'list: &x [[a, [b]], {"k \\"q\\"": 2025-02-30}]\nagain: *x\n"é ☃ \\\\u": \'back\\slash \\u\'\n')
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8")
    fresh = parse_yaml(text)
    cache = ParseCache(tmp_path / "parsed")
    cache.load(tmp_path / "f.yaml", tmp_path, DEFAULT_LIMITS)
    cache.save()
    [hit] = ParseCache(tmp_path / "parsed").entries.values()
    data, lines = hit
    assert repr(data) == repr(fresh.data) and isinstance(lines, LineIndex)
    assert data["when"]["cet"].tzinfo == timezone(timedelta(hours=2)) and type(data["a\tb\nc"][6]) is date
    assert type(data["when"]["at"]) is datetime and data["list"][1]['k "q"'] == "2025-02-30"
    assert dict(lines.items()) == fresh.lines and len(lines) == len(fresh.lines)
    assert all(lines[loc] == line and loc in lines for loc, line in fresh.lines.items())
    assert lines.get(("list", 9)) is None and ("nope",) not in lines and lines.get((1.0,)) is None
    with pytest.raises(KeyError):
        lines[("0", 0)]


@pytest.mark.parametrize("blob", [b"", b"\x1e", b"\x1e\x1d", b"\x1e\x02a\x1dx", b"\x1e\x02a\x1d" + b"9" * 5000,
                                  b"\x1e\xff\x1d3", b"\x1e\x01z\x1d3\x1e\x1d", b"garbage"])
def test_a_line_index_never_fails(blob: bytes) -> None:
    """Whatever its bytes, a LineIndex answers a line number or nothing."""
    from generator.loader import LineIndex
    from generator.models import Located
    lines = LineIndex(blob)
    assert lines.get(("a",)) is None and Located("x.yaml", lines).line(("a", 0)) == 1
    assert isinstance(list(lines), list) and len(lines) >= 0
