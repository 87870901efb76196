"""`dealdocs metrics`: the flow metrics and forecast as a rich terminal summary or as metrics.json."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from .metrics import OK, Json, fr_num, from_project
from .models import ERROR, Finding
from .project import Project, load_project

EXIT_OK, EXIT_CONTENT = 0, 1


def blocking(project: Project) -> list[Finding]:
    """Errors that make the metrics wrong: in card files or the board."""
    board = project.board_path or "content/board.yaml"
    return [f for f in project.findings if f.severity == ERROR
            and (f.path.startswith("content/cards/") or f.path == board)]


def run(root: Path, as_of: date, fmt: str) -> int:
    """Print the metrics of §7 as of as_of; exit 1 when card or board errors prevent computing them."""
    from .pipeline import json_bytes
    project = load_project(root, as_of)
    errors = blocking(project)
    if errors or project.board is None:
        for f in errors:
            print(f.format(), file=sys.stderr)
        print("metrics not computed: fix the card and board errors above (dealdocs check)", file=sys.stderr)
        return EXIT_CONTENT
    metrics = from_project(project, as_of)
    if fmt == "json":
        sys.stdout.write(json_bytes(metrics).decode("utf-8"))
    else:
        print_summary(metrics)
    return EXIT_OK


def _pct(share: Any) -> str:
    return "—" if share is None else f"{fr_num(share * 100, 0)} %"


def _days(value: Any) -> str:
    return "—" if value is None else f"{fr_num(value)} j"


def _status(block: Json, text: str) -> str:
    return text if block["status"] == OK else block.get("message") or "pas assez de données"


def flow_rows(m: Json) -> list[tuple[str, str, str]]:
    """(indicator, value, reading) rows of the flow table."""
    from .i18n import money, plural
    tp, ct, age, nna = m["throughput"], m["cycle_time"], m["card_age"], m["no_next_action"]
    weeks = " ".join(str(w["wins"]) for w in tp["last_6_weeks"])
    return [
        ("Débit (gains / semaine)", fr_num(tp["mean"]), f"6 dernières semaines : {weeks}"),
        ("Cycle time médian", _days(ct["median_days"]), plural(ct["count"], "carte gagnée|cartes gagnées")),
        ("Cycle time 85 %", _days(ct["p85_days"]), "85 % des gains en autant de jours ou moins"),
        ("WIP (cartes actives)", str(m["wip"]["total"]), ""),
        ("Pipe pondéré", money(m["weighted_pipeline"]["total"]), "Σ montant × probabilité / 100"),
        ("Sans prochaine action", _pct(nna["share"]), ", ".join(nna["cards"]) or "cible 0 %"),
        ("Âge moyen des cartes", _days(age["mean_days"]),
         f"{plural(age['idle_count'], 'carte|cartes')} à plus de {age['idle_days']} j sans action"),
    ]


def column_rows(m: Json) -> list[tuple[str, ...]]:
    """(column, WIP / limit, conversion, median stay) rows."""
    conv = {r["column"]: r for r in m["conversion"]["columns"]}
    tic = {r["column"]: r for r in m["time_in_column"]["columns"]}
    rows = []
    for c in m["wip"]["columns"]:
        k = c["column"]
        wip = f"{c['wip']} / {c['limit'] or '∞'}" + (" ⚠" if c["over_limit"] else "")
        rows.append((c["title"], wip, f"{_pct(conv[k]['rate'])} ({conv[k]['moved_on']}/{conv[k]['entered']})",
                     _days(tic[k]["median_days"])))
    return rows


def forecast_rows(m: Json) -> list[tuple[str, str]]:
    """(figure, value) rows of the forecast table."""
    from .i18n import plural
    fc = m["forecast"]
    seed, mc, close = fc["seed_method"], fc["monte_carlo"], fc["negotiation_close"]
    ll, st = m["littles_law"], m["stress_test"]
    rows = [("4 × moyenne ± 2 s", _status(seed, f"{fr_num(seed.get('expected'))} ± {fr_num(seed.get('sigma'))} gains"))]
    for p in ("50", "85", "95"):
        n = (mc.get("confidence") or {}).get(p)
        rows.append((f"Monte Carlo {p} %", _status(mc, f"au moins {n} gain{'s' if n and n > 1 else ''}")))
    when = date.fromisoformat(close["date"]).strftime("%d/%m/%Y") if close.get("date") else ""
    cards = plural(close["open_deals"], "carte|cartes")
    rows.append((f"Clôture « {close.get('title', 'Négociation')} » ({cards}) à 85 %",
                 _status(close, when)))
    rows.append(("Loi de Little", _status(ll, f"WIP/débit ≈ {fr_num(ll.get('predicted_days'), 0)} j vs cycle time "
                                              f"médian {_days(ll['median_cycle_days'])} — {ll.get('verdict')}")))
    rows.append((f"Test de stress ({st['title']})",
                 _status(st, f"{plural(st['wip_now'], 'carte|cartes')} pour un seuil de {fr_num(st.get('threshold'))}"
                             + (" — ALERTE" if st.get("alert") else " — ok"))))
    return rows


def print_summary(m: Json) -> None:
    """The metrics as rich tables."""
    from rich.console import Console
    from rich.table import Table
    console = Console(highlight=False)
    as_of = date.fromisoformat(m["as_of"]).strftime("%d/%m/%Y")
    flow = Table(title=f"Indicateurs de flux au {as_of}", title_justify="left")
    for name in ("Indicateur", "Valeur", "Lecture"):
        flow.add_column(name, justify="right" if name == "Valeur" else "left")
    for row in flow_rows(m):
        flow.add_row(*row)
    cols = Table(title="Colonnes", title_justify="left")
    for name in ("Colonne", "WIP / limite", "Conversion", "Séjour médian"):
        cols.add_column(name)
    for row in column_rows(m):
        cols.add_row(*row)
    fc = Table(title="Prévision à 4 semaines", title_justify="left")
    fc.add_column("Figure")
    fc.add_column("Valeur")
    for row in forecast_rows(m):
        fc.add_row(*row)
    lights = m["negotiation_lights"]["counts"]
    lost = ", ".join(f"{r['label']} {r['count']}" for r in m["lost_reasons"]["reasons"] if r["count"]) or "aucune"
    for table in (flow, cols, fc):
        console.print(table)
    console.print(f"Feux « {m['negotiation_lights']['title']} » : vert {lights['green']} · orange {lights['amber']} · rouge {lights['red']}")
    console.print(f"Raisons de perte : {lost}")
