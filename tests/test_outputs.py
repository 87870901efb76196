"""outputs.generate's helpers: the metrics cache keyed by the cards, the board and the date."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import Scratch
from generator.outputs import cached_metrics
from generator.project import load_project
from test_metrics import sample  # the cards of the metrics tests

AS_OF = date(2025, 10, 22)

def counting() -> tuple[list[int], object]:
    calls: list[int] = []

    def compute(project, as_of):
        calls.append(1)
        return {"as_of": as_of.isoformat(), "n": len(calls), "weights": [0.5, 1 / 3]}
    return calls, compute


def entries(root: Path) -> list[Path]:
    return sorted((root / ".dealdocs-cache" / "metrics").glob("*.json"))


def test_metrics_are_computed_once_per_cards_board_and_date(scratch_project: Scratch) -> None:
    sample(scratch_project)
    calls, compute = counting()
    project = load_project(scratch_project.root, AS_OF)
    first = cached_metrics(project, AS_OF, True, compute)
    assert cached_metrics(project, AS_OF, True, compute) == first and len(calls) == 1  # floats round-trip
    cached_metrics(project, date(2025, 10, 23), True, compute)
    assert len(calls) == 2  # another date
    card = scratch_project.root / "content/cards/a1.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("12000", "15000"), encoding="utf-8")
    cached_metrics(load_project(scratch_project.root, AS_OF), AS_OF, True, compute)
    assert len(calls) == 3  # an edited card
    cached_metrics(project, AS_OF, False, compute)
    assert len(calls) == 4  # --no-cache


def test_unreadable_metrics_entry_is_recomputed(scratch_project: Scratch) -> None:
    sample(scratch_project)
    calls, compute = counting()
    project = load_project(scratch_project.root, AS_OF)
    cached_metrics(project, AS_OF, True, compute)
    for damage in (b"{not json", b'["a list"]', b'{"as_of": "1999-01-01"}'):
        [entry] = entries(scratch_project.root)
        entry.write_bytes(damage)
        assert cached_metrics(project, AS_OF, True, compute)["as_of"] == AS_OF.isoformat()
    assert len(calls) == 4


def test_view_model_keys_follow_what_each_view_model_is_made_from(scratch_project: Scratch) -> None:
    """A CRC's key changes with its record, another version of the same CRC, its card (as the latest CRC),
    the lock and the board's column titles; not with another deal's CRC; the job key also with the templates."""
    from generator.documents import job_key, template_set
    from generator.outputs import ViewModels
    s = scratch_project
    sent = {"validation: {deadline": "sent_on: 2025-09-20\nvalidation: {deadline"}
    amended = {'version: "1.0"': 'version: "1.1"',
               "validation: {deadline": "amendment: {reason: Corrections}\nvalidation: {deadline"}
    s.crc("acme.yaml", replace=sent)
    s.crc("acme-v1.1.yaml", replace=amended)
    s.crc("other.yaml", replace={"client: ACME SAS": "client: Globex", "client_code: ACME": "client_code: GLOBEX",
                                 "OPP-2025-014": "OPP-2025-099"})
    s.write("content/cards/opp.yaml", "id: OPP-2025-014\ncolumn: qualified\n"
                                      "history: [{column: qualified, date: 2025-09-01}]\n")
    v10, v11, other = "CRC-2025-09-19-ACME-v1.0", "CRC-2025-09-19-ACME-v1.1", "CRC-2025-09-19-GLOBEX-v1.0"

    def keys() -> dict[str, str]:
        models = ViewModels(load_project(s.root, date(2025, 9, 25)))
        assert sorted(models.by_name) == sorted((v10, v11, other))
        return {name: models.key(name) for name in (v10, v11, other)}
    first = keys()
    assert keys() == first and len(set(first.values())) == 3
    s.crc("acme-v1.1.yaml", replace={**amended, "Go pour": "Feu vert pour"})
    edited = keys()
    assert edited[v10] != first[v10] and edited[v11] != first[v11] and edited[other] == first[other]
    s.write("content/cards/opp.yaml", "id: OPP-2025-014\ncolumn: proposal\n"
                                      "history: [{column: proposal, date: 2025-09-01}]\n")
    carded = keys()
    assert carded[v11] != edited[v11] and carded[other] == first[other]  # v1.1 is the deal's latest CRC
    (s.root / "crc.lock").write_text(f"{v10} 2025-09-20 sha256:{'0' * 64}\n", encoding="utf-8")
    locked = keys()
    assert locked[v10] != carded[v10] and locked[v11] != carded[v11] and locked[other] == first[other]
    models = ViewModels(load_project(s.root, date(2025, 9, 25)))
    job = models.job(v11, complete=False)
    assert job.context is None and models.job(v11).previous == models.context(v10)
    key = job_key(job, template_set(s.root))
    s.write("templates/crc.html.j2", "<p>{{ subject }}</p>")
    assert job_key(job, template_set(s.root)) != key


def test_scores_are_memoised_by_record_and_taken_back_only_as_scores(scratch_project: Scratch,
                                                                       tmp_path: Path) -> None:
    """A rebuild takes each CRC's score from the memo of its record; a value that is no score is recomputed."""
    from generator import rules
    from generator.cachefile import TextStore
    from generator.outputs import ViewModels
    scratch_project.crc()
    project = load_project(scratch_project.root, AS_OF)
    path = tmp_path / "scores.json"
    memo = TextStore(path)
    models = ViewModels(project, memo)
    name = models.docs[0].name
    expected = rules.score(models.docs[0].crc, "fr").total
    assert models.score(name) == expected
    memo.save()

    def planted(value: str) -> int:
        again = TextStore(path)
        (key,) = again.entries
        again.entries[key] = value
        return ViewModels(project, again).score(name)
    other = "3" if expected != 3 else "4"
    assert planted(other) == int(other)  # taken from the memo, not scored again
    assert planted("99") == planted("x") == planted("") == expected
