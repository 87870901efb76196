"""Flow metrics as a sales manager reads them: each metric's definition, its figures as sentences or a small
table, and a verdict consistent with the alerts (Little's law, stress test).

metrics/metrics.json is data: its French `definition` strings name fields (`outcome.date`, `last_action`) and
its blocks carry bookkeeping (`status: ok`). The pages show these texts instead, in the site's language
(labels: i18n.METRIC_LABELS `def_*`, `fig_*`, `w_*`). Pure: plain text out, the caller escapes and lays it out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Optional

from babel.dates import format_date

from .i18n import long_date, metric_labels, money, pick, plural
from .metrics import OK, Json, metric_definition, num, rounded, status_message, verdict_in

Table = tuple[list[str], list[list[str]]]

SUCCESS, WARNING, INFO = "success", "warning", "info"


@dataclass
class Section:
    """One metric on a page: definition, figure sentences, an optional table and an optional verdict."""

    key: str
    definition: str
    lines: list[str] = field(default_factory=list)
    table: Optional[Table] = None
    verdict: Optional[tuple[str, str, str]] = None  # (success | warning | info, title, text)


class Words:
    """Number, date, count and percent formatting in one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.t = metric_labels(language)

    def num(self, value: Optional[float], decimals: int = 1) -> str:
        return num(value, decimals, self.language)

    def count(self, n: int, forms: str) -> str:
        """`1 carte`, `3 cartes` from the label `forms` (`w_card`)."""
        return plural(n, self.t[forms], self.language)

    def amount(self, value: Optional[float], forms: str, decimals: int = 1) -> str:
        """`1,3 gain`, `2,5 gains`: a figure with its word agreed to the figure as shown."""
        return f"{self.num(value, decimals)} {pick(self.t[forms], rounded(value, decimals), self.language)}"

    def days(self, value: Optional[float]) -> str:
        return "—" if value is None else self.amount(value, "w_day")

    def pct(self, share: Optional[float]) -> str:
        return "—" if share is None else self.t["percent"].format(n=self.num(share * 100, 0))

    def date(self, text: Optional[str]) -> str:
        """An ISO date of metrics.json written out: `8 septembre 2025` / `8 September 2025`."""
        return long_date(date.fromisoformat(text), self.language) if text else "—"

    def day_month(self, text: str) -> str:
        """`8 sept.` / `8 Sept`."""
        return format_date(date.fromisoformat(text), "d MMM", locale=self.language)

    def money(self, value: Optional[float]) -> str:
        return money(value or 0, self.language)


DEFINITION_KEYS = {"forecast.seed_method": "def_seed_method", "forecast.monte_carlo": "def_monte_carlo",
                   "forecast.negotiation_close": "def_negotiation_close"}


def definition(m: Json, path: str, language: str = "fr") -> str:
    """A metric's definition for people (no field names), in the language; metrics.json's own as a fallback."""
    w = Words(language)
    key = DEFINITION_KEYS.get(path, f"def_{path}")
    block: Any = m
    for part in path.split("."):
        block = block.get(part, {}) if isinstance(block, dict) else {}
    block = block if isinstance(block, dict) else {}
    if key not in w.t:
        return metric_definition(m, path, language) if isinstance(block.get("definition"), str) else ""
    limits = {"idle": block.get("idle_days"), "title": block.get("title"), "green": block.get("green_max_days"),
              "amber": block.get("amber_max_days"),
              "start": w.date(block.get("start")) if block.get("start") else "",
              "end": w.date(block.get("end")) if block.get("end") else ""}
    return w.t[key].format(**limits)


# --- figures, one function per metrics.json key -------------------------------------------------------


def _window(m: Json, w: Words) -> Section:
    b = m["window"]
    return Section("window", "", [w.t["fig_window"].format(start=w.date(b["start"]), end=w.date(b["end"]))])


def _history(m: Json, w: Words) -> Section:
    b = m["history"]
    if not b.get("first_date"):
        return Section("history", "", [w.t["fig_history_none"]])
    reading = w.t["history_enough" if b["enough_for_forecast"] else "history_short"]
    return Section("history", "", [w.t["fig_history"].format(first=w.date(b["first_date"]),
                                                            days=w.count(b["days"], "w_day"), reading=reading)])


def _throughput(m: Json, w: Words) -> Section:
    b = m["throughput"]
    line = w.t["fig_throughput"].format(total=w.count(b["total"], "w_win"), mean=w.amount(b["mean"], "per_week"),
                                        std=w.num(b["std_dev"]))
    weeks = b["last_6_weeks"]
    table = ([w.t["th_week"]] + [w.day_month(x["start"]) for x in weeks],
             [[w.t["th_wins"]] + [str(x["wins"]) for x in weeks]])
    return Section("throughput", "", [line], table)


