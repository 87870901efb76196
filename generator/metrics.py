"""Flow metrics and forecast of SPEC §7: pure functions from cards + board + as_of to a JSON-able dict."""
from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence

from . import rules
from .models import Board, Card

if TYPE_CHECKING:
    from .project import Project

WINDOW_WEEKS = 6
HORIZON_WEEKS = 4
MIN_HISTORY_DAYS = 21
TRIALS = 10_000
SEED = 20251024
CLOSE_CAP_WEEKS = 104
CONFIDENCES = (50, 85, 95)
LITTLE_TOLERANCE = 0.25
STRESS_FACTOR = 1.5
CFD_MAX_DAYS = 26 * 7

OK, NOT_ENOUGH, NO_THROUGHPUT, BEYOND = "ok", "not_enough_data", "no_throughput", "beyond_horizon"
NOT_ENOUGH_TEXT = "Pas assez de données : moins de 3 semaines d'historique."
NO_THROUGHPUT_TEXT = "Aucune carte gagnée sur les 6 dernières semaines : impossible de projeter."

LOST_REASONS = {"price": "Prix", "timing": "Timing", "fit": "Adéquation (fit)",
                "competition": "Concurrence", "unspecified": "Non renseignée"}

Json = dict[str, Any]


# --- calendar ------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of the ISO week holding day."""
    return day - timedelta(days=day.weekday())


def window_starts(as_of: date, weeks: int = WINDOW_WEEKS) -> list[date]:
    """Mondays of the `weeks` full weeks before the week holding as_of, oldest first."""
    current = week_start(as_of)
    return [current - timedelta(weeks=k) for k in range(weeks, 0, -1)]


def week_label(monday: date) -> str:
    """`2025-W38`."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_json(monday: date) -> Json:
    """A week as {week, start, end}."""
    return {"week": week_label(monday), "start": monday.isoformat(),
            "end": (monday + timedelta(days=6)).isoformat()}


# --- card events as of a day -------------------------------------------------------


def won_on(card: Card, as_of: date) -> Optional[date]:
    """The win date, if the card was won on or before as_of."""
    out = card.outcome
    return out.date if out and out.result == "won" and out.date <= as_of else None


def lost_on(card: Card, as_of: date) -> Optional[date]:
    """The loss date, if the card was lost on or before as_of."""
    out = card.outcome
    return out.date if out and out.result == "lost" and out.date <= as_of else None


def entries(card: Card, until: date) -> list[tuple[str, date]]:
    """History entries dated on or before `until`, oldest first."""
    return [(h.column, h.date) for h in card.history if h.date <= until]


def state_at(card: Card, day: date) -> Optional[str]:
    """Where the card stood at the end of day: `won`, `lost`, a column key, or None (not yet on the board)."""
    if card.outcome and card.outcome.date <= day:
        return card.outcome.result
    seen = entries(card, day)
    return seen[-1][0] if seen else None


def first_date(cards: Iterable[Card], as_of: date) -> Optional[date]:
    """The earliest history date on or before as_of."""
    dates = [h.date for c in cards for h in c.history if h.date <= as_of]
    return min(dates) if dates else None


def negotiation_key(board: Board) -> str:
    """The negotiation column: `negotiation`, else the column before the last."""
    keys = [c.key for c in board.columns]
    return "negotiation" if "negotiation" in keys else keys[-2]


def _title(board: Board, key: str) -> str:
    return next((c.title for c in board.columns if c.key == key), key)


def flow_columns(board: Board) -> list[str]:
    """Column keys a card flows through: every column but the last (won/lost)."""
    return [c.key for c in board.columns[:-1]]


# --- statistics ------------------------------------------------------------------


def nearest_rank(values: Sequence[float], percent: float) -> Optional[float]:
    """Nearest-rank percentile: the smallest value with at least percent % of values ≤ it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> Optional[float]:
    """The usual median (mean of the two middle values for an even count)."""
    return statistics.median(values) if values else None


def mean(values: Sequence[float]) -> Optional[float]:
    return statistics.fmean(values) if values else None


def r2(value: Optional[float]) -> Optional[float]:
    """Round to 2 decimals, keeping None; integers stay integers."""
    if value is None:
        return None
    rounded = round(float(value), 2)
    return int(rounded) if rounded.is_integer() else rounded


# --- the metrics --------------------------------------------------------------------


