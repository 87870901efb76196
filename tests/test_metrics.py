"""Flow metrics and forecast (§7) on small hand-built histories, each figure computed by hand below."""
from __future__ import annotations

import json
import math
import textwrap
from datetime import date, timedelta

import pytest
import yaml

from conftest import Scratch
from generator import metrics
from generator.models import Card
from generator.pipeline import Writer
from generator.project import default_board, load_project
from generator.render.metrics_page import write_metrics

# as_of is Wednesday 2025-10-22: its week starts Monday 2025-10-20, so the last 6 full weeks are
# Mon 2025-09-08 … Sun 2025-10-19 (Mondays 09-08, 09-15, 09-22, 09-29, 10-06, 10-13).
AS_OF = date(2025, 10, 22)
BOARD = default_board()


def cards(text: str) -> list[Card]:
    """Cards from a dedented YAML list."""
    return [Card.model_validate(item) for item in yaml.safe_load(textwrap.dedent(text))]


def won(card_id: str, start: date, won_on: date) -> Card:
    """A card that entered prospects on `start` and was won on `won_on`."""
    return Card.model_validate({"id": card_id, "column": "closed",
                                "history": [{"column": "prospects", "date": start.isoformat()},
                                            {"column": "closed", "date": won_on.isoformat()}],
                                "outcome": {"result": "won", "date": won_on.isoformat()}})


def stable(per_week: list[int], as_of: date = AS_OF) -> list[Card]:
    """Won cards: per_week[i] wins on the Wednesday of window week i; every card started 2025-08-01."""
    out = []
    for i, monday in enumerate(metrics.window_starts(as_of)):
        for k in range(per_week[i]):
            out.append(won(f"W-{i}-{k}", date(2025, 8, 1), monday + timedelta(days=2)))
    return out


THROUGHPUT_CARDS = """\
    - {id: A, column: closed, history: [{column: prospects, date: 2025-08-01}], outcome: {result: won, date: 2025-09-07}}
    - {id: B, column: closed, history: [{column: prospects, date: 2025-08-01}], outcome: {result: won, date: 2025-09-08}}
    - {id: C, column: closed, history: [{column: prospects, date: 2025-08-01}], outcome: {result: won, date: 2025-09-14}}
    - {id: D, column: closed, history: [{column: prospects, date: 2025-08-01}], outcome: {result: won, date: 2025-09-15}}
    - {id: E, column: closed, history: [{column: prospects, date: 2025-08-01}], outcome: {result: lost, date: 2025-09-16, reason: price}}
    - {id: F, column: closed, history: [{column: prospects, date: 2025-08-01}], outcome: {result: won, date: 2025-10-19}}
    - {id: G, column: closed, history: [{column: prospects, date: 2025-08-01}], outcome: {result: won, date: 2025-10-20}}
    - {id: H, column: closed, history: [{column: prospects, date: 2025-08-01}], outcome: {result: won, date: 2025-10-23}}
    """


def test_window_is_six_full_weeks_before_the_week_of_as_of() -> None:
    m = metrics.compute([], BOARD, AS_OF)
    assert m["window"]["start"] == "2025-09-08" and m["window"]["end"] == "2025-10-19"
    assert [w["week"] for w in m["window"]["weeks"]] == ["2025-W37", "2025-W38", "2025-W39", "2025-W40",
                                                         "2025-W41", "2025-W42"]
    # a Monday as_of: its own week has just started, the window still ends the day before
    assert metrics.window_starts(date(2025, 10, 20))[-1] == date(2025, 10, 13)
    assert metrics.window_starts(date(2025, 10, 26))[-1] == date(2025, 10, 13)   # Sunday: same week


def test_throughput_per_week_respects_week_boundaries() -> None:
    m = metrics.compute(cards(THROUGHPUT_CARDS), BOARD, AS_OF)
    tp = m["throughput"]
    # A 09-07 is the Sunday before the window: out. B 09-08 (Monday) and C 09-14 (Sunday): week 1 → 2.
    # D 09-15: week 2 → 1. E is lost: never counted. F 10-19 (last Sunday): week 6 → 1.
    # G 10-20 is in the current week and H 10-23 is after as_of: neither is in the window.
    assert [w["wins"] for w in tp["last_6_weeks"]] == [2, 1, 0, 0, 0, 1]
    assert tp["total"] == 4
    # mean = 4 / 6 = 0.666… → 0.67
    assert tp["mean"] == 0.67
    # s² = ((2-⅔)² + (1-⅔)² + 3·(0-⅔)² + (1-⅔)²) / 5 = (16/9 + 1/9 + 12/9 + 1/9) / 5 = 2/3 → s = 0.8165 → 0.82
    assert tp["std_dev"] == 0.82
    # the run-chart series starts the week of the first history date (Mon 2025-07-28) and ends this week,
    # where G (10-20) counts as a partial week; H (10-23, after as_of) does not count at all
    assert tp["series"][0]["start"] == "2025-07-28"
    assert tp["series"][-1] == {"week": "2025-W43", "start": "2025-10-20", "end": "2025-10-26", "wins": 1,
                                "partial": True}