def _cycle_time(m: Json, w: Words) -> Section:
    b = m["cycle_time"]
    if not b["count"]:
        return Section("cycle_time", "", [w.t["fig_cycle_none"]])
    return Section("cycle_time", "", [w.t["fig_cycle_time"].format(
        count=w.count(b["count"], "w_won_card"), median=w.days(b["median_days"]), p85=w.days(b["p85_days"]))])


def _conversion(m: Json, w: Words) -> Section:
    rows = [[r["title"], str(r["entered"]), str(r["moved_on"]), w.pct(r["rate"])] for r in m["conversion"]["columns"]]
    return Section("conversion", "", [], ([w.t[k] for k in ("th_column", "th_entered", "th_moved_on",
                                                            "th_conversion")], rows))


def _time_in_column(m: Json, w: Words) -> Section:
    rows = [[r["title"], str(r["stays"]), w.days(r["median_days"]), w.days(r["mean_days"])]
            for r in m["time_in_column"]["columns"]]
    return Section("time_in_column", "", [], ([w.t[k] for k in ("th_column", "th_stays", "th_median_stay",
                                                                "th_mean_stay")], rows))


def _card_age(m: Json, w: Words) -> Section:
    b = m["card_age"]
    if b["max_days"] is None:
        return Section("card_age", "", [w.t["fig_no_active"]])
    idle = [r["id"] for r in b["cards"] if r["age_days"] > b["idle_days"]]
    lines = [w.t["fig_card_age"].format(median=w.days(b["median_days"]), mean=w.days(b["mean_days"]),
                                        max=w.days(b["max_days"]))]
    lines.append(w.t["fig_idle"].format(cards=w.count(len(idle), "w_card"), idle=b["idle_days"], ids=", ".join(idle))
                 if idle else w.t["fig_idle_none"].format(idle=b["idle_days"]))
    return Section("card_age", "", lines)


def _weighted_pipeline(m: Json, w: Words) -> Section:
    b = m["weighted_pipeline"]
    titles = {c["column"]: c["title"] for c in m["wip"]["columns"]}
    lines = [w.t["fig_weighted_pipeline"].format(total=w.money(b["total"]))]
    if b["cards_missing_amount_or_probability"]:
        lines.append(w.t["fig_missing_amount"].format(ids=", ".join(b["cards_missing_amount_or_probability"])))
    rows = [[titles.get(r["column"], r["column"]), w.money(r["amount"])] for r in b["by_column"]]
    return Section("weighted_pipeline", "", lines, ([w.t["th_column"], w.t["th_pipeline"]], rows))


def _no_next_action(m: Json, w: Words) -> Section:
    b = m["no_next_action"]
    if not b["active"]:
        return Section("no_next_action", "", [w.t["fig_no_active"]])
    if not b["count"]:
        return Section("no_next_action", "", [w.t["fig_nna_none"]])
    return Section("no_next_action", "", [w.t["fig_no_next_action"].format(
        cards=w.count(b["count"], "w_active_card"), active=b["active"], share=w.pct(b["share"]),
        ids=", ".join(b["cards"]))])


def _negotiation_lights(m: Json, w: Words) -> Section:
    b = m["negotiation_lights"]
    if not b["cards"]:
        return Section("negotiation_lights", "", [w.t["fig_lights_none"].format(title=b["title"])])
    counts = b["counts"]
    line = w.t["fig_lights"].format(cards=w.count(len(b["cards"]), "w_card"), title=b["title"],
                                    green=counts["green"], amber=counts["amber"], red=counts["red"])
    rows = [[r["id"], w.days(r["days"]), w.t[f"light_{r['light']}"]]
            for r in sorted(b["cards"], key=lambda r: (-(r["days"] or 0), r["id"]))]
    return Section("negotiation_lights", "", [line], ([w.t["th_card"], w.t["th_days"], w.t["th_light"]], rows))


def _wip_state(row: Json, w: Words) -> str:
    if row["limit"] is None:
        return w.t["wip_unlimited"]
    return w.t["wip_over" if row["over_limit"] else "wip_full" if row["wip"] == row["limit"] else "wip_under"]


def _wip(m: Json, w: Words) -> Section:
    b = m["wip"]
    rows = [[r["title"], str(r["wip"]), "∞" if r["limit"] is None else str(r["limit"]), _wip_state(r, w)]
            for r in b["columns"]]
    return Section("wip", "", [w.t["fig_wip"].format(cards=w.count(b["total"], "w_active_card"))],
                   ([w.t[k] for k in ("th_column", "th_active", "th_limit", "th_state")], rows))


def _lost_reasons(m: Json, w: Words) -> Section:
    b = m["lost_reasons"]
    if not b["total"]:
        return Section("lost_reasons", "", [w.t["fig_lost_none"]])
    found = sorted((r for r in b["reasons"] if r["count"]), key=lambda r: -r["count"])
    label: Callable[[Json], str] = (lambda r: r["label"]) if w.language == "fr" else (
        lambda r: w.t.get(f"reason_{r['reason']}", r["label"]))
    reasons = ", ".join(f"{label(r)} ({r['count']})" for r in found)
    return Section("lost_reasons", "", [w.t["fig_lost"].format(cards=w.count(b["total"], "w_lost_card"),
                                                              reasons=reasons)])


