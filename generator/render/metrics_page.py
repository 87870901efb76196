"""The metrics/ outputs: metrics.json, the SVG charts and a standalone HTML page a manager reads at a glance.

metrics.json is data: its `definition`, `message` and `verdict` texts stay French. The page and the charts
are in the project's language (i18n.METRIC_LABELS), the definitions reworded for people (metric_text.definition).
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Optional, TYPE_CHECKING, Any

import jinja2

from ..i18n import metric_labels, money, pick, short_date
from ..metric_text import definition
from ..metrics import OK, Json, from_project, headline, num, rounded, verdict_in

if TYPE_CHECKING:
    from ..models import Finding
    from ..pipeline import Writer
    from ..project import Project

log = logging.getLogger(__name__)

CHART_TEXT = {  # chart file stem → metrics.json key; title: i18n metric label chart_<stem>
    "forecast": "forecast",
    "throughput": "throughput",
    "cycle-time": "cycle_time",
    "cfd": "cfd",
    "funnel": "conversion",
    "ageing-wip": "card_age",
}

PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dealdocs">
<title>{{ title }}</title>
<style>
:root { --ink:#1f2a36; --muted:#5b6773; --brand:#1f3b57; --line:#d5dce4; --soft:#f3f6f9;
        --green:#2e8b57; --amber:#f2a900; --red:#c62828; }
* { box-sizing: border-box; }
body { font: 15px/1.5 "Segoe UI", Calibri, "DejaVu Sans", Arial, sans-serif; color: var(--ink); margin: 0; background: #e9edf1; }
main { max-width: 1000px; margin: 24px auto; background: #fff; padding: 28px 32px; box-shadow: 0 2px 10px rgba(0,0,0,.12); }
h1 { color: var(--brand); margin: 0 0 2px; font-size: 26px; }
h2 { color: var(--brand); font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 3px; }
.muted, .def { color: var(--muted); }
.def { font-size: 13px; margin: 4px 0 10px; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 18px 0; }
.tile { background: var(--soft); border-radius: 8px; padding: 12px 14px; border-top: 4px solid var(--brand); }
.tile .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.tile .value { font-size: 24px; font-weight: 700; }
.tile .sub { font-size: 12px; color: var(--muted); }
.alerts { list-style: none; padding: 0; margin: 0; }
.alerts li { padding: 7px 12px; margin: 6px 0; border-radius: 6px; border-left: 5px solid var(--green); background: #eef7f1; }
.alerts li.warn { border-color: var(--red); background: #fdecea; }
figure { margin: 30px 0 4px; }
figure img { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; }
th { background: var(--soft); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.over { color: var(--red); font-weight: 700; }
.dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 6px; vertical-align: -1px; }
.green { background: var(--green); } .amber { background: var(--amber); } .red { background: var(--red); }
footer { margin-top: 28px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 6px; }
</style>
</head>
<body>
<main>
<h1>{{ T.page_heading }}</h1>
<div class="muted">{{ meta }}</div>

<div class="tiles">
{% for t in tiles %}<div class="tile"><div class="label">{{ t.label }}</div><div class="value">{{ t.value }}</div><div class="sub">{{ t.sub }}</div></div>
{% endfor %}</div>

<h2>{{ T.page_watch }}</h2>
<ul class="alerts">
{% for a in alerts %}<li class="{{ 'warn' if a.warn else 'ok' }}">{{ a.text }}</li>
{% endfor %}</ul>

{% for c in charts %}
<figure id="{{ c.key }}"><img src="{{ c.file }}" alt="{{ c.title }}"></figure>
<p class="def">{{ c.definition }}</p>
{% if c.key == 'forecast' %}<p class="def">{{ seed_definition }}</p>{% endif %}
{% endfor %}

<h2>{{ T.page_columns }}</h2>
<table>
<tr><th>{{ T.th_column }}</th><th>{{ T.th_wip }}</th><th>{{ T.th_entered }}</th><th>{{ T.th_moved_on }}</th><th>{{ T.th_conversion }}</th><th>{{ T.th_median_stay }}</th><th>{{ T.th_mean_stay }}</th><th>{{ T.th_pipeline }}</th></tr>
{% for r in columns %}<tr><td>{{ r.title }}</td><td class="n{{ ' over' if r.over }}">{{ r.wip }}</td><td class="n">{{ r.entered }}</td><td class="n">{{ r.moved_on }}</td><td class="n">{{ r.rate }}</td><td class="n">{{ r.median }}</td><td class="n">{{ r.mean }}</td><td class="n">{{ r.pipeline }}</td></tr>
{% endfor %}</table>
<p class="def">{{ definitions.wip }} {{ definitions.conversion }} {{ definitions.time_in_column }} {{ definitions.weighted_pipeline }}</p>

<h2>{{ lights_heading }}</h2>
{% if lights %}<table>
<tr><th>{{ T.th_card }}</th><th>{{ T.th_days }}</th><th>{{ T.th_light }}</th></tr>
{% for r in lights %}<tr><td>{{ r.id }}</td><td class="n">{{ r.days }}</td><td><span class="dot {{ r.light }}"></span>{{ r.label }}</td></tr>
{% endfor %}</table>{% else %}<p>{{ T.no_card_here }}</p>{% endif %}
<p class="def">{{ definitions.negotiation_lights }}</p>

<h2>{{ T.page_lost }}</h2>
<table>
<tr>{% for r in lost %}<th>{{ r.label }}</th>{% endfor %}</tr>
<tr>{% for r in lost %}<td class="n">{{ r.count }}</td>{% endfor %}</tr>
</table>
<p class="def">{{ definitions.lost_reasons }}</p>

<footer>{{ T.page_footer }} <a href="metrics.json">metrics.json</a>.</footer>
</main>
</body>
</html>
"""