def test_cycle_time_median_and_p85_nearest_rank() -> None:
    days = [70, 10, 40, 20, 60, 30, 50]
    some = [won(f"C{i}", date(2025, 10, 1) - timedelta(days=d), date(2025, 10, 1)) for i, d in enumerate(days)]
    ct = metrics.compute(some, BOARD, AS_OF)["cycle_time"]
    # sorted: 10 20 30 40 50 60 70 → median is the 4th value, 40
    # p85 nearest rank: rank = ceil(0.85 × 7) = ceil(5.95) = 6 → the 6th value, 60
    assert (ct["count"], ct["median_days"], ct["p85_days"]) == (7, 40, 60)
    assert "rang le plus proche" in ct["definition"]
    four = some[:1] + some[3:6]  # 70, 20, 60, 30 → sorted 20 30 60 70
    ct = metrics.compute(four, BOARD, AS_OF)["cycle_time"]
    # even count: median = (30 + 60) / 2 = 45; p85 rank = ceil(0.85 × 4) = ceil(3.4) = 4 → 70
    assert (ct["median_days"], ct["p85_days"]) == (45, 70)


def test_cycle_time_ignores_lost_cards_and_wins_after_as_of() -> None:
    ct = metrics.compute(cards(THROUGHPUT_CARDS), BOARD, date(2025, 10, 20))["cycle_time"]
    # won on or before 10-20: A (09-07), B, C, D, F, G; E is lost, H is won on 10-23
    assert [r["id"] for r in ct["cards"]] == ["A", "B", "C", "D", "F", "G"]
    assert ct["cards"][0]["days"] == 37   # 2025-08-01 → 2025-09-07


CONVERSION_CARDS = """\
    - id: W
      column: closed
      history:
        - {column: prospects, date: 2025-09-01}
        - {column: qualified, date: 2025-09-05}
        - {column: proposal, date: 2025-09-15}
        - {column: closed, date: 2025-09-20}
      outcome: {result: won, date: 2025-09-20}
    - id: L
      column: closed
      history:
        - {column: prospects, date: 2025-09-02}
        - {column: qualified, date: 2025-09-04}
        - {column: closed, date: 2025-09-10}
      outcome: {result: lost, date: 2025-09-10, reason: timing}
    - id: A
      column: qualified
      history:
        - {column: prospects, date: 2025-09-03}
        - {column: qualified, date: 2025-09-10}
    - id: B
      column: prospects
      history:
        - {column: prospects, date: 2025-09-04}
    """


def test_conversion_counts_a_win_as_moving_on_and_a_loss_not() -> None:
    m = metrics.compute(cards(CONVERSION_CARDS), BOARD, AS_OF)
    rows = {r["column"]: r for r in m["conversion"]["columns"]}
    # prospects: entered by W, L, A, B (4); moved on to qualified: W, L, A (3) → 3/4 = 0.75
    assert (rows["prospects"]["entered"], rows["prospects"]["moved_on"], rows["prospects"]["rate"]) == (4, 3, 0.75)
    # qualified: entered by W, L, A (3); W moved on (proposal, then won); L's move to closed is a loss;
    # A is still there → 1/3 = 0.33
    assert (rows["qualified"]["entered"], rows["qualified"]["moved_on"], rows["qualified"]["rate"]) == (3, 1, 0.33)
    # meeting: W skipped it, nobody entered → no rate
    assert (rows["meeting"]["entered"], rows["meeting"]["rate"]) == (0, None)
    # proposal: W entered and won: a win counts as moving on → 1/1
    assert (rows["proposal"]["entered"], rows["proposal"]["moved_on"], rows["proposal"]["rate"]) == (1, 1, 1)
    assert "closed" not in rows