def _gated(block: Json, label: str, w: Words) -> Optional[str]:
    """`Méthode du guide : pas assez de données…` when a forecast block has no figure."""
    if block.get("status") == OK:
        return None
    return f"{label}{' :' if w.language != 'en' else ':'} {status_message(block, w.language) or w.t['no_data']}"


def _forecast(m: Json, w: Words) -> Section:
    fc = m["forecast"]
    seed, mc, close = fc["seed_method"], fc["monte_carlo"], fc["negotiation_close"]
    lines = [_gated(seed, w.t["label_seed"], w) or w.t["fig_seed"].format(
        expected=w.num(seed["expected"]), sigma=w.num(seed["sigma"]),
        wins=pick(w.t["w_win"], rounded(seed["expected"]), w.language), low=w.num(seed["low"]),
        high=w.num(seed["high"]))]
    if mc.get("status") == OK:
        conf = mc["confidence"]
        lines.append(w.t["fig_monte_carlo"].format(
            trials=f"{w.num(mc['trials'], 0)} {pick(w.t['w_trial'], mc['trials'], w.language)}",
            n85=w.count(conf["85"], "w_win"), n50=conf["50"], n95=conf["95"]))
    else:
        lines.append(_gated(mc, w.t["label_monte_carlo"], w) or "")
    label = w.t["label_close"].format(title=close["title"])
    if close.get("status") != OK:
        lines.append(_gated(close, label, w) or "")
    elif not close["open_deals"]:
        lines.append(w.t["fig_close_none"].format(title=close["title"]))
    else:
        lines.append(pick(w.t["fig_close"], close["open_deals"], w.language).format(
            n=close["open_deals"], title=close["title"], date=w.date(close["date"])))
    return Section("forecast", "", [x for x in lines if x])


def _littles_law(m: Json, w: Words) -> Section:
    b = m["littles_law"]
    if b.get("status") != OK:
        return Section("littles_law", "", [status_message(b, w.language) or w.t["no_data"]])
    parts = {"wip": f"{b['wip']} {pick(w.t['in_progress'], b['wip'], w.language)}",
             "throughput": w.amount(b["throughput_per_week"], "per_week"),
             "predicted": w.days(round(b["predicted_days"])), "median": w.days(b["median_cycle_days"]),
             "ratio": w.num(b["ratio"])}
    ratio = b["ratio"]
    line = w.t["fig_little" if ratio is not None else "fig_little_no_cycle"].format(**parts)
    level = INFO if ratio is None else WARNING if abs(ratio - 1) > 0.25 else SUCCESS
    return Section("littles_law", "", [line], verdict=(level, w.t["verdict"], verdict_in(b["verdict"], w.language)))


def _stress_test(m: Json, w: Words) -> Section:
    b = m["stress_test"]
    if b.get("status") != OK:
        return Section("stress_test", "", [status_message(b, w.language) or w.t["no_data"]])
    line = w.t["fig_stress"].format(now=w.count(b["wip_now"], "w_card"), title=b["title"], mean=w.num(b["mean"]),
                                    threshold=w.num(b["threshold"]))
    verdict = ((WARNING, w.t["stress_alert"], w.t["stress_alert_text"]) if b["alert"] else
               (SUCCESS, w.t["stress_ok"], w.t["stress_ok_text"]))
    return Section("stress_test", "", [line], verdict=verdict)


FIGURES: dict[str, Callable[[Json, Words], Section]] = {
    "window": _window, "history": _history, "throughput": _throughput, "cycle_time": _cycle_time,
    "conversion": _conversion, "time_in_column": _time_in_column, "card_age": _card_age,
    "weighted_pipeline": _weighted_pipeline, "no_next_action": _no_next_action,
    "negotiation_lights": _negotiation_lights, "wip": _wip, "lost_reasons": _lost_reasons, "forecast": _forecast,
    "littles_law": _littles_law, "stress_test": _stress_test,
}


def section(m: Json, key: str, language: str = "fr") -> Section:
    """One metric of metrics.json for people: its definition, then its figures (a definition only if unknown)."""
    w = Words(language)
    make = FIGURES.get(key)
    out = make(m, w) if make else Section(key, "")
    out.definition = definition(m, key, language)
    return out


def sections(m: Json, language: str = "fr") -> list[Section]:
    """Every metric of metrics.json but the cumulative flow (a chart only), in the file's order."""
    out = []
    for key, value in m.items():
        if key in ("as_of", "cfd") or not isinstance(value, dict):
            continue
        try:
            out.append(section(m, key, language))
        except (KeyError, TypeError, ValueError):  # a metrics.json from another version: its definition alone
            out.append(Section(key, definition(m, key, language)))
    return out
