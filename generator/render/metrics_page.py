"""The metrics/ outputs: metrics.json, the SVG charts and a standalone HTML page a manager reads at a glance."""
from __future__ import annotations

import logging
from datetime import date
from typing import Optional, TYPE_CHECKING, Any

import jinja2

from ..metrics import OK, Json, fr_num, from_project, headline

if TYPE_CHECKING:
    from ..models import Finding
    from ..pipeline import Writer
    from ..project import Project

log = logging.getLogger(__name__)

CHART_TEXT = {
    "forecast": ("Prévision", "forecast"),
    "throughput": ("Débit", "throughput"),
    "cycle-time": ("Cycle time", "cycle_time"),
    "cfd": ("Flux cumulé", "cfd"),
    "funnel": ("Conversion", "conversion"),
    "ageing-wip": ("Âge des cartes", "card_age"),
}

PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dealdocs">
<title>Indicateurs de flux — {{ as_of }}</title>
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
<h1>Indicateurs de flux et prévision</h1>
<div class="muted">Au {{ as_of }} · 6 dernières semaines : du {{ window_start }} au {{ window_end }}</div>

<div class="tiles">
{% for t in tiles %}<div class="tile"><div class="label">{{ t.label }}</div><div class="value">{{ t.value }}</div><div class="sub">{{ t.sub }}</div></div>
{% endfor %}</div>

<h2>À regarder cette semaine</h2>
<ul class="alerts">
{% for a in alerts %}<li class="{{ 'warn' if a.warn else 'ok' }}">{{ a.text }}</li>
{% endfor %}</ul>

{% for c in charts %}
<figure id="{{ c.key }}"><img src="{{ c.file }}" alt="{{ c.title }}"></figure>
<p class="def">{{ c.definition }}</p>
{% if c.key == 'forecast' %}<p class="def">{{ seed_definition }}</p>{% endif %}
{% endfor %}

<h2>Colonnes : WIP, conversion, temps passé</h2>
<table>
<tr><th>Colonne</th><th>WIP / limite</th><th>Entrées</th><th>Passées</th><th>Conversion</th><th>Séjour médian</th><th>Séjour moyen</th><th>Pipe pondéré</th></tr>
{% for r in columns %}<tr><td>{{ r.title }}</td><td class="n{{ ' over' if r.over }}">{{ r.wip }}</td><td class="n">{{ r.entered }}</td><td class="n">{{ r.moved_on }}</td><td class="n">{{ r.rate }}</td><td class="n">{{ r.median }}</td><td class="n">{{ r.mean }}</td><td class="n">{{ r.pipeline }}</td></tr>
{% endfor %}</table>
<p class="def">{{ definitions.wip }} {{ definitions.conversion }} {{ definitions.time_in_column }} {{ definitions.weighted_pipeline }}</p>

<h2>Feux de la colonne « {{ lights_title }} »</h2>
{% if lights %}<table>
<tr><th>Carte</th><th>Jours dans la colonne</th><th>Feu</th></tr>
{% for r in lights %}<tr><td>{{ r.id }}</td><td class="n">{{ r.days }}</td><td><span class="dot {{ r.light }}"></span>{{ r.label }}</td></tr>
{% endfor %}</table>{% else %}<p>Aucune carte dans cette colonne.</p>{% endif %}
<p class="def">{{ definitions.negotiation_lights }}</p>

<h2>Raisons de perte</h2>
<table>
<tr>{% for r in lost %}<th>{{ r.label }}</th>{% endfor %}</tr>
<tr>{% for r in lost %}<td class="n">{{ r.count }}</td>{% endfor %}</tr>
</table>
<p class="def">{{ definitions.lost_reasons }}</p>