def weekly_wins(cards: Sequence[Card], mondays: Sequence[date], as_of: date) -> list[int]:
    """Won cards per week, by outcome.date."""
    counts = Counter(week_start(d) for c in cards if (d := won_on(c, as_of)))
    return [counts.get(m, 0) for m in mondays]


def throughput(cards: Sequence[Card], as_of: date, since: Optional[date]) -> Json:
    """Wins per week over the last 6 full weeks, and the run-chart series since the first history date."""
    mondays = window_starts(as_of)
    counts = weekly_wins(cards, mondays, as_of)
    start = min(week_start(since), mondays[0]) if since else mondays[0]
    series_mondays = [start + timedelta(weeks=k) for k in range((week_start(as_of) - start).days // 7 + 1)]
    series = weekly_wins(cards, series_mondays, as_of)
    return {
        "definition": "Nombre de cartes gagnées par semaine (lundi–dimanche), d'après outcome.date. "
                      "Les 6 dernières semaines sont les 6 semaines complètes avant celle de la date du jour.",
        "unit": "cartes gagnées / semaine",
        "last_6_weeks": [dict(week_json(m), wins=n) for m, n in zip(mondays, counts)],
        "total": sum(counts),
        "mean": r2(mean(counts)),
        "std_dev": r2(statistics.stdev(counts)),
        "series": [dict(week_json(m), wins=n, partial=m == week_start(as_of))
                   for m, n in zip(series_mondays, series)],
    }


def cycle_time(cards: Sequence[Card], as_of: date) -> Json:
    """Days from the first history entry to outcome.date, for won cards: median and 85th percentile."""
    rows = []
    for c in cards:
        won = won_on(c, as_of)
        if won and c.history:
            rows.append({"id": c.id, "start": c.history[0].date.isoformat(), "won": won.isoformat(),
                         "days": (won - c.history[0].date).days})
    rows.sort(key=lambda r: (r["won"], r["id"]))
    days = [r["days"] for r in rows]
    return {
        "definition": "Jours entre la première entrée d'une carte sur le tableau et sa date de gain, pour les "
                      "cartes gagnées. Médiane usuelle (moyenne des deux valeurs centrales si leur nombre est "
                      "pair) ; 85e centile au rang le plus proche : la plus petite durée telle qu'au moins 85 % "
                      "des cartes gagnées ont une durée inférieure ou égale.",
        "unit": "jours",
        "percentile_method": "nearest-rank",
        "count": len(days),
        "median_days": r2(median(days)),
        "p85_days": r2(nearest_rank(days, 85)),
        "cards": rows,
    }


def _moved_on(card: Card, column: str, board: Board, as_of: date) -> Optional[bool]:
    """None if the card never entered column; else whether it moved on to a later column (a win counts)."""
    seen = entries(card, as_of)
    cols = [col for col, _ in seen]
    if column not in cols:
        return None
    if won_on(card, as_of):
        return True
    here, last = board.index(column), board.columns[-1].key
    after = cols[cols.index(column) + 1:]
    return any(board.index(col) > here and col != last for col in after)


def conversion(cards: Sequence[Card], board: Board, as_of: date) -> Json:
    """Per column: cards that moved on to a later column ÷ cards that entered it."""
    rows = []
    for col in board.columns[:-1]:
        marks = [m for c in cards if (m := _moved_on(c, col.key, board, as_of)) is not None]
        entered, moved = len(marks), sum(marks)
        rows.append({"column": col.key, "title": col.title, "entered": entered, "moved_on": moved,
                     "rate": r2(moved / entered) if entered else None})
    return {
        "definition": "Taux de conversion d'une colonne : cartes passées ensuite dans une colonne plus avancée "
                      "÷ cartes entrées dans la colonne. Une carte gagnée compte comme passée ; une carte perdue, non.",
        "unit": "part (0–1)",
        "columns": rows,
    }


def _stays(card: Card, as_of: date) -> Iterable[tuple[str, int]]:
    """Completed stays (column, days) of a card, from its history and outcome."""
    seen = entries(card, as_of)
    ended = card.outcome.date if card.outcome and card.outcome.date <= as_of else None
    for i, (col, start) in enumerate(seen):
        end = seen[i + 1][1] if i + 1 < len(seen) else ended
        if end is not None:
            yield col, (end - start).days


def time_in_column(cards: Sequence[Card], board: Board, as_of: date) -> Json:
    """Mean and median days per column over completed stays."""
    per: dict[str, list[int]] = {k: [] for k in flow_columns(board)}
    for c in cards:
        for col, days in _stays(c, as_of):
            if col in per:
                per[col].append(days)
    titles = {c.key: c.title for c in board.columns}
    return {
        "definition": "Jours passés dans chaque colonne, de l'entrée dans la colonne à la sortie (colonne "
                      "suivante, gain ou perte), sur les séjours terminés.",
        "unit": "jours",
        "columns": [{"column": k, "title": titles[k], "stays": len(v), "mean_days": r2(mean(v)),
                     "median_days": r2(median(v))} for k, v in per.items()],
    }


def active_cards(cards: Sequence[Card]) -> list[Card]:
    """Cards without an outcome, in id order."""
    return sorted((c for c in cards if c.active), key=lambda c: c.id)


def card_age(cards: Sequence[Card], board: Board, as_of: date) -> Json:
    """Days since the last action (default: the last history date), for active cards."""
    rows = [{"id": c.id, "column": c.column, "age_days": age}
            for c in active_cards(cards) if (age := rules.age_days(c, as_of)) is not None]
    ages = [r["age_days"] for r in rows]
    idle = board.ageing.idle_days
    return {
        "definition": f"Jours depuis la dernière action (last_action, à défaut la dernière date d'historique), "
                      f"pour les cartes actives. Au-delà de {idle} jours, risque d'oubli.",
        "unit": "jours",
        "idle_days": idle,
        "mean_days": r2(mean(ages)),
        "median_days": r2(median(ages)),
        "max_days": max(ages) if ages else None,
        "idle_count": sum(a > idle for a in ages),
        "cards": rows,
    }


def weighted_pipeline(cards: Sequence[Card], board: Board) -> Json:
    """Σ amount × probability / 100 over active cards, in euros, with a per-column split."""
    per = {k: 0.0 for k in flow_columns(board)}
    total, missing = 0.0, []
    for c in active_cards(cards):
        if c.amount is None or c.probability is None:
            missing.append(c.id)
            continue
        value = c.amount * c.probability / 100
        total += value
        per[c.column] = per.get(c.column, 0.0) + value
    return {
        "definition": "Pipe pondéré : somme de montant × probabilité / 100 sur les cartes actives, en euros. "
                      "Une carte sans montant ou sans probabilité compte pour 0.",
        "unit": "EUR",
        "total": r2(total),
        "by_column": [{"column": k, "amount": r2(v)} for k, v in per.items()],
        "cards_missing_amount_or_probability": missing,
    }


def no_next_action(cards: Sequence[Card]) -> Json:
    """The share of active cards without a dated next action (target 0 %)."""
    active = active_cards(cards)
    ids = [c.id for c in active if c.next_action is None or c.next_action.date is None]
    return {
        "definition": "Part des cartes actives sans prochaine action datée. Cible : 0 % (sinon, oubli assuré).",
        "unit": "part (0–1)",
        "active": len(active),
        "count": len(ids),
        "share": r2(len(ids) / len(active)) if active else None,
        "target": 0,
        "cards": ids,
    }


def negotiation_lights(cards: Sequence[Card], board: Board, as_of: date) -> Json:
    """Days in negotiation per active card, green ≤ green, amber ≤ amber, red above."""
    key = negotiation_key(board)
    limits = board.ageing.negotiation_days
    rows = []
    for c in active_cards(cards):
        if c.column == key:
            days = rules.days_in_column(c, as_of)
            rows.append({"id": c.id, "days": days, "light": rules.negotiation_light(days, board)})
    counts = Counter(r["light"] for r in rows)
    return {
        "definition": f"Jours passés dans la colonne « {_title(board, key)} » par les cartes actives : vert ≤ {limits.green} j, "
                      f"orange ≤ {limits.amber} j, rouge au-delà (escalade manager).",
        "column": key,
        "title": _title(board, key),
        "green_max_days": limits.green,
        "amber_max_days": limits.amber,
        "counts": {k: counts.get(k, 0) for k in ("green", "amber", "red")},
        "cards": rows,
    }


def wip(cards: Sequence[Card], board: Board) -> Json:
    """Active cards per column against its WIP limit."""
    counts = rules.wip(cards, board)
    rows = [{"column": c.key, "title": c.title, "wip": counts[c.key], "limit": c.wip_limit,
             "over_limit": c.wip_limit is not None and counts[c.key] > c.wip_limit}
            for c in board.columns[:-1]]
    return {
        "definition": "Cartes actives par colonne, comparées à la limite WIP de la colonne (sans limite : illimitée).",
        "total": sum(r["wip"] for r in rows),
        "columns": rows,
    }


def lost_reasons(cards: Sequence[Card], as_of: date) -> Json:
    """Lost cards by normalised reason."""
    counts = Counter((c.outcome.reason or "unspecified") for c in cards if lost_on(c, as_of) and c.outcome)
    return {
        "definition": "Cartes perdues par raison normalisée (prix, timing, fit, concurrence).",
        "total": sum(counts.values()),
        "reasons": [{"reason": k, "label": label, "count": counts.get(k, 0)} for k, label in LOST_REASONS.items()],
    }


def cfd(cards: Sequence[Card], board: Board, as_of: date, since: Optional[date]) -> Json:
    """Cards in each column (and won/lost) at the end of every day, for the cumulative flow diagram."""
    start = max(since or as_of, as_of - timedelta(days=CFD_MAX_DAYS))
    days = [start + timedelta(days=k) for k in range((as_of - start).days + 1)]
    bands = flow_columns(board) + ["won", "lost"]
    series: dict[str, list[int]] = {b: [] for b in bands}
    for day in days:
        counts = Counter(state_at(c, day) for c in cards)
        for b in bands:
            series[b].append(counts.get(b, 0))
    titles = {c.key: c.title for c in board.columns}
    titles.update(won="Gagné", lost="Perdu")
    return {
        "definition": "Diagramme de flux cumulé : nombre de cartes dans chaque colonne (et gagnées / perdues) "
                      "à la fin de chaque jour, reconstitué à partir des historiques.",
        "dates": [d.isoformat() for d in days],
        "bands": [{"key": b, "title": titles[b], "counts": series[b]} for b in bands],
    }


# --- forecast -------------------------------------------------------------------------


def simulate_wins(weekly: Sequence[int], rng: random.Random, weeks: int = HORIZON_WEEKS,
                  trials: int = TRIALS) -> list[int]:
    """Monte Carlo: total wins over `weeks` weeks, each drawn from the observed weekly counts."""
    return [sum(rng.choice(weekly) for _ in range(weeks)) for _ in range(trials)]


def at_least(totals: Sequence[int], confidence: int) -> int:
    """The largest n such that at least confidence % of trials give n or more."""
    ordered = sorted(totals, reverse=True)
    return ordered[math.ceil(confidence / 100 * len(ordered)) - 1]


def simulate_close(weekly: Sequence[int], target: int, rng: random.Random,
                   trials: int = TRIALS, cap: int = CLOSE_CAP_WEEKS) -> list[Optional[int]]:
    """Monte Carlo: weeks until cumulated wins reach target (None past the cap)."""
    out: list[Optional[int]] = []
    for _ in range(trials):
        done = weeks = 0
        while done < target and weeks < cap:
            done += rng.choice(weekly)
            weeks += 1
        out.append(weeks if done >= target else None)
    return out


def _gate(block: Json, enough: bool, has_throughput: bool, *fields: str) -> Optional[Json]:
    """Fill block with null fields and a status when the data cannot support a number."""
    if not enough:
        status, message = NOT_ENOUGH, NOT_ENOUGH_TEXT
    elif not has_throughput:
        status, message = NO_THROUGHPUT, NO_THROUGHPUT_TEXT
    else:
        return None
    block.update({f: None for f in fields}, status=status, message=message)
    return block


def seed_forecast(weekly: Sequence[int], enough: bool) -> Json:
    """4 × the mean weekly wins ± 2 s (s: sample standard deviation of the 6 weekly counts)."""
    block: Json = {
        "definition": "Gains attendus sur les 4 prochaines semaines = 4 × débit hebdomadaire moyen des 6 "
                      "dernières semaines, ± 2 s, où s est l'écart-type (échantillon, n − 1) des 6 comptes "
                      "hebdomadaires : l'écart-type d'un total de 4 semaines vaut √4 · s = 2 s, c'est le "
                      "« ± 1 σ » de la méthode du guide. Borne basse ramenée à 0.",
        "weekly_counts": list(weekly),
    }
    if _gate(block, enough, True, "mean", "std_dev", "expected", "sigma", "low", "high"):
        return block
    m, s = statistics.fmean(weekly), statistics.stdev(weekly)
    expected, sigma = HORIZON_WEEKS * m, math.sqrt(HORIZON_WEEKS) * s
    block.update(status=OK, mean=r2(m), std_dev=r2(s), expected=r2(expected), sigma=r2(sigma),
                 low=r2(max(0.0, expected - sigma)), high=r2(expected + sigma))
    return block


def monte_carlo(weekly: Sequence[int], enough: bool, seed: int, trials: int) -> Json:
    """Wins in the next 4 weeks at 50 / 85 / 95 % confidence, by resampling the 6 weekly counts."""
    block: Json = {
        "definition": "Simulation de Monte Carlo : 4 semaines tirées au hasard (avec remise) parmi les 6 "
                      "dernières semaines observées, répétée sur de nombreux essais. « N à 85 % » signifie : au "
                      "moins N gains dans 85 % des essais.",
        "seed": seed, "trials": trials, "weeks": HORIZON_WEEKS,
    }
    if _gate(block, enough, True, "confidence", "mean", "distribution"):
        return block
    totals = simulate_wins(weekly, random.Random(seed), trials=trials)
    dist = Counter(totals)
    block.update(status=OK, confidence={str(p): at_least(totals, p) for p in CONFIDENCES},
                 mean=r2(statistics.fmean(totals)),
                 distribution=[{"wins": k, "trials": dist[k]} for k in sorted(dist)])
    return block


def negotiation_close(weekly: Sequence[int], open_deals: int, as_of: date, enough: bool,
                      seed: int, trials: int, column: str = "negotiation", title: str = "Négociation") -> Json:
    """The date by which the open negotiation deals will all be closed, at 85 % confidence."""
    block: Json = {
        "definition": f"Date à laquelle toutes les cartes actuellement en « {title} » seront gagnées, avec 85 % "
                      "de confiance : on tire des semaines de gains parmi les 6 dernières jusqu'à atteindre le "
                      "nombre de cartes en négociation (les prochains gains sont supposés venir de cette colonne).",
        "column": column, "title": title, "open_deals": open_deals, "confidence": 85, "seed": seed + 1,
        "trials": trials,
    }
    has = sum(weekly) > 0 or open_deals == 0
    if _gate(block, enough, has, "weeks", "date"):
        return block
    runs = simulate_close(weekly, open_deals, random.Random(seed + 1), trials)
    ordered = sorted(runs, key=lambda w: (w is None, w or 0))
    weeks = ordered[math.ceil(0.85 * len(ordered)) - 1]
    if weeks is None:
        block.update(status=BEYOND, weeks=None, date=None,
                     message=f"Au-delà de {CLOSE_CAP_WEEKS} semaines au rythme actuel.")
        return block
    block.update(status=OK, weeks=weeks, date=(as_of + timedelta(weeks=weeks)).isoformat())
    return block


def verdict(ratio: Optional[float], language: str = "fr") -> str:
    """Little's law's reading of WIP / throughput ÷ median cycle time."""
    from .i18n import metric_labels
    if ratio is None:
        key = "verdict_no_cycle"
    elif ratio > 1 + LITTLE_TOLERANCE:
        key = "verdict_high"
    elif ratio < 1 - LITTLE_TOLERANCE:
        key = "verdict_low"
    else:
        key = "verdict_ok"
    return metric_labels(language)[key]


def verdict_in(text: Any, language: str = "fr") -> Any:
    """metrics.json's (French) Little's law verdict in the language; any other value unchanged."""
    from .i18n import metric_labels
    french = metric_labels("fr")
    key = next((k for k in french if k.startswith("verdict_") and french[k] == text), None)
    return metric_labels(language)[key] if key else text


def littles_law(cards: Sequence[Card], board: Board, weekly: Sequence[int],
                median_cycle: Optional[float], enough: bool) -> Json:
    """Compare WIP / throughput (in days) with the median cycle time."""
    first, last = board.columns[0].key, board.columns[-1].key
    in_flow = sum(1 for c in active_cards(cards) if c.column not in (first, last))
    m = statistics.fmean(weekly)
    block: Json = {
        "definition": "Loi de Little : cycle time ≈ WIP / débit. WIP = cartes actives au-delà de la première "
                      "colonne ; débit = gains hebdomadaires moyens des 6 dernières semaines ; WIP / débit est "
                      "converti en jours (× 7) et comparé au cycle time médian (cohérent à ± 25 %).",
        "wip": in_flow, "throughput_per_week": r2(m), "median_cycle_days": median_cycle,
    }
    if _gate(block, enough, m > 0, "predicted_days", "ratio", "verdict"):
        return block
    predicted = in_flow / m * 7
    ratio = predicted / median_cycle if median_cycle else None
    block.update(status=OK, predicted_days=r2(predicted), ratio=r2(ratio), verdict=verdict(ratio))
    return block


def stress_test(cards: Sequence[Card], board: Board, as_of: date, enough: bool) -> Json:
    """Negotiation WIP now against 1.5 × its mean at the end of the last 6 Sundays."""
    key = negotiation_key(board)
    sundays = [m + timedelta(days=6) for m in window_starts(as_of)]
    samples = [sum(1 for c in cards if state_at(c, d) == key) for d in sundays]
    now = rules.wip(cards, board).get(key, 0)
    block: Json = {
        "definition": f"Test de stress : WIP actuel de la colonne « {_title(board, key)} » comparé à 1,5 × sa moyenne des 6 "
                      "dernières semaines (relevé à la fin de chaque dimanche, reconstitué depuis les "
                      "historiques). Au-dessus : baisser le WIP et planifier des relances ciblées.",
        "column": key, "title": _title(board, key), "wip_now": now,
        "sundays": [{"date": d.isoformat(), "wip": n} for d, n in zip(sundays, samples)],
    }
    if _gate(block, enough, True, "mean", "threshold", "alert"):
        return block
    avg = statistics.fmean(samples)
    block.update(status=OK, mean=r2(avg), threshold=r2(STRESS_FACTOR * avg), alert=now > STRESS_FACTOR * avg)
    return block


# --- assembly -----------------------------------------------------------------------------


def compute(cards: Sequence[Card], board: Board, as_of: date, seed: int = SEED, trials: int = TRIALS) -> Json:
    """Every metric and forecast of §7 as of as_of, as the content of metrics/metrics.json."""
    cards = sorted(cards, key=lambda c: c.id)
    since = first_date(cards, as_of)
    enough = since is not None and (as_of - since).days >= MIN_HISTORY_DAYS
    mondays = window_starts(as_of)
    weekly = weekly_wins(cards, mondays, as_of)
    cycle = cycle_time(cards, as_of)
    neg = negotiation_key(board)
    open_deals = rules.wip(cards, board).get(neg, 0)
    return {
        "as_of": as_of.isoformat(),
        "window": {
            "definition": "Les 6 dernières semaines : les 6 semaines complètes (lundi–dimanche) avant la semaine "
                          "qui contient la date du jour.",
            "start": mondays[0].isoformat(), "end": (mondays[-1] + timedelta(days=6)).isoformat(),
            "weeks": [week_json(m) for m in mondays],
        },
        "history": {
            "definition": "Historique disponible depuis la première date d'historique des cartes ; il faut au "
                          "moins 3 semaines pour une prévision.",
            "first_date": since.isoformat() if since else None,
            "days": (as_of - since).days if since else 0,
            "enough_for_forecast": enough,
        },
        "throughput": throughput(cards, as_of, since),
        "cycle_time": cycle,
        "conversion": conversion(cards, board, as_of),
        "time_in_column": time_in_column(cards, board, as_of),
        "card_age": card_age(cards, board, as_of),
        "weighted_pipeline": weighted_pipeline(cards, board),
        "no_next_action": no_next_action(cards),
        "negotiation_lights": negotiation_lights(cards, board, as_of),
        "wip": wip(cards, board),
        "lost_reasons": lost_reasons(cards, as_of),
        "forecast": {
            "definition": "Prévision des gains sur les 4 prochaines semaines, du lendemain de la date du jour "
                          f"au {(as_of + timedelta(weeks=HORIZON_WEEKS)).strftime('%d/%m/%Y')} inclus.",
            "horizon_weeks": HORIZON_WEEKS,
            "start": (as_of + timedelta(days=1)).isoformat(),
            "end": (as_of + timedelta(weeks=HORIZON_WEEKS)).isoformat(),
            "seed_method": seed_forecast(weekly, enough),
            "monte_carlo": monte_carlo(weekly, enough, seed, trials),
            "negotiation_close": negotiation_close(weekly, open_deals, as_of, enough, seed, trials,
                                                   neg, _title(board, neg)),
        },
        "littles_law": littles_law(cards, board, weekly, cycle["median_days"], enough),
        "stress_test": stress_test(cards, board, as_of, enough),
        "cfd": cfd(cards, board, as_of, since),
    }


def from_project(project: "Project", as_of: date) -> Json:
    """compute() on a loaded project's cards and board."""
    if project.board is None:
        raise ValueError("the board did not load: metrics need content/board.yaml (or the default board)")
    return compute([d.card for d in project.cards], project.board, as_of)


def headline(metrics: Json, language: str = "fr") -> Json:
    """The few figures the printed board shows: throughput, WIP, 4-week forecast, weighted pipeline."""
    from .i18n import metric_labels, money, pick
    t = metric_labels(language)
    tp = metrics["throughput"]
    seed, mc = metrics["forecast"]["seed_method"], metrics["forecast"]["monte_carlo"]
    active = metrics["wip"]["total"]
    if seed["status"] == OK:
        forecast_text = pick(t["hl_forecast_text"], rounded(seed["expected"]), language).format(
            expected=num(seed["expected"], 1, language), sigma=num(seed["sigma"], 1, language))
        forecast_text += t["hl_forecast_85"].format(n=mc["confidence"]["85"]) if mc["status"] == OK else ""
    else:
        forecast_text = t["no_data"]
    items = [
        {"key": "throughput", "label": t["hl_throughput"], "value": tp["mean"],
         "text": pick(t["hl_throughput_text"], rounded(tp["mean"]), language).format(
             mean=num(tp["mean"], 1, language))},
        {"key": "wip", "label": t["hl_wip"], "value": active,
         "text": pick(t["hl_wip_text"], active, language).format(n=active)},
        {"key": "forecast", "label": t["hl_forecast"], "value": seed.get("expected"),
         "status": seed["status"], "text": forecast_text},
        {"key": "weighted_pipeline", "label": t["hl_pipeline"], "value": metrics["weighted_pipeline"]["total"],
         "text": money(metrics["weighted_pipeline"]["total"], language)},
    ]
    return {"as_of": metrics["as_of"], "items": items}


def metric_definition(metrics: Json, path: str, language: str = "fr") -> str:
    """A block's definition in the language: metrics.json's own (French) text, else its translation.

    `path` is a metrics.json key, or `forecast.<method>` for the forecast's methods.
    """
    block: Any = metrics
    for part in path.split("."):
        block = block[part]
    if language == "fr":
        return block["definition"]
    from .i18n import METRIC_DEFINITIONS_EN, short_date
    template = METRIC_DEFINITIONS_EN.get(path)
    if template is None:
        return block["definition"]
    end = block.get("end")
    return template.format(idle_days=block.get("idle_days"), title=block.get("title"),
                           green=block.get("green_max_days"), amber=block.get("amber_max_days"),
                           end=short_date(date.fromisoformat(end), language) if isinstance(end, str) else end)


def status_message(block: Json, language: str = "fr") -> Optional[str]:
    """Why a forecast block has no figure (metrics.json's French `message`, or its translation); None if it has."""
    if language == "fr" or block.get("status") in (None, OK):
        return block.get("message")
    from .i18n import metric_labels
    text = metric_labels(language).get(f"status_{block['status']}")
    return text.format(weeks=CLOSE_CAP_WEEKS) if text else block.get("message")


def rounded(value: Optional[float], decimals: int = 1) -> float:
    """A figure as shown (`num`), for choosing singular or plural; None counts as 0."""
    return round(float(value or 0), decimals)


def num(value: Optional[float], decimals: int = 1, language: str = "fr") -> str:
    """fr_num in French; `1.5` / `12` / `1,200` / `—` in English."""
    if language != "en":
        return fr_num(value, decimals)
    if value is None:
        return "—"
    rounded = round(float(value), decimals)
    return f"{int(rounded):,}" if rounded.is_integer() else f"{rounded:,.{decimals}f}"


def fr_num(value: Optional[float], decimals: int = 1) -> str:
    """`1,5` / `12` / `1 200` / `—`: a number written the French way."""
    if value is None:
        return "—"
    rounded = round(float(value), decimals)
    if rounded.is_integer():
        return f"{int(rounded):,}".replace(",", " ")
    return f"{rounded:,.{decimals}f}".replace(",", " ").replace(".", ",")