def _d(text: str, language: str = "fr") -> str:
    return short_date(date.fromisoformat(text), language)


def _days(value: Any, language: str = "fr") -> str:
    return "—" if value is None else metric_labels(language)["days"].format(n=num(value, 1, language))


def _pct(share: Optional[float], language: str = "fr") -> str:
    return "—" if share is None else metric_labels(language)["percent"].format(n=num(share * 100, 0, language))


def tiles(m: Json, language: str = "fr") -> list[dict[str, str]]:
    """The headline figures, then cycle time and hygiene: a short figure and its reading."""
    t = metric_labels(language)
    out = [{"label": h["label"], "value": h["text"].split(" (")[0], "sub": ""} for h in headline(m, language)["items"]]
    mean, active = m["throughput"]["mean"], m["wip"]["total"]
    out[0].update(value=num(mean, 1, language), sub=pick(t["tile_throughput"], rounded(mean), language))
    out[1].update(value=str(active), sub=pick(t["tile_wip"], active, language))
    seed, mc = m["forecast"]["seed_method"], m["forecast"]["monte_carlo"]
    if seed["status"] == OK:
        sub = (pick(t["tile_forecast"], rounded(seed["expected"]), language).format(n=mc["confidence"]["85"])
               if mc["status"] == OK else t["tile_forecast_none"])
        out[2].update(value=f"{num(seed['expected'], 1, language)} ± {num(seed['sigma'], 1, language)}", sub=sub)
    else:
        out[2].update(value="—", sub=t["no_data"])
    out[2].update(label=t["tile_forecast_label"])
    out[3].update(sub=t["tile_pipeline"])
    ct, nna, close = m["cycle_time"], m["no_next_action"], m["forecast"]["negotiation_close"]
    out += [
        {"label": t["tile_cycle"], "value": _days(ct["median_days"], language),
         "sub": t["tile_cycle_sub"].format(days=_days(ct["p85_days"], language))},
        {"label": t["tile_nna"], "value": _pct(nna["share"], language),
         "sub": pick(t["tile_nna_sub"], nna["count"], language).format(n=nna["count"])},
        {"label": t["tile_idle"], "value": str(m["card_age"]["idle_count"]),
         "sub": t["tile_idle_sub"].format(n=m["card_age"]["idle_days"])},
        {"label": t["tile_close"].format(title=close["title"]),
         "value": _d(close["date"], language) if close.get("date") else "—",
         "sub": pick(t["tile_close_sub"], close["open_deals"], language).format(n=close["open_deals"])},
    ]
    return out


def alerts(m: Json, language: str = "fr") -> list[dict[str, Any]]:
    """What the manager should act on: stress test, Little's law, WIP over limits, red lights, no next action."""
    t = metric_labels(language)
    out: list[dict[str, Any]] = []
    st, ll = m["stress_test"], m["littles_law"]
    if st["status"] == OK:
        text = pick(t["alert_stress"], st["wip_now"], language).format(
            wip=st["wip_now"], title=st["title"], threshold=num(st["threshold"], 1, language),
            mean=num(st["mean"], 1, language))
        out.append({"warn": st["alert"], "text": text + t["alert_stress_high" if st["alert"] else "alert_stress_ok"]})
    if ll["status"] == OK:
        per_week = ll["throughput_per_week"]
        out.append({"warn": ll["ratio"] is not None and abs(ll["ratio"] - 1) > 0.25,
                    "text": t["alert_little"].format(
                        wip=f"{ll['wip']} {pick(t['in_progress'], ll['wip'], language)}",
                        throughput=f"{num(per_week, 1, language)} {pick(t['per_week'], rounded(per_week), language)}",
                        predicted=t["days"].format(n=num(ll["predicted_days"], 0, language)),
                        median=_days(ll["median_cycle_days"], language), verdict=verdict_in(ll["verdict"], language))})
    for c in m["wip"]["columns"]:
        if c["over_limit"]:
            out.append({"warn": True, "text": pick(t["alert_wip"], c["wip"], language).format(
                title=c["title"], wip=c["wip"], limit=c["limit"])})
    red = [r["id"] for r in m["negotiation_lights"]["cards"] if r["light"] == "red"]
    if red:
        out.append({"warn": True, "text": t["alert_red"].format(title=m["negotiation_lights"]["title"],
                                                                 cards=", ".join(red))})
    if m["no_next_action"]["count"]:
        out.append({"warn": True, "text": t["alert_nna"].format(cards=", ".join(m["no_next_action"]["cards"]))})
    if not m["history"]["enough_for_forecast"]:
        out.append({"warn": True, "text": t["alert_no_data"]})
    return out or [{"warn": False, "text": t["alert_none"]}]