def test_time_in_column_over_completed_stays() -> None:
    m = metrics.compute(cards(CONVERSION_CARDS), BOARD, AS_OF)
    rows = {r["column"]: r for r in m["time_in_column"]["columns"]}
    # prospects: W 09-01→09-05 = 4, L 09-02→09-04 = 2, A 09-03→09-10 = 7; B is still there
    # → mean (4 + 2 + 7) / 3 = 4.33, median 4
    assert (rows["prospects"]["stays"], rows["prospects"]["mean_days"], rows["prospects"]["median_days"]) == (3, 4.33, 4)
    # qualified: W 09-05→09-15 = 10, L 09-04→09-10 (lost) = 6; A is still there → mean 8, median 8
    assert (rows["qualified"]["stays"], rows["qualified"]["mean_days"], rows["qualified"]["median_days"]) == (2, 8, 8)
    # proposal: W 09-15→09-20 = 5
    assert rows["proposal"]["mean_days"] == 5
    # lost reasons: L lost for timing
    reasons = {r["reason"]: r["count"] for r in m["lost_reasons"]["reasons"]}
    assert reasons["timing"] == 1 and m["lost_reasons"]["total"] == 1


ACTIVE_CARDS = """\
    - {id: C1, column: negotiation, amount: 10000, probability: 50, last_action: 2025-10-20,
       next_action: {what: Relance, date: 2025-10-24},
       history: [{column: proposal, date: 2025-10-01}, {column: negotiation, date: 2025-10-15}]}
    - {id: C2, column: negotiation, amount: 20000, probability: 25,
       history: [{column: negotiation, date: 2025-10-07}]}
    - {id: C3, column: negotiation, amount: 8000, probability: 80, next_action: {what: Appeler le DAF},
       history: [{column: negotiation, date: 2025-09-30}]}
    - {id: C4, column: qualified, probability: 30, next_action: {what: RDV, date: 2025-10-23},
       history: [{column: qualified, date: 2025-10-21}]}
    - {id: C5, column: negotiation, amount: 1000, probability: 10, next_action: {what: Devis, date: 2025-10-23},
       history: [{column: negotiation, date: 2025-10-12}]}
    - {id: C6, column: negotiation, amount: 1000, probability: 10, next_action: {what: Devis, date: 2025-10-23},
       history: [{column: negotiation, date: 2025-10-02}]}
    - {id: WON, column: closed, amount: 50000, probability: 100,
       history: [{column: negotiation, date: 2025-09-20}], outcome: {result: won, date: 2025-10-01}}
    """


def test_weighted_pipeline_over_active_cards() -> None:
    wp = metrics.compute(cards(ACTIVE_CARDS), BOARD, AS_OF)["weighted_pipeline"]
    # C1 10000 × 50 % = 5000; C2 20000 × 25 % = 5000; C3 8000 × 80 % = 6400; C5 and C6 1000 × 10 % = 100 each;
    # C4 has no amount (counts 0); WON is not active → 5000 + 5000 + 6400 + 100 + 100 = 16600
    assert wp["total"] == 16600
    assert wp["cards_missing_amount_or_probability"] == ["C4"]
    assert {r["column"]: r["amount"] for r in wp["by_column"]}["negotiation"] == 16600


def test_share_without_next_action() -> None:
    nna = metrics.compute(cards(ACTIVE_CARDS), BOARD, AS_OF)["no_next_action"]
    # 6 active cards; C2 has no next action, C3's has no date → 2 / 6 = 0.33
    assert (nna["active"], nna["count"], nna["share"], nna["cards"]) == (6, 2, 0.33, ["C2", "C3"])


def test_negotiation_traffic_lights() -> None:
    lights = metrics.compute(cards(ACTIVE_CARDS), BOARD, AS_OF)["negotiation_lights"]
    # default thresholds: green ≤ 10 days, amber ≤ 20, red above; days from the last entry into negotiation
    # C1 10-15 → 7 green; C2 10-07 → 15 amber; C3 09-30 → 22 red; C5 10-12 → 10 green (boundary);
    # C6 10-02 → 20 amber (boundary)
    got = {r["id"]: (r["days"], r["light"]) for r in lights["cards"]}
    assert got == {"C1": (7, "green"), "C2": (15, "amber"), "C3": (22, "red"), "C5": (10, "green"),
                   "C6": (20, "amber")}
    assert lights["counts"] == {"green": 2, "amber": 2, "red": 1}


