"""Flow charts as deterministic SVG (matplotlib, Agg, no dates or random ids in the output)."""
from __future__ import annotations

import io
import zlib
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Sequence

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Json = dict[str, Any]

INK, MUTED, GRID = "#1f2a36", "#5b6773", "#e4e8ed"
BLUE, NAVY, ORANGE, RED, GREEN, AMBER, LOST = "#2f6db5", "#1f3b57", "#e07b00", "#c62828", "#2e8b57", "#f2a900", "#b8c0ca"
COLUMN_FROM, COLUMN_TO = (0.72, 0.82, 0.93), (0.12, 0.30, 0.55)
SIZE = (9.0, 4.8)
MAX_LABELS = 6
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}

RC = {
    "svg.hashsalt": "dealdocs",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.color": INK,
    "axes.labelcolor": MUTED,
    "axes.edgecolor": "#aab3bd",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
    "path.simplify": False,
}

CHARTS = ("cfd", "cycle-time", "throughput", "ageing-wip", "funnel", "forecast")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the C locale's


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib with the Agg backend and the deterministic style, imported lazily."""
    import matplotlib
    matplotlib.use("Agg")
    with matplotlib.rc_context(RC):
        yield


def _figure() -> "Figure":
    from matplotlib.figure import Figure
    return Figure(figsize=SIZE, layout="constrained")


def _svg(fig: "Figure") -> bytes:
    """The figure as SVG bytes, titled, without creation date or creator."""
    buf = io.BytesIO()
    title = fig.get_suptitle() or "dealdocs"
    fig.savefig(buf, format="svg", metadata={"Title": title, "Date": None, "Creator": None, "Format": None, "Type": None})
    return buf.getvalue()


def _titles(fig: "Figure", ax: "Axes", title: str, subtitle: str) -> None:
    """A bold title and a muted one-line reading guide."""
    ax.set_title(subtitle, loc="left", fontsize=9.5, color=MUTED, pad=8)
    fig.suptitle(title, x=0.01, ha="left", fontsize=14, fontweight="bold", color=INK)


def _empty(fig: "Figure", ax: "Axes", message: str) -> None:
    """Say honestly that there is nothing to plot."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=13, color=MUTED, transform=ax.transAxes)


def column_colors(n: int) -> list[tuple[float, float, float]]:
    """A light-to-dark blue ramp, one colour per flow column in board order."""
    if n <= 1:
        return [COLUMN_TO] * n
    return [tuple(a + (b - a) * i / (n - 1) for a, b in zip(COLUMN_FROM, COLUMN_TO)) for i in range(n)]  # type: ignore[misc]


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _labels(language: str) -> dict[str, str]:
    from ..i18n import metric_labels
    return metric_labels(language)


def _num(value: Optional[float], decimals: int = 1, language: str = "fr") -> str:
    from ..metrics import num
    return num(value, decimals, language)


def _pct(value: Any, language: str = "fr") -> str:
    """`40 %` / `40%`."""
    return _labels(language)["percent"].format(n=value)


def _day_month(day: date, language: str = "fr") -> str:
    """`06/10` / `6 Oct`: a short date on an axis or in a subtitle."""
    return f"{day:%d/%m}" if language != "en" else f"{day.day} {MONTHS[day.month - 1]}"


def _full_date(day: date, language: str = "fr") -> str:
    """`24/10/2025` / `2025-10-24`."""
    from ..i18n import short_date
    return short_date(day, language)