def page_context(m: Json, language: str = "fr") -> dict[str, Any]:
    """The view model of metrics/index.html."""
    t = metric_labels(language)
    conv = {r["column"]: r for r in m["conversion"]["columns"]}
    tic = {r["column"]: r for r in m["time_in_column"]["columns"]}
    pipe = {r["column"]: r["amount"] for r in m["weighted_pipeline"]["by_column"]}
    columns = [{"title": c["title"], "wip": f"{c['wip']} / {c['limit'] if c['limit'] else '∞'}", "over": c["over_limit"],
                "entered": conv[c["column"]]["entered"], "moved_on": conv[c["column"]]["moved_on"],
                "rate": _pct(conv[c["column"]]["rate"], language),
                "median": _days(tic[c["column"]]["median_days"], language),
                "mean": _days(tic[c["column"]]["mean_days"], language),
                "pipeline": money(pipe.get(c["column"], 0), language)} for c in m["wip"]["columns"]]
    as_of = _d(m["as_of"], language)
    return {
        "lang": language if language in ("fr", "en") else "fr", "T": t, "title": t["page_title"].format(as_of=as_of),
        "meta": t["page_meta"].format(as_of=as_of, start=_d(m["window"]["start"], language),
                                      end=_d(m["window"]["end"], language)),
        "tiles": tiles(m, language), "alerts": alerts(m, language), "columns": columns,
        "charts": [{"key": key, "file": f"{name}.svg", "title": t[f"chart_{name}"],
                    "definition": definition(m, key, language)} for name, key in CHART_TEXT.items()],
        "seed_definition": definition(m, "forecast.seed_method", language) + " "
                           + definition(m, "forecast.monte_carlo", language),
        "lights": [dict(r, label=t[f"light_{r['light']}"]) for r in
                   sorted(m["negotiation_lights"]["cards"], key=lambda r: (-(r["days"] or 0), r["id"]))],
        "lost": [dict(r, label=t.get(f"reason_{r['reason']}", r["label"]) if language != "fr" else r["label"])
                 for r in m["lost_reasons"]["reasons"]],
        "lights_heading": t["page_lights"].format(title=m["negotiation_lights"]["title"]),
        "definitions": {k: definition(m, k, language) for k in (
            "wip", "conversion", "time_in_column", "weighted_pipeline", "negotiation_lights", "lost_reasons")},
    }


def render_page(m: Json, language: str = "fr") -> bytes:
    """metrics/index.html as UTF-8 bytes, its words in the language (fr or en)."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True)
    return env.from_string(PAGE).render(page_context(m, language)).encode("utf-8")


def write_metrics(project: "Project", as_of: date, writer: "Writer", m: Optional[dict] = None,
                  use_cache: bool = False) -> list["Finding"]:
    """metrics/metrics.json, metrics/*.svg (cached by the metrics' content) and metrics/index.html."""
    import hashlib
    import json

    from .. import __version__
    from ..documents import Cache
    from ..pipeline import json_bytes
    if project.board is None:
        return []
    language = project.settings.language
    m = m if m is not None else from_project(project, as_of)
    data = json_bytes(m)
    writer.write("metrics/metrics.json", data)
    cache = Cache(project.root, enabled=use_cache)
    key = hashlib.sha256(b"charts|" + __version__.encode() + b"|" + language.encode() + b"|" + data).hexdigest()
    charts = cache.get(key)
    if charts is None:
        from .charts import render_charts
        charts = render_charts(m, language=language)
        cache.put(key, charts)
    for name, svg in sorted(charts.items()):
        writer.write(f"metrics/{name}", svg)
    writer.write("metrics/index.html", render_page(m, language))
    return []