def test_card_age_and_wip_against_limits() -> None:
    m = metrics.compute(cards(ACTIVE_CARDS), BOARD, AS_OF)
    ages = {r["id"]: r["age_days"] for r in m["card_age"]["cards"]}
    # C1: last_action 10-20 → 2 days; C2: last history date 10-07 → 15; C4: 10-21 → 1
    assert (ages["C1"], ages["C2"], ages["C4"]) == (2, 15, 1)
    # idle (> 7 days): C2 15, C3 22, C5 10, C6 20 → 4
    assert m["card_age"]["idle_count"] == 4
    wip = {r["column"]: r for r in m["wip"]["columns"]}
    # 5 active cards in negotiation against a limit of 5: at the limit, not over
    assert (wip["negotiation"]["wip"], wip["negotiation"]["limit"], wip["negotiation"]["over_limit"]) == (5, 5, False)
    assert m["wip"]["total"] == 6


def test_seed_forecast_is_four_means_plus_minus_two_s() -> None:
    fc = metrics.compute(cards(THROUGHPUT_CARDS), BOARD, AS_OF)["forecast"]["seed_method"]
    # weekly counts 2 1 0 0 0 1: mean ⅔, s = √(2/3) = 0.8165
    # expected = 4 × ⅔ = 2.67; σ of the 4-week total = √4 · s = 2 × 0.8165 = 1.63
    # low = 2.667 − 1.633 = 1.03; high = 2.667 + 1.633 = 4.30
    assert fc["status"] == "ok"
    assert (fc["expected"], fc["sigma"], fc["low"], fc["high"]) == (2.67, 1.63, 1.03, 4.3)
    assert "√4 · s = 2 s" in fc["definition"]


def test_seed_forecast_low_bound_is_clamped_at_zero() -> None:
    fc = metrics.compute(stable([0, 0, 0, 0, 0, 3]), BOARD, AS_OF)["forecast"]["seed_method"]
    # mean 0.5, s = √((5 × 0.25 + 6.25) / 5) = √1.5 = 1.2247; expected 2, σ 2.449 → low 2 − 2.449 < 0 → 0
    assert (fc["expected"], fc["sigma"], fc["low"], fc["high"]) == (2, 2.45, 0, 4.45)


def test_monte_carlo_is_reproducible_and_close_to_four_means_on_a_stable_history() -> None:
    history = stable([3, 2, 3, 4, 3, 3])
    first = metrics.compute(history, BOARD, AS_OF)["forecast"]["monte_carlo"]
    again = metrics.compute(history, BOARD, AS_OF)["forecast"]["monte_carlo"]
    assert first == again
    other = metrics.compute(history, BOARD, AS_OF, seed=7)["forecast"]["monte_carlo"]
    assert other["distribution"] != first["distribution"]
    # mean 18 / 6 = 3 → 4 × 3 = 12: the 50 % level sits within one card of it
    assert abs(first["confidence"]["50"] - 12) <= 1
    assert first["confidence"]["50"] >= first["confidence"]["85"] >= first["confidence"]["95"]
    # "N at 85 %": at least N wins in ≥ 85 % of trials, and N + 1 wins in fewer than 85 %
    trials = first["trials"]
    share = lambda n: sum(d["trials"] for d in first["distribution"] if d["wins"] >= n) / trials  # noqa: E731
    n85 = first["confidence"]["85"]
    assert share(n85) >= 0.85 > share(n85 + 1)
    assert sum(d["trials"] for d in first["distribution"]) == trials == 10_000


def test_at_least_on_a_known_sample() -> None:
    totals = [1] * 10 + [2] * 10 + [3] * 80
    # ≥ 3 in 80 % of trials, ≥ 2 in 90 %, ≥ 1 in 100 %
    assert metrics.at_least(totals, 50) == 3
    assert metrics.at_least(totals, 85) == 2
    assert metrics.at_least(totals, 95) == 1


