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


def test_job_key_follows_content_not_objects(scratch_project: Scratch) -> None:
    """Equal view models in other objects give the same key; any change, labels or previous version included, another."""
    import copy
    from generator.documents import Job, job_key, template_set
    from generator.outputs import crc_contexts
    scratch_project.crc()
    project = load_project(scratch_project.root, date(2025, 9, 25))
    (doc, ctx), = crc_contexts(project)
    templates = template_set(scratch_project.root)
    key = job_key(Job(doc.name, "a.yaml", ctx), templates)
    assert job_key(Job(doc.name, "a.yaml", copy.deepcopy(ctx)), templates) == key
    relabelled = dict(ctx, L=dict(ctx["L"], report=ctx["L"]["report"] + "!"))
    assert job_key(Job(doc.name, "a.yaml", relabelled), templates) != key
    assert job_key(Job(doc.name, "a.yaml", dict(ctx, subject="x")), templates) != key
    assert job_key(Job(doc.name, "a.yaml", ctx, copy.deepcopy(ctx)), templates) != key
    dated = dict(ctx, sent_on=date(2025, 9, 20))  # what marshal refuses is keyed through JSON
    assert job_key(Job(doc.name, "a.yaml", dated), templates) != key
