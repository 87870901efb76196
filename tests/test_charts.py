"""The metrics charts: six SVGs, byte-identical across runs and processes, honest when data is missing."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from generator import metrics
from generator.models import Card
from generator.project import default_board
from generator.render.charts import CHARTS, render_charts

AS_OF = date(2025, 10, 22)
ROOT = Path(__file__).resolve().parent.parent


def sample_metrics() -> dict:
    """A small board: wins in the last 6 weeks, cards in every column, a loss."""
    cards = [Card.model_validate(c) for c in yaml.safe_load(textwrap.dedent("""\
        - {id: A1, column: qualified, history: [{column: prospects, date: 2025-09-01}, {column: qualified, date: 2025-10-01}]}
        - {id: A2, column: meeting, history: [{column: prospects, date: 2025-09-05}, {column: meeting, date: 2025-10-10}]}
        - {id: A3, column: proposal, next_action: {what: Relance, date: 2025-10-24},
           history: [{column: prospects, date: 2025-09-02}, {column: proposal, date: 2025-10-12}]}
        - {id: A4, column: negotiation, amount: 20000, probability: 60, last_action: 2025-10-21,
           history: [{column: prospects, date: 2025-08-20}, {column: negotiation, date: 2025-10-01}]}
        - {id: L1, column: closed, history: [{column: prospects, date: 2025-08-10}, {column: proposal, date: 2025-09-01}],
           outcome: {result: lost, date: 2025-09-20, reason: price}}
        """))]
    for i, (start, won_on) in enumerate([(date(2025, 8, 1), date(2025, 9, 10)), (date(2025, 8, 15), date(2025, 9, 24)),
                                         (date(2025, 8, 20), date(2025, 10, 1)), (date(2025, 9, 1), date(2025, 10, 8)),
                                         (date(2025, 9, 3), date(2025, 10, 16))]):
        cards.append(Card.model_validate({
            "id": f"W{i}", "column": "closed", "outcome": {"result": "won", "date": won_on.isoformat()},
            "history": [{"column": "prospects", "date": start.isoformat()},
                        {"column": "negotiation", "date": (won_on - timedelta(days=9)).isoformat()}]}))
    return metrics.compute(cards, default_board(), AS_OF, trials=2000)


@pytest.fixture(scope="module")
def charts() -> dict[str, bytes]:
    return render_charts(sample_metrics())


def test_six_charts_valid_svg(charts: dict[str, bytes]) -> None:
    assert sorted(charts) == sorted(f"{n}.svg" for n in CHARTS)
    for name, data in charts.items():
        root = ElementTree.fromstring(data)
        assert root.tag.endswith("svg"), name
        assert b"<dc:date>" not in data and b"Matplotlib" not in data, name


def test_french_titles(charts: dict[str, bytes]) -> None:
    assert b"<title>Diagramme de flux cumul\xc3\xa9</title>" in charts["cfd.svg"]
    assert "Médiane : 40 j".encode() in charts["cycle-time.svg"]
    assert "Débit hebdomadaire".encode() in charts["throughput.svg"]
    assert "Seuil d'oubli : 7 j".encode() in charts["ageing-wip.svg"]
    assert "Entonnoir de conversion".encode() in charts["funnel.svg"]
    assert "Prévision Monte Carlo".encode() in charts["forecast.svg"]


def test_funnel_counts_agree_in_french() -> None:
    """`1 passée sur 1 entrée`, `3 passées sur 5 entrées`: no "(s)", no `1 passées`."""
    m = sample_metrics()
    rows = m["conversion"]["columns"]
    rows[0].update(entered=1, moved_on=1, rate=1)
    rows[1].update(entered=5, moved_on=3, rate=0.6)
    svg = render_charts(m, ("funnel",))["funnel.svg"].decode("utf-8")
    assert "<!-- 1 passée sur 1 entrée -->" in svg and "<!-- 3 passées sur 5 entrées -->" in svg


def test_same_bytes_twice_in_one_process(charts: dict[str, bytes]) -> None:
    assert render_charts(sample_metrics()) == charts


def test_same_bytes_in_another_process(charts: dict[str, bytes], tmp_path: Path) -> None:
    source = tmp_path / "metrics.json"
    source.write_text(json.dumps(sample_metrics()), encoding="utf-8")
    script = ("import json, sys; from generator.render.charts import render_charts; "
              "out = render_charts(json.load(open(sys.argv[1], encoding='utf-8'))); "
              "[open(sys.argv[2] + '/' + k, 'wb').write(v) for k, v in out.items()]")
    subprocess.run([sys.executable, "-c", script, str(source), str(tmp_path)], cwd=ROOT, check=True, timeout=120)
    for name, data in charts.items():
        assert (tmp_path / name).read_bytes() == data, name


def test_global_matplotlib_settings_are_left_alone(charts: dict[str, bytes]) -> None:
    import matplotlib
    assert matplotlib.rcParams["svg.hashsalt"] is None


def test_little_data_says_so() -> None:
    m = metrics.compute([], default_board(), AS_OF)
    out = render_charts(m)
    assert "Pas assez de données".encode() in out["forecast.svg"]
    assert "Aucune carte gagnée".encode() in out["cycle-time.svg"]
    assert "Aucune carte entrée".encode() in out["funnel.svg"]
    assert "Pas encore d'historique".encode() in out["cfd.svg"]


def test_english_words_and_dates() -> None:
    """Titles, axes, legends and annotations in English; French stays the default."""
    m = sample_metrics()
    out = render_charts(m, language="en")
    assert render_charts(m, ("cycle-time",), language="fr") == {"cycle-time.svg": render_charts(m)["cycle-time.svg"]}
    expected = {
        "cfd.svg": ["<title>Cumulative flow diagram</title>", "Cards per column", "Won", "Lost"],
        "cycle-time.svg": ["Median: 40 d", "85% of wins in", "Days (Prospect → Won)", "Win date"],
        "throughput.svg": ["Weekly throughput", "Last 6 weeks", "6-week mean: 0.8", "Current week (partial)", "8 Sep"],
        "ageing-wip.svg": ["Idle threshold: 7 d", "Days since the last action"],
        "funnel.svg": ["Conversion funnel by stage", "moved on of", " entered"],
        "forecast.svg": ["Monte Carlo forecast", "Guide's method: 4 × mean ± 2 s", "Share of trials", "at 50%"],
    }
    for name, words in expected.items():
        text = out[name].decode("utf-8")
        assert [w for w in words if w.replace("'", "&#39;") in text or w in text] == words, name
        assert not [w for w in ("Cartes", "Jours", "Gagné", "Perdu", "semaine", "Médiane", " j ") if w in text], name


def test_little_data_says_so_in_english() -> None:
    out = render_charts(metrics.compute([], default_board(), AS_OF), language="en")
    assert b"Not enough data: less than 3 weeks of history." in out["forecast.svg"]
    assert b"No card won yet" in out["cycle-time.svg"] and b"No history to plot yet" in out["cfd.svg"]