def test_negotiation_close_date_on_a_constant_throughput() -> None:
    history = stable([3] * 6) + cards("""\
        - {id: N1, column: negotiation, history: [{column: negotiation, date: 2025-10-10}]}
        - {id: N2, column: negotiation, history: [{column: negotiation, date: 2025-10-10}]}
        - {id: N3, column: negotiation, history: [{column: negotiation, date: 2025-10-10}]}
        - {id: N4, column: negotiation, history: [{column: negotiation, date: 2025-10-10}]}
        - {id: N5, column: negotiation, history: [{column: negotiation, date: 2025-10-10}]}
        - {id: N6, column: negotiation, history: [{column: negotiation, date: 2025-10-10}]}
        - {id: N7, column: negotiation, history: [{column: negotiation, date: 2025-10-10}]}
        - {id: P1, column: prospects, history: [{column: prospects, date: 2025-10-10}]}
        """)
    m = metrics.compute(history, BOARD, AS_OF)
    close = m["forecast"]["negotiation_close"]
    # every week draws 3 wins: 7 open deals need 3 weeks (3, 6, 9 ≥ 7) → 2025-10-22 + 21 days = 2025-11-12
    assert (close["open_deals"], close["weeks"], close["date"]) == (7, 3, "2025-11-12")
    mc = m["forecast"]["monte_carlo"]
    assert mc["confidence"] == {"50": 12, "85": 12, "95": 12}
    # Little: WIP past the first column = 7 (P1 is in prospects), throughput 3 / week →
    # 7 / 3 × 7 = 16.33 days, against the median cycle time
    ll = m["littles_law"]
    assert (ll["wip"], ll["throughput_per_week"], ll["predicted_days"]) == (7, 3, 16.33)
    # cycle times from 2025-08-01 to the Wednesdays 09-10, 09-17 … 10-15: 40, 47, 54, 61, 68, 75 days,
    # 3 cards each → 18 values, median = (9th + 10th) / 2 = (54 + 61) / 2 = 57.5; ratio 16.33 / 57.5 = 0.28
    assert ll["median_cycle_days"] == 57.5
    assert ll["ratio"] == 0.28
    assert ll["verdict"].startswith("WIP faible")


def test_negotiation_close_without_wins_cannot_project() -> None:
    history = cards("""\
        - {id: N1, column: negotiation, history: [{column: prospects, date: 2025-08-01}, {column: negotiation, date: 2025-10-10}]}
        """)
    close = metrics.compute(history, BOARD, AS_OF)["forecast"]["negotiation_close"]
    assert (close["status"], close["date"]) == ("no_throughput", None)


def test_stress_test_samples_negotiation_wip_at_the_end_of_each_sunday() -> None:
    history = cards("""\
        - {id: N1, column: closed, history: [{column: prospects, date: 2025-08-01}, {column: negotiation, date: 2025-09-10}],
           outcome: {result: won, date: 2025-09-25}}
        - {id: N2, column: negotiation, history: [{column: negotiation, date: 2025-10-01}]}
        - {id: N3, column: negotiation, history: [{column: negotiation, date: 2025-10-20}]}
        - {id: N4, column: negotiation, history: [{column: negotiation, date: 2025-10-21}]}
        - {id: N5, column: closed, history: [{column: negotiation, date: 2025-09-28}],
           outcome: {result: lost, date: 2025-09-29, reason: fit}}
        """)
    st = metrics.compute(history, BOARD, AS_OF)["stress_test"]
    # Sundays 09-14, 09-21: N1 (won 09-25); 09-28: N5 entered that very Sunday (lost the next day);
    # 10-05, 10-12, 10-19: N2 → samples 1 1 1 1 1 1, mean 1, threshold 1.5
    assert [s["wip"] for s in st["sundays"]] == [1, 1, 1, 1, 1, 1]
    assert [s["date"] for s in st["sundays"]][0] == "2025-09-14"
    # now: N2, N3, N4 = 3 > 1.5 → alert
    assert (st["wip_now"], st["mean"], st["threshold"], st["alert"]) == (3, 1, 1.5, True)


@pytest.mark.parametrize("first, enough", [(date(2025, 10, 2), False), (date(2025, 10, 1), True)])
def test_less_than_three_weeks_of_history_gives_not_enough_data(first: date, enough: bool) -> None:
    # 2025-10-02 → 2025-10-22 is 20 days (< 21); 2025-10-01 is exactly 3 weeks
    history = [won("W1", first, date(2025, 10, 15)), won("W2", first, date(2025, 10, 16))]
    m = metrics.compute(history, BOARD, AS_OF)
    assert m["history"]["enough_for_forecast"] is enough
    blocks = [m["forecast"]["seed_method"], m["forecast"]["monte_carlo"], m["forecast"]["negotiation_close"],
              m["littles_law"], m["stress_test"]]
    if enough:
        assert all(b["status"] == "ok" for b in blocks)
        return
    for b in blocks:
        assert b["status"] == "not_enough_data"
        assert "Pas assez de données" in b["message"]
    assert m["forecast"]["seed_method"]["expected"] is None
    assert m["forecast"]["monte_carlo"]["confidence"] is None
    assert m["forecast"]["negotiation_close"]["date"] is None
    assert m["littles_law"]["predicted_days"] is None
    assert metrics.headline(m)["items"][2]["text"] == "pas assez de données"