def _date_axis(ax: "Axes", first: date, last: date, language: str = "fr") -> None:
    """Monday ticks, at most about 10, labelled dd/mm (`6 Oct` in English)."""
    from matplotlib.dates import DateFormatter, num2date
    start = first - timedelta(days=first.weekday())
    weeks = max(1, (last - start).days // 7 + 1)
    step = max(1, -(-weeks // 10))
    ticks = [start + timedelta(weeks=k) for k in range(0, weeks + 1, step)]
    ax.set_xticks([t for t in ticks if first - timedelta(days=3) <= t <= last + timedelta(days=3)])
    if language != "en":
        ax.xaxis.set_major_formatter(DateFormatter("%d/%m"))
    else:
        ax.xaxis.set_major_formatter(lambda x, _: _day_month(num2date(x).date(), language))


def _flow_titles(metrics: Json) -> list[tuple[str, str]]:
    """(key, title) of the flow columns, in board order."""
    return [(c["column"], c["title"]) for c in metrics["wip"]["columns"]]


# --- the six charts ---------------------------------------------------------------


def cfd_chart(metrics: Json, language: str = "fr") -> bytes:
    """Cumulative flow diagram: won and lost at the bottom, columns stacked in reverse board order."""
    data, t = metrics["cfd"], _labels(language)
    fig = _figure()
    ax = fig.add_subplot()
    _titles(fig, ax, t["cfd_title"], t["cfd_sub"])
    days = [_day(d) for d in data["dates"]]
    if len(days) < 2:
        _empty(fig, ax, t["cfd_empty"])
        return _svg(fig)
    bands = {b["key"]: b for b in data["bands"]}
    flow = [k for k, _ in _flow_titles(metrics)]
    colors = dict(zip(flow, column_colors(len(flow))))
    colors.update(won=GREEN, lost=LOST)
    order = ["won", "lost"] + flow[::-1]
    polys = ax.stackplot(days, *[bands[k]["counts"] for k in order], colors=[colors[k] for k in order],
                         edgecolor="white", linewidth=0.4)
    ax.set_xlim(days[0], days[-1])
    ax.set_ylabel(t["cfd_y"])
    ax.grid(axis="x", visible=False)
    _date_axis(ax, days[0], days[-1], language)
    titles = {k: t[f"band_{k}"] if language != "fr" and k in ("won", "lost") else bands[k]["title"] for k in order}
    ax.legend(polys[::-1], [titles[k] for k in order][::-1], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return _svg(fig)


def cycle_time_chart(metrics: Json, language: str = "fr") -> bytes:
    """Cycle time of each won card by win date, with the median and 85th percentile lines."""
    data, t = metrics["cycle_time"], _labels(language)
    fig = _figure()
    ax = fig.add_subplot()
    _titles(fig, ax, t["cycle_title"], t["cycle_sub"])
    rows = data["cards"]
    if not rows:
        _empty(fig, ax, t["cycle_empty"])
        return _svg(fig)
    xs, ys = [_day(r["won"]) for r in rows], [r["days"] for r in rows]
    p50, p85 = data["median_days"], data["p85_days"]
    ax.scatter(xs, ys, s=46, color=BLUE, edgecolor="white", linewidth=0.8, zorder=3)
    crowded = len(rows) > 40
    slowest = sorted((r for r in rows if r["days"] > p85), key=lambda r: (-r["days"], r["id"]))
    slowest = slowest[:3 if crowded else MAX_LABELS]
    for r in slowest:
        ax.annotate(r["id"], (_day(r["won"]), r["days"]), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=8, color=MUTED)
    first, last = min(xs) - timedelta(days=3), max(xs) + timedelta(days=3)
    for value, color, label in ((p50, NAVY, "cycle_median"), (p85, ORANGE, "cycle_p85")):
        ax.axhline(value, color=color, linestyle="--", linewidth=1.4, zorder=2)
        ax.annotate(t[label].format(value=_num(value, 1, language)),
                    (0.0, value), xycoords=("axes fraction", "data"), xytext=(6, 4), textcoords="offset points",
                    ha="left", va="bottom", color=color, fontsize=9, fontweight="bold", zorder=4,
                    bbox=LABEL_BOX)
    ax.set_xlim(first, last)
    ax.set_ylim(0, max(ys + [p85]) * 1.15 + 1)
    ax.set_ylabel(t["cycle_y"])
    ax.set_xlabel(t["cycle_x"])
    _date_axis(ax, first, last, language)
    return _svg(fig)


def throughput_chart(metrics: Json, language: str = "fr") -> bytes:
    """Weekly wins as a run chart, the last 6 weeks shaded with their mean."""
    data, t = metrics["throughput"], _labels(language)
    fig = _figure()
    ax = fig.add_subplot()
    series = data["series"]
    mean = _num(data["mean"], 1, language)
    _titles(fig, ax, t["tp_title"], t["tp_sub"].format(mean=mean))
    full = [w for w in series if not w["partial"]]
    xs = list(range(len(series)))
    labels = [_day_month(_day(w["start"]), language) for w in series]
    window = {w["week"] for w in data["last_6_weeks"]}
    inside = [i for i, w in enumerate(series) if w["week"] in window]
    if inside:
        ax.axvspan(inside[0] - 0.5, inside[-1] + 0.5, color="#eef3fa", zorder=0)
        ax.text((inside[0] + inside[-1]) / 2, 1.0, t["tp_window"], transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=8.5, color=MUTED)
        ax.hlines(data["mean"], inside[0] - 0.4, inside[-1] + 0.4, colors=ORANGE, linestyles="--", linewidth=1.5,
                  zorder=2, label=t["tp_mean"].format(mean=mean))
    n_full = len(full)
    ax.plot(xs[:n_full], [w["wins"] for w in full], color=BLUE, marker="o", markersize=6, linewidth=2, zorder=3,
            label=t["tp_wins"])
    for i, w in enumerate(full):
        ax.annotate(str(w["wins"]), (i, w["wins"]), xytext=(0, 7), textcoords="offset points", ha="center",
                    fontsize=8.5, color=NAVY)
    if len(series) > n_full:
        now = series[-1]
        ax.plot([xs[-1]], [now["wins"]], marker="o", markersize=6, markerfacecolor="white", color=BLUE,
                linestyle="none", zorder=3, label=t["tp_partial"])
    step = max(1, -(-len(series) // 14))
    ax.set_xticks(xs[::step], labels[::step])
    ax.set_xlim(-0.6, len(series) - 0.4)
    top = max([w["wins"] for w in series] + [1])
    ax.set_ylim(-0.15 * top, top * 1.25 + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(t["tp_y"])
    ax.set_xlabel(t["tp_x"])
    ax.grid(axis="x", visible=False)
    fig.legend(loc="outside lower center", fontsize=8.5, ncols=3)
    return _svg(fig)


def ageing_chart(metrics: Json, language: str = "fr") -> bytes:
    """Each active card as a dot: its column and its days since the last action."""
    data, t = metrics["card_age"], _labels(language)
    fig = _figure()
    ax = fig.add_subplot()
    idle = data["idle_days"]
    _titles(fig, ax, t["age_title"], t["age_sub"].format(idle=idle))
    flow = _flow_titles(metrics)
    colors = column_colors(len(flow))
    keys = [k for k, _ in flow]
    counts = [sum(1 for r in data["cards"] if r["column"] == k) for k in keys]
    points: list[tuple[float, int, str]] = []
    for i, key in enumerate(keys):
        rows = sorted((r for r in data["cards"] if r["column"] == key), key=lambda r: (r["age_days"], r["id"]))
        xs = [i + dx for dx in _spread([r["id"] for r in rows])]
        ys = [r["age_days"] for r in rows]
        late = [y > idle for y in ys]
        ax.scatter(xs, ys, s=70 if len(rows) <= 40 else 30, color=colors[i], zorder=3,
                   edgecolor=[RED if x else NAVY for x in late], linewidth=[1.6 if x else 0.6 for x in late])
        points += [(x, y, r["id"]) for x, y, r, x_late in zip(xs, ys, rows, late) if x_late]
    for x, y, card_id in _to_label(points):
        ax.annotate(card_id, (x, y), xytext=(7, 0), textcoords="offset points", va="center", fontsize=8, color=RED,
                    zorder=4, bbox=LABEL_BOX)
    if not data["cards"]:
        ax.text(0.5, 0.5, t["age_empty"], ha="center", va="center", fontsize=13, color=MUTED,
                transform=ax.transAxes)
    ax.axhline(idle, color=RED, linestyle="--", linewidth=1.2, zorder=2)
    ax.annotate(t["age_idle"].format(idle=idle), (1.0, idle), xycoords=("axes fraction", "data"), xytext=(-4, 4),
                textcoords="offset points", ha="right", va="bottom", color=RED, fontsize=9, fontweight="bold",
                zorder=4, bbox=LABEL_BOX)
    ax.set_xticks(range(len(keys)), [f"{t}\n({n})" for (_, t), n in zip(flow, counts)])
    ax.set_xlim(-0.6, len(keys) - 0.4)
    top = max([r["age_days"] for r in data["cards"]] + [idle])
    ax.set_ylim(-0.5, top * 1.15 + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(t["age_y"])
    ax.grid(axis="x", visible=False)
    return _svg(fig)


def _spread(ids: Sequence[str], width: float = 0.5) -> list[float]:
    """Deterministic horizontal offsets so dots of one column do not overlap: a fan for a few, a jitter for many."""
    n = len(ids)
    if n <= 1:
        return [0.0] * n
    if n > 12:
        return [(zlib.crc32(i.encode("utf-8")) % 1000 / 999 - 0.5) * width for i in ids]
    step = min(0.09, width / (n - 1))
    return [(i - (n - 1) / 2) * step for i in range(n)]


def _to_label(points: list[tuple[float, int, str]]) -> list[tuple[float, int, str]]:
    """The late cards to name: all of them when few, else the oldest of each column."""
    if len(points) <= MAX_LABELS:
        return points
    oldest: dict[int, tuple[float, int, str]] = {}
    for x, y, card_id in sorted(points, key=lambda p: (-p[1], p[2])):
        oldest.setdefault(round(x), (x, y, card_id))
    return list(oldest.values())


def _pick(forms: str, n: float, language: str) -> str:
    from ..i18n import pick
    return pick(forms, n, language)


def funnel_chart(metrics: Json, language: str = "fr") -> bytes:
    """Entries per column as a centred funnel, the share that moved on darker, with the conversion rate."""
    rows, t = metrics["conversion"]["columns"], _labels(language)
    fig = _figure()
    ax = fig.add_subplot()
    _titles(fig, ax, t["funnel_title"], t["funnel_sub"])
    widest = max([r["entered"] for r in rows] + [0])
    if widest == 0:
        _empty(fig, ax, t["funnel_empty"])
        return _svg(fig)
    colors = column_colors(len(rows))
    ys = list(range(len(rows)))[::-1]
    for y, r, color in zip(ys, rows, colors):
        ax.barh(y, r["entered"], left=-r["entered"] / 2, height=0.72, color=color, alpha=0.35, zorder=2)
        ax.barh(y, r["moved_on"], left=-r["moved_on"] / 2, height=0.72, color=color, zorder=3)
        rate = "—" if r["rate"] is None else _pct(_num(r["rate"] * 100, 0, language), language)
        x = widest / 2 + widest * 0.04
        ax.text(x, y + 0.1, rate, va="bottom", ha="left", fontsize=13, fontweight="bold", color=INK)
        entered = f'{r["entered"]} {_pick(t["funnel_entered"], r["entered"], language)}'
        moved = _pick(t["funnel_moved"], r["moved_on"], language).format(moved=r["moved_on"], entered=entered)
        ax.text(x, y + 0.05, moved, va="top", ha="left", fontsize=8.5, color=MUTED)
    ax.set_yticks(ys, [r["title"] for r in rows])
    ax.set_xlim(-widest / 2 - widest * 0.03, widest / 2 + widest * 0.42)
    ax.set_xticks([])
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0, labelsize=10.5, labelcolor=INK)
    return _svg(fig)


def forecast_chart(metrics: Json, language: str = "fr") -> bytes:
    """Monte Carlo distribution of wins over the next 4 weeks, with the confidence levels and the ±2s range."""
    from ..metrics import status_message
    fc, t = metrics["forecast"], _labels(language)
    mc, seed = fc["monte_carlo"], fc["seed_method"]
    fig = _figure()
    ax = fig.add_subplot()
    close = fc["negotiation_close"]
    sub = t["fc_sub"].format(start=_day_month(_day(fc["start"]), language), end=_day_month(_day(fc["end"]), language))
    if close.get("date"):
        sub += t["fc_close"].format(title=close["title"], date=_full_date(_day(close["date"]), language))
    _titles(fig, ax, t["fc_title"], sub)
    if mc["status"] != "ok":
        _empty(fig, ax, status_message(mc, language) or t["fc_empty"])
        return _svg(fig)
    dist = mc["distribution"]
    xs = [d["wins"] for d in dist]
    shares = [100 * d["trials"] / mc["trials"] for d in dist]
    conf = {int(k): v for k, v in mc["confidence"].items()}
    top = max(shares)
    ax.axvspan(seed["low"], seed["high"], color="#eef3fa", zorder=0,
               label=t["fc_guide"].format(expected=_num(seed["expected"], 1, language),
                                          sigma=_num(seed["sigma"], 1, language)))
    ax.bar(xs, shares, width=0.8, color=[BLUE if x >= conf[85] else LOST for x in xs], zorder=2)
    for k, value in enumerate(sorted(set(conf.values()))):
        levels = t["fc_and"].join(_pct(p, language) for p in sorted(conf) if conf[p] == value)
        height = top * (1.08 + 0.2 * (k % 2))
        ax.vlines(value, 0, height, colors=ORANGE, linestyles="--", linewidth=1.3, zorder=3)
        ax.text(value, height, t["fc_level_many" if value > 1 else "fc_level_one"].format(value=value, levels=levels),
                ha="center", va="bottom", fontsize=9,
                fontweight="bold", color=ORANGE, zorder=4,
                bbox=LABEL_BOX)
    ax.set_xticks(xs)
    ax.set_xlim(min(xs) - 1, max(xs) + 1)
    ax.set_ylim(0, top * 1.6)
    ax.set_xlabel(t["fc_x"])
    ax.set_ylabel(t["fc_y"])
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper right", fontsize=8.5)
    ax.yaxis.set_major_formatter(lambda v, _: _pct(f"{v:.0f}", language))
    return _svg(fig)


RENDERERS: dict[str, Callable[[Json, str], bytes]] = {
    "cfd": cfd_chart, "cycle-time": cycle_time_chart, "throughput": throughput_chart,
    "ageing-wip": ageing_chart, "funnel": funnel_chart, "forecast": forecast_chart,
}


def render_charts(metrics: Json, names: Sequence[str] = CHARTS, language: str = "fr") -> dict[str, bytes]:
    """Every chart as `{name}.svg` → SVG bytes, from the metrics.json content, its words in the language."""
    with _style():
        return {f"{name}.svg": RENDERERS[name](metrics, language) for name in names}