<footer>Généré par dealdocs à partir des historiques des cartes. Données : <a href="metrics.json">metrics.json</a>.</footer>
</main>
</body>
</html>
"""

LIGHTS = {"green": "vert", "amber": "orange", "red": "rouge"}


def _d(text: str) -> str:
    return date.fromisoformat(text).strftime("%d/%m/%Y")


def _days(value: Any) -> str:
    return "—" if value is None else f"{fr_num(value)} j"


def tiles(m: Json) -> list[dict[str, str]]:
    """The headline figures, then cycle time and hygiene."""
    out = [{"label": h["label"], "value": h["text"].split(" (")[0], "sub": ""} for h in headline(m)["items"]]
    out[0].update(value=fr_num(m["throughput"]["mean"]), sub="gain(s) / semaine, moyenne 6 sem.")
    out[1].update(value=str(m["wip"]["total"]), sub="cartes actives")
    seed, mc = m["forecast"]["seed_method"], m["forecast"]["monte_carlo"]
    if seed["status"] == OK:
        out[2].update(value=f"{fr_num(seed['expected'])} ± {fr_num(seed['sigma'])}",
                      sub=f"gains en 4 sem. ; ≥ {mc['confidence']['85']} à 85 %" if mc["status"] == OK else "")
    else:
        out[2].update(value="—", sub="pas assez de données")
    out[3].update(sub="Σ montant × probabilité, cartes actives")
    ct, nna = m["cycle_time"], m["no_next_action"]
    out += [
        {"label": "Cycle time médian", "value": _days(ct["median_days"]), "sub": f"85 % en {_days(ct['p85_days'])} ou moins"},
        {"label": "Sans prochaine action", "value": "—" if nna["share"] is None else f"{fr_num(nna['share'] * 100, 0)} %",
         "sub": f"{nna['count']} carte(s), cible 0 %"},
        {"label": "Cartes oubliées", "value": str(m["card_age"]["idle_count"]),
         "sub": f"plus de {m['card_age']['idle_days']} j sans action"},
        {"label": f"Clôture « {m['forecast']['negotiation_close']['title']} »", "value": _d(c["date"]) if (c := m["forecast"]["negotiation_close"]).get("date") else "—",
         "sub": f"{c['open_deals']} carte(s), 85 % de confiance"},
    ]
    return out


def alerts(m: Json) -> list[dict[str, Any]]:
    """What the manager should act on: stress test, Little's law, WIP over limits, red lights, no next action."""
    out: list[dict[str, Any]] = []
    st, ll = m["stress_test"], m["littles_law"]
    if st["status"] == OK:
        text = (f"Test de stress : {st['wip_now']} carte(s) en « {st['title']} » pour un seuil de {fr_num(st['threshold'])} "
                f"(1,5 × la moyenne de {fr_num(st['mean'])}).")
        out.append({"warn": st["alert"], "text": text + (" Baisser le WIP et planifier des relances ciblées."
                                                          if st["alert"] else " Sous contrôle.")})
    if ll["status"] == OK:
        out.append({"warn": ll["ratio"] is not None and abs(ll["ratio"] - 1) > 0.25,
                    "text": f"Loi de Little : {ll['wip']} cartes en cours ÷ {fr_num(ll['throughput_per_week'])} gain(s) "
                            f"/ semaine ≈ {fr_num(ll['predicted_days'], 0)} j, pour un cycle time médian de "
                            f"{_days(ll['median_cycle_days'])}. {ll['verdict']}"})
    for c in m["wip"]["columns"]:
        if c["over_limit"]:
            out.append({"warn": True, "text": f"{c['title']} : {c['wip']} cartes pour une limite WIP de {c['limit']}. "
                                               "Finir avant de commencer."})
    red = [r["id"] for r in m["negotiation_lights"]["cards"] if r["light"] == "red"]
    if red:
        out.append({"warn": True, "text": f"« {m['negotiation_lights']['title']} » au rouge : {', '.join(red)}. "
                                           "Escalade et date de décision."})
    if m["no_next_action"]["count"]:
        out.append({"warn": True, "text": "Sans prochaine action datée : " + ", ".join(m["no_next_action"]["cards"]) + "."})
    if not m["history"]["enough_for_forecast"]:
        out.append({"warn": True, "text": "Pas assez de données : moins de 3 semaines d'historique, pas de prévision."})
    return out or [{"warn": False, "text": "Rien à signaler."}]


def page_context(m: Json) -> dict[str, Any]:
    """The view model of metrics/index.html."""
    conv = {r["column"]: r for r in m["conversion"]["columns"]}
    tic = {r["column"]: r for r in m["time_in_column"]["columns"]}
    pipe = {r["column"]: r["amount"] for r in m["weighted_pipeline"]["by_column"]}
    from ..i18n import money
    columns = [{"title": c["title"], "wip": f"{c['wip']} / {c['limit'] if c['limit'] else '∞'}", "over": c["over_limit"],
                "entered": conv[c["column"]]["entered"], "moved_on": conv[c["column"]]["moved_on"],
                "rate": "—" if conv[c["column"]]["rate"] is None else f"{fr_num(conv[c['column']]['rate'] * 100, 0)} %",
                "median": _days(tic[c["column"]]["median_days"]), "mean": _days(tic[c["column"]]["mean_days"]),
                "pipeline": money(pipe.get(c["column"], 0))} for c in m["wip"]["columns"]]
    return {
        "as_of": _d(m["as_of"]), "window_start": _d(m["window"]["start"]), "window_end": _d(m["window"]["end"]),
        "tiles": tiles(m), "alerts": alerts(m), "columns": columns,
        "charts": [{"key": key, "file": f"{name}.svg", "title": title, "definition": m[key]["definition"]}
                   for name, (title, key) in CHART_TEXT.items()],
        "seed_definition": m["forecast"]["seed_method"]["definition"] + " " + m["forecast"]["monte_carlo"]["definition"],
        "lights": [dict(r, label=LIGHTS[r["light"]]) for r in
                   sorted(m["negotiation_lights"]["cards"], key=lambda r: (-(r["days"] or 0), r["id"]))],
        "lost": m["lost_reasons"]["reasons"],
        "lights_title": m["negotiation_lights"]["title"],
        "definitions": {k: m[k]["definition"] for k in ("wip", "conversion", "time_in_column", "weighted_pipeline",
                                                        "negotiation_lights", "lost_reasons")},
    }


def render_page(m: Json) -> bytes:
    """metrics/index.html as UTF-8 bytes."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True)
    return env.from_string(PAGE).render(page_context(m)).encode("utf-8")


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
    m = m if m is not None else from_project(project, as_of)
    data = json_bytes(m)
    writer.write("metrics/metrics.json", data)
    cache = Cache(project.root, enabled=use_cache)
    key = hashlib.sha256(b"charts|" + __version__.encode() + b"|" + data).hexdigest()
    charts = cache.get(key)
    if charts is None:
        from .charts import render_charts
        charts = render_charts(m)
        cache.put(key, charts)
    for name, svg in sorted(charts.items()):
        writer.write(f"metrics/{name}", svg)
    writer.write("metrics/index.html", render_page(m))
    return []