def test_no_cards_at_all() -> None:
    m = metrics.compute([], BOARD, AS_OF)
    assert m["forecast"]["monte_carlo"]["status"] == "not_enough_data"
    assert m["cycle_time"]["median_days"] is None and m["no_next_action"]["share"] is None
    json.dumps(m)


def test_every_metric_has_a_french_definition() -> None:
    m = metrics.compute(stable([1, 2, 1, 2, 1, 2]), BOARD, AS_OF)
    blocks = [v for k, v in m.items() if isinstance(v, dict)]
    blocks += [m["forecast"][k] for k in ("seed_method", "monte_carlo", "negotiation_close")]
    for block in blocks:
        assert len(block["definition"]) > 30


def test_headline_figures() -> None:
    active = [c for c in cards(ACTIVE_CARDS) if c.active]
    m = metrics.compute(stable([3] * 6) + active, BOARD, AS_OF)
    items = {i["key"]: i for i in metrics.headline(m)["items"]}
    assert list(items) == ["throughput", "wip", "forecast", "weighted_pipeline"]
    assert items["throughput"]["value"] == 3 and items["wip"]["value"] == 6
    # 4 × 3 ± 2 × 0 → "12 ± 0 gains", Monte Carlo 12 at 85 %
    assert items["forecast"]["text"] == "12 ± 0 gains (≥ 12 à 85 %)"
    assert items["weighted_pipeline"]["text"] == "16 600 €"


def test_french_numbers() -> None:
    assert metrics.fr_num(1.333) == "1,3"
    assert metrics.fr_num(12.0) == "12"
    assert metrics.fr_num(1234.5, 0) == "1 234"
    assert metrics.fr_num(None) == "—"


def test_headline_in_english() -> None:
    """The board's band and the metrics tiles: English words and numbers; French stays the default."""
    active = [c for c in cards(ACTIVE_CARDS) if c.active]
    m = metrics.compute(stable([3, 2, 3, 2, 3, 2]) + active, BOARD, AS_OF)
    assert metrics.headline(m) == metrics.headline(m, "fr")
    fr = {i["key"]: i for i in metrics.headline(m)["items"]}
    en = {i["key"]: i for i in metrics.headline(m, "en")["items"]}
    assert [i["label"] for i in fr.values()] == ["Débit", "WIP", "Prévision 4 semaines", "Pipe pondéré"]
    assert [i["label"] for i in en.values()] == ["Throughput", "WIP", "4-week forecast", "Weighted pipeline"]
    assert fr["throughput"]["text"] == "2,5 gains par semaine (moy. 6 sem.)"
    assert en["throughput"]["text"] == "2.5 wins per week (6-wk mean)"
    assert fr["wip"]["text"] == "6 cartes actives" and fr["forecast"]["text"].startswith("10 ± 1,1 gains (≥ ")
    assert en["wip"]["text"] == "6 active cards" and en["weighted_pipeline"]["text"] == "€16,600"
    assert en["forecast"]["text"].startswith("10 ± 1.1 wins (≥ ") and en["forecast"]["text"].endswith(" at 85%)")
    assert [i["value"] for i in en.values()] == [i["value"] for i in fr.values()]
    empty = metrics.compute([], BOARD, AS_OF)
    assert metrics.headline(empty, "en")["items"][2]["text"] == "not enough data"


@pytest.mark.parametrize("language, weekly, throughput, wip", [
    ("fr", [1, 2, 1, 2, 1, 1], "1,3 gain par semaine (moy. 6 sem.)", "1 carte active"),
    ("fr", [0, 0, 0, 0, 0, 0], "0 gain par semaine (moy. 6 sem.)", "1 carte active"),
    ("en", [1, 2, 1, 2, 1, 1], "1.3 wins per week (6-wk mean)", "1 active card"),
    ("en", [1, 1, 1, 1, 1, 1], "1 win per week (6-wk mean)", "1 active card"),
])
def test_headline_agrees_with_its_counts(language: str, weekly: list[int], throughput: str, wip: str) -> None:
    """Real singular and plural, no "(s)": French takes the singular below 2 (0, 1, 1,3), English at exactly 1."""
    active = [c for c in cards(ACTIVE_CARDS) if c.active][:1]
    items = {i["key"]: i["text"] for i in metrics.headline(metrics.compute(stable(weekly) + active, BOARD, AS_OF),
                                                             language)["items"]}
    assert items["throughput"] == throughput and items["wip"] == wip
    assert not [t for t in items.values() if "(s)" in t]


