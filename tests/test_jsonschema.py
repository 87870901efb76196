"""JSON Schemas: generated from the models, accept the sample content, reject what `check` rejects."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import GOOD_CRC, Scratch
from generator.jsonschema import KINDS, all_schemas, board_keys, header, model_schema
from generator.project import split_front_matter

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parent.parent
KEYS = ["prospects", "qualified", "meeting", "proposal", "negotiation", "closed"]


class _Yaml12(yaml.SafeLoader):
    """YAML as an editor's language server reads it: dates stay strings."""


_Yaml12.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load(text: str) -> object:
    return yaml.load(text, Loader=_Yaml12)


def errors(kind: str, data: object) -> list[str]:
    validator = jsonschema.Draft7Validator(model_schema(kind, KEYS),
                                           format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [e.message for e in validator.iter_errors(data)]


def test_schemas_are_valid_json_schemas() -> None:
    for schema in all_schemas(KEYS).values():
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        jsonschema.Draft7Validator.check_schema(schema)
        assert "$defs" not in json.dumps(schema)  # draft 7 keeps definitions under "definitions"


def test_schemas_carry_french_descriptions_enums_and_patterns() -> None:
    crc = model_schema("crc")
    assert crc["properties"]["objective"]["description"] == "Objectif, en une phrase"
    assert crc["properties"]["type"]["enum"] == ["discovery", "demo", "negotiation", "qbr"]
    assert crc["properties"]["type"]["enumDescriptions"][0] == "Découverte"
    assert crc["properties"]["date"]["format"] == "date"
    assert crc["properties"]["version"]["pattern"] == r"^\d+\.\d+$"
    assert crc["additionalProperties"] is False
    step = crc["definitions"]["NextStep"]["properties"]
    assert step["time"]["anyOf"][0]["pattern"].startswith(r"^\d{1,2}")
    deadline = crc["definitions"]["Validation"]["properties"]["deadline"]["anyOf"][0]
    assert "format" not in deadline and deadline["examples"] == ["2025-09-24 17:00"]
    card = model_schema("card", KEYS)
    assert "class" in card["properties"] and "class_" not in card["properties"]
    assert card["properties"]["column"]["enum"] == KEYS
    text = json.dumps(all_schemas(KEYS))
    assert '"title": "Client"' not in text  # pydantic's English titles are dropped


def test_committed_schemas_are_generated(tmp_path: Path) -> None:
    """schemas/ in the repository is the output of `dealdocs schema`, never edited by hand."""
    for name, schema in all_schemas(board_keys(REPO)).items():
        committed = REPO / "schemas" / name
        assert committed.is_file(), f"run `dealdocs schema` to write {committed}"
        assert json.loads(committed.read_text(encoding="utf-8")) == schema, f"{name} is stale: run `dealdocs schema`"


@pytest.mark.parametrize("kind, pattern", [("crc", "content/crc/**/*.yaml"), ("card", "content/cards/**/*.yaml"),
                                           ("board", "content/board.yaml")])
def test_sample_content_validates(kind: str, pattern: str) -> None:
    files = sorted(REPO.glob(pattern))
    if not files:
        pytest.skip("no sample content")
    for path in files:
        assert errors(kind, load(path.read_text(encoding="utf-8"))) == [], path


def test_sample_kb_front_matter_validates() -> None:
    pages = sorted(REPO.glob("content/kb/**/*.md"))
    if not pages:
        pytest.skip("no sample knowledge base")
    for path in pages:
        front, _, _ = split_front_matter(path.read_text(encoding="utf-8"))
        assert errors("kb", load(front)) == [], path


def test_good_crc_validates() -> None:
    assert errors("crc", load(textwrap.dedent(GOOD_CRC))) == []


CRC_BAD = [
    ("type: discovery", "type: lunch"),
    ('version: "1.0"', "version: 1.0"),
    ("date: 2025-09-19", "date: 19/09/2025"),
    ("date: 2025-09-26", "date: next week"),
    ("probability: 40", "probability: quarante"),
    ("probability: 40", "probability: 140"),
    ("amount: 28000", "amount: -1"),
    ("invitation_sent: true", "invitation_sent: [oui]"),
    ("keywords: [SSO, POC]", "keywords: SSO"),
    ("decisions:", "decisons:"),
    ("{kind: client,", "{kind: partner,"),
    ("status: pending", "status: ok"),
    ('time: "10:00-10:45"', "time: demain"),
    ("client: ACME SAS\n", ""),
]


@pytest.mark.parametrize("old, new", CRC_BAD)
def test_schema_rejects_what_check_rejects(scratch_project: Scratch, run_cli, old: str, new: str) -> None:
    path = scratch_project.crc(replace={old: new})
    code, out, _ = run_cli("check", "--root", str(scratch_project.root), "--as-of", "2025-09-25")
    assert code == 1 and ": error:" in out
    assert errors("crc", load(path.read_text(encoding="utf-8")))


CARD = """\
    id: OPP-1
    account: ACME SAS
    column: proposal
    next_action: {what: Démo, date: 2025-09-26}
    amount: 1000
    probability: 40
    source: inbound
    class: standard
    history:
      - {column: proposal, date: 2025-09-20}
    """


@pytest.mark.parametrize("old, new", [
    ("class: standard", "class: urgent"),
    ("source: inbound", "source: salon"),
    ("column: proposal\n", "column: offre\n"),
    ("amount: 1000", "amount: mille"),
    ("{column: proposal,", "{column: nowhere,"),
    ("id: OPP-1\n", ""),
])
def test_card_schema_rejects_what_check_rejects(scratch_project: Scratch, run_cli, old: str, new: str) -> None:
    good = textwrap.dedent(CARD)
    assert errors("card", load(good)) == []
    path = scratch_project.write("content/cards/opp-1.yaml", good.replace(old, new))
    code, out, _ = run_cli("check", "--root", str(scratch_project.root), "--as-of", "2025-09-25")
    assert code == 1 and ": error:" in out
    assert errors("card", load(path.read_text(encoding="utf-8")))


def test_board_and_kb_schemas_reject_bad_values() -> None:
    assert errors("board", {"columns": [{"key": "a", "title": "A", "wip_limit": "five"}, {"key": "b", "title": "B"}]})
    assert errors("board", {"columns": [{"key": "A B", "title": "A"}, {"key": "b", "title": "B"}]})
    assert errors("kb", {"title": "Prix", "kind": "recette"})
    assert errors("kb", {"tags": ["prix"]})


def test_schema_command_writes_files(scratch_project: Scratch, run_cli, tmp_path: Path) -> None:
    code, out, _ = run_cli("schema", "--root", str(scratch_project.root))
    assert code == 0
    assert sorted(Path(line).name for line in out.split()) == sorted(v[0] for v in KINDS.values())
    written = json.loads((scratch_project.root / "schemas" / "card.schema.json").read_text(encoding="utf-8"))
    assert written["properties"]["column"]["enum"] == KEYS  # the default board's columns
    code, _, _ = run_cli("schema", "--root", str(scratch_project.root), "--out", str(tmp_path / "s"), "--quiet")
    assert code == 0 and (tmp_path / "s" / "crc.schema.json").is_file()


def test_schema_follows_the_project_board(scratch_project: Scratch, run_cli) -> None:
    scratch_project.write("content/board.yaml", """\
        columns:
          - {key: a-appeler, title: À appeler}
          - {key: closed, title: Gagné/Perdu}
        """)
    run_cli("schema", "--root", str(scratch_project.root), "-q")
    card = json.loads((scratch_project.root / "schemas" / "card.schema.json").read_text(encoding="utf-8"))
    assert card["properties"]["column"]["enum"] == ["a-appeler", "closed"]


def test_new_crc_points_to_the_schema(scratch_project: Scratch, run_cli) -> None:
    code, out, _ = run_cli("new", "crc", "--root", str(scratch_project.root), "--type", "qbr",
                           "--client", "Hexalis", "--date", "2025-10-09")
    path = Path(out.strip())
    assert code == 0
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../../schemas/crc.schema.json"
    assert (path.parent / "../../../schemas/crc.schema.json").resolve() == \
        (scratch_project.root / "schemas" / "crc.schema.json").resolve()


def test_header_is_relative(tmp_path: Path) -> None:
    assert header("board", tmp_path / "content" / "board.yaml", tmp_path) == \
        "# yaml-language-server: $schema=../schemas/board.schema.json\n"