def test_english_numbers() -> None:
    assert metrics.num(1.333, 1, "en") == "1.3" and metrics.num(1.333) == "1,3"
    assert metrics.num(1234.5, 0, "en") == "1,234" and metrics.num(12.0, 1, "en") == "12"
    assert metrics.num(None, 1, "en") == "—"


def test_definitions_in_english_and_json_stays_french() -> None:
    """metrics.json is data, French; pages show its definitions, statuses and verdicts translated."""
    m = metrics.compute(stable([1, 2, 1, 2, 1, 2]) + [c for c in cards(ACTIVE_CARDS) if c.active], BOARD, AS_OF)
    paths = [k for k, v in m.items() if isinstance(v, dict) and "definition" in v]
    paths += [f"forecast.{k}" for k in ("seed_method", "monte_carlo", "negotiation_close")]
    for path in paths:
        block = m
        for part in path.split("."):
            block = block[part]
        assert metrics.metric_definition(m, path) == block["definition"], path
        english = metrics.metric_definition(m, path, "en")
        assert len(english) > 30 and "{" not in english and "None" not in english, path
        assert not {"semaines", "cartes", "jours", "colonne"} & set(english.lower().split()), path
    assert "green ≤ 10 d, amber ≤ 20 d" in metrics.metric_definition(m, "negotiation_lights", "en")
    assert "to 2025-11-19 inclusive" in metrics.metric_definition(m, "forecast", "en")
    assert m["littles_law"]["verdict"].startswith("WIP faible")
    assert metrics.verdict_in(m["littles_law"]["verdict"], "en").startswith("WIP low for the throughput")
    assert metrics.verdict_in("texte libre", "en") == "texte libre"
    short = metrics.compute([won("W1", date(2025, 10, 10), date(2025, 10, 15))], BOARD, AS_OF)["littles_law"]
    assert metrics.status_message(short) == metrics.NOT_ENOUGH_TEXT
    assert metrics.status_message(short, "en") == "Not enough data: less than 3 weeks of history."


def test_metrics_page_and_charts_in_english(scratch_project: Scratch, tmp_path) -> None:
    """metrics/index.html and the charts in English; metrics.json identical to the French build's."""
    sample(scratch_project)
    french = tmp_path / "fr"
    write_metrics(load_project(scratch_project.root, AS_OF), AS_OF, Writer(french))
    scratch_project.write("mkdocs.yml", "site_name: Sales\nextra:\n  dealdocs:\n    language: en\n")
    english = tmp_path / "en"
    write_metrics(load_project(scratch_project.root, AS_OF), AS_OF, Writer(english))
    assert (english / "metrics/metrics.json").read_bytes() == (french / "metrics/metrics.json").read_bytes()
    page = (english / "metrics/index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<h1>Flow metrics and forecast</h1>" in page
    for words in ("As of 2025-10-22 · last 6 weeks: 2025-09-08 to 2025-10-19", "To watch this week", "€6,000",
                  "wins per week (6-week mean)", "Median cycle time", "Loss reasons", "<th>Price</th>",
                  "85th percentile", "Columns: WIP, conversion, time spent", "Generated by dealdocs"):
        assert words in page, words
    for words in ("Indicateurs", "semaine", "Raisons", "Prix", "85e centile", " j<", "par semaine", "(s)", "outcome.date",
                  "last_action"):
        assert words not in page, words
    assert b"<title>Weekly throughput</title>" in (english / "metrics/throughput.svg").read_bytes()
    assert b"<title>D\xc3\xa9bit hebdomadaire</title>" in (french / "metrics/throughput.svg").read_bytes()
    fr_page = (french / "metrics/index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in fr_page and "Flow metrics" not in fr_page and "Raisons de perte" in fr_page


# --- command line and build output --------------------------------------------------


def sample(scratch: Scratch) -> None:
    """Four cards on the default board, history from 2025-08-01."""
    scratch.write("content/cards/w1.yaml", """\
        id: OPP-1
        column: closed
        history: [{column: prospects, date: 2025-08-01}, {column: negotiation, date: 2025-09-01}, {column: closed, date: 2025-09-17}]
        outcome: {result: won, date: 2025-09-17}
        """)
    scratch.write("content/cards/w2.yaml", """\
        id: OPP-2
        column: closed
        history: [{column: prospects, date: 2025-08-20}, {column: closed, date: 2025-10-08}]
        outcome: {result: won, date: 2025-10-08}
        """)
    scratch.write("content/cards/a1.yaml", """\
        id: OPP-3
        column: negotiation
        amount: 12000
        probability: 50
        next_action: {what: Relance, date: 2025-10-23}
        history: [{column: prospects, date: 2025-09-01}, {column: negotiation, date: 2025-10-15}]
        last_action: 2025-10-20
        """)


def test_metrics_command_json_equals_metrics_json(scratch_project: Scratch, run_cli, tmp_path) -> None:
    sample(scratch_project)
    code, out, _ = run_cli("metrics", "--root", str(scratch_project.root), "--as-of", "2025-10-22", "--format", "json")
    assert code == 0
    project = load_project(scratch_project.root, AS_OF)
    writer = Writer(tmp_path / "out")
    assert write_metrics(project, AS_OF, writer) == []
    written = (tmp_path / "out" / "metrics" / "metrics.json").read_text(encoding="utf-8")
    assert out == written
    data = json.loads(out)
    assert data["as_of"] == "2025-10-22"
    assert [w["wins"] for w in data["throughput"]["last_6_weeks"]] == [0, 1, 0, 0, 1, 0]
    assert data["weighted_pipeline"]["total"] == 6000
    names = sorted(p.name for p in (tmp_path / "out" / "metrics").iterdir())
    assert names == ["ageing-wip.svg", "cfd.svg", "cycle-time.svg", "forecast.svg", "funnel.svg", "index.html",
                     "metrics.json", "throughput.svg"]


def test_metrics_command_text_summary(scratch_project: Scratch, run_cli) -> None:
    sample(scratch_project)
    code, out, _ = run_cli("metrics", "--root", str(scratch_project.root), "--as-of", "2025-10-22")
    assert code == 0
    assert "Indicateurs de flux au 22/10/2025" in out
    assert "Pipe pondéré" in out and "6 000 €" in out
    assert "Monte Carlo 85 %" in out


def test_metrics_command_refuses_broken_cards(scratch_project: Scratch, run_cli) -> None:
    sample(scratch_project)
    scratch_project.write("content/cards/bad.yaml", """\
        id: OPP-9
        column: nowhere
        """)
    code, out, err = run_cli("metrics", "--root", str(scratch_project.root), "--as-of", "2025-10-22")
    assert code == 1
    assert "content/cards/bad.yaml:2: error: [column] unknown column 'nowhere'" in err
    assert out == ""


def test_metrics_page_shows_headline_and_definitions(scratch_project: Scratch, tmp_path) -> None:
    sample(scratch_project)
    project = load_project(scratch_project.root, AS_OF)
    write_metrics(project, AS_OF, Writer(tmp_path / "out"))
    page = (tmp_path / "out" / "metrics" / "index.html").read_text(encoding="utf-8")
    assert "Indicateurs de flux et prévision" in page
    assert 'src="forecast.svg"' in page and "6 000 €" in page
    assert "85e centile" in page and "dernière action" in page
    assert "outcome.date" not in page and "last_action" not in page and "(s)" not in page  # words, not fields
    assert math.isclose(json.loads((tmp_path / "out" / "metrics" / "metrics.json").read_text())["throughput"]["mean"],
                        0.33)


def test_build_writes_metrics_equal_to_the_command(scratch_project: Scratch, run_cli, tmp_path) -> None:
    sample(scratch_project)
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--root", str(scratch_project.root), "--out", str(out), "--as-of", "2025-10-22", "-q")
    assert code == 0, err
    _, printed, _ = run_cli("metrics", "--root", str(scratch_project.root), "--as-of", "2025-10-22", "--format", "json")
    assert (out / "metrics" / "metrics.json").read_text(encoding="utf-8") == printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"metrics/metrics.json", "metrics/cfd.svg", "metrics/forecast.svg"} <= set(manifest)
