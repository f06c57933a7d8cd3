"""Server-side SVG charts for staff pages: pure functions, no I/O, no JavaScript.

The chart is drawn on the server so the patient page works offline, prints, and needs no
script (the pages send none). Every piece of text that reaches the SVG is escaped here,
because the caller inserts the result into the page as markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from html import escape

from followup.core.clock import day_start, require_aware

__all__ = [
    "HEIGHT",
    "PLOT_BOTTOM",
    "PLOT_LEFT",
    "PLOT_RIGHT",
    "PLOT_TOP",
    "WIDTH",
    "series_colour",
    "symptom_chart",
]

# A fixed coordinate system: the page scales the SVG to its width, so the chart never
# depends on the screen it is shown on.
WIDTH, HEIGHT = 720, 300
PLOT_LEFT, PLOT_RIGHT = 48, 704
PLOT_TOP, PLOT_BOTTOM = 44, 248
SCALE_MIN, SCALE_MAX = 0.0, 10.0
MAX_DATE_TICKS = 8

# Known series first, in this order; mood and pain are the two 0-10 scale questions.
SERIES_ORDER = ("mood", "pain")
_COLOURS = {"mood": "#2f6f8f", "pain": "#c2410c"}
# Dashes as well as colour, so the two lines stay apart for colour-blind readers and in print.
_DASHES = {"mood": "", "pain": "6 4"}
_SPARE_COLOURS = ("#6d28d9", "#047857", "#a16207", "#be185d")
_INFUSION_COLOUR = "#7b8794"
_FONT = 'font-family="system-ui, sans-serif"'
_TITLE_ID = "symptom-chart-title"
_DESC_ID = "symptom-chart-desc"

_XScale = Callable[[datetime], float]
_YScale = Callable[[float], float]


def _e(text: object) -> str:
    """Escape for both XML text and attribute values (quotes included)."""
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    """Coordinates with one decimal: enough for a 720-wide chart, and short."""
    return f"{value:.1f}"


def _score(value: float) -> str:
    """7.0 reads as 7, 7.5 as 7.5."""
    return f"{value:g}"


def _when(moment: datetime, tz: tzinfo) -> str:
    """A full date and time in clinic time, for tooltips: Mon 5 Jan 2026 09:00 CST."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname() or ''}".strip()


def series_colour(name: str, index: int = 0) -> str:
    """The colour a series is drawn in: fixed for mood and pain, a spare one otherwise."""
    return _COLOURS.get(name, _SPARE_COLOURS[index % len(_SPARE_COLOURS)])


def _zone_name(tz: tzinfo, at: datetime) -> str:
    return str(getattr(tz, "key", None) or tz.tzname(at) or "clinic time")


def symptom_chart(
    points: Sequence[tuple[datetime, str, float]],
    infusions: Sequence[datetime],
    tz: tzinfo,
    *,
    title: str = "Mood and pain scores over time",
    thresholds: Mapping[str, tuple[str, float]] | None = None,
) -> str:
    """Scores (0-10) over time as an SVG: one line and dots per series, infusions marked,
    and each drawn series' alert threshold (`thresholds`: name -> ("≤" or "≥", score)).

    `points` are (when answered, series name such as "mood" or "pain", score); `infusions`
    are infusion start times. All datetimes must be aware; dates are shown in `tz` (the
    clinic's zone). Scores outside 0-10 are drawn at the nearest edge; non-finite ones are
    left out. With no points the result is a small "no answers yet" SVG.
    """
    usable = [
        (require_aware(when, "point time"), name, float(value))
        for when, name, value in points
        if math.isfinite(value)
    ]
    marks = sorted(require_aware(when, "infusion time") for when in infusions)
    if not usable:
        return _empty_chart(title)

    times = [when for when, _, _ in usable] + marks
    first, last = min(times), max(times)
    # Pad the time axis so dots at either end are not drawn on top of the y axis.
    pad = max((last - first) / 20, timedelta(hours=6))
    lo, hi = first - pad, last + pad
    span = (hi - lo).total_seconds()

    def x_of(when: datetime) -> float:
        return PLOT_LEFT + (when - lo).total_seconds() / span * (PLOT_RIGHT - PLOT_LEFT)

    def y_of(value: float) -> float:
        clamped = min(max(value, SCALE_MIN), SCALE_MAX)
        share = (clamped - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
        return PLOT_BOTTOM - share * (PLOT_BOTTOM - PLOT_TOP)

    series: dict[str, list[tuple[datetime, float]]] = {}
    for when, name, value in sorted(usable, key=lambda p: p[0]):
        series.setdefault(name, []).append((when, value))
    names = [n for n in SERIES_ORDER if n in series] + sorted(
        n for n in series if n not in SERIES_ORDER
    )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" class="symptom-chart" '
        f'aria-labelledby="{_TITLE_ID} {_DESC_ID}" {_FONT} font-size="12">',
        f'<title id="{_TITLE_ID}">{_e(title)}</title>',
        f'<desc id="{_DESC_ID}">{_e(_summary(names, series, marks, tz))}</desc>',
    ]
    parts += _y_axis(y_of)
    parts += _x_axis(lo, hi, tz, x_of)
    parts += _infusion_markers(marks, tz, x_of)
    for index, name in enumerate(names):
        if thresholds and name in thresholds:
            parts += _threshold(name, index, *thresholds[name], y_of)
    for index, name in enumerate(names):
        parts += _series(name, index, series[name], tz, x_of, y_of)
    parts += _legend(names, bool(marks))
    parts.append("</svg>")
    return "\n".join(parts)


def _empty_chart(title: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 48" width="320" '
        f'role="img" class="symptom-chart empty" aria-labelledby="{_TITLE_ID}" {_FONT}>'
        f'<title id="{_TITLE_ID}">{_e(title)}: no answers yet</title>'
        '<rect x="0.5" y="0.5" width="319" height="47" rx="4" fill="#fff" stroke="#d9e2ec"/>'
        '<text x="160" y="29" text-anchor="middle" fill="#616e7c" font-size="14">'
        "no answers yet</text></svg>"
    )


def _summary(
    names: list[str],
    series: dict[str, list[tuple[datetime, float]]],
    marks: list[datetime],
    tz: tzinfo,
) -> str:
    """The chart in words, for screen readers: per series how many answers, range, latest."""
    sentences = []
    for name in names:
        values = [v for _, v in series[name]]
        latest_when, latest = series[name][-1]
        sentences.append(
            f"{name}: {len(values)} answer{'s' if len(values) != 1 else ''}, "
            f"lowest {_score(min(values))}, highest {_score(max(values))}, "
            f"latest {_score(latest)} on {_when(latest_when, tz)}."
        )
    sentences.append(f"{len(marks)} infusion{'s' if len(marks) != 1 else ''} marked.")
    return " ".join(sentences)


def _y_axis(y_of: _YScale) -> list[str]:
    parts = ['<g class="y-axis" fill="#616e7c">']
    for value in range(int(SCALE_MIN), int(SCALE_MAX) + 1, 2):
        y = _num(y_of(value))
        parts.append(
            f'<line class="grid" data-value="{value}" x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" '
            f'y1="{y}" y2="{y}" stroke="#d9e2ec" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{PLOT_LEFT - 8}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{value}</text>'
        )
    parts.append(
        f'<text x="14" y="{_num((PLOT_TOP + PLOT_BOTTOM) / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_num((PLOT_TOP + PLOT_BOTTOM) / 2)})">score (0-10)</text>'
    )
    parts.append("</g>")
    return parts


def _x_axis(lo: datetime, hi: datetime, tz: tzinfo, x_of: _XScale) -> list[str]:
    parts = [
        '<g class="x-axis" fill="#616e7c">',
        f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM}" '
        'stroke="#616e7c" stroke-width="1"/>',
    ]
    first_day, last_day = lo.astimezone(tz).date(), hi.astimezone(tz).date()
    step = max(1, math.ceil(((last_day - first_day).days + 1) / MAX_DATE_TICKS))
    with_year = first_day.year != last_day.year
    ticks = []
    day = first_day
    while day <= last_day:
        # Local midnight in the clinic's zone: the tick sits where that date begins there.
        midnight = day_start(day, tz)
        if lo <= midnight <= hi:
            ticks.append((midnight, f"{day.day} {day:%b}" + (f" {day.year}" if with_year else "")))
        day += timedelta(days=step)
    if not ticks:
        # Less than a day shown and no midnight inside it: label both ends with the time.
        ticks = [(moment, _when(moment, tz)) for moment in (lo, hi)]
    for moment, label in ticks:
        x = _num(x_of(moment))
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM + 5}" '
            'stroke="#616e7c" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="date" x="{x}" y="{PLOT_BOTTOM + 18}" '
            f'text-anchor="middle">{_e(label)}</text>'
        )
    parts.append(
        f'<text x="{_num((PLOT_LEFT + PLOT_RIGHT) / 2)}" y="{HEIGHT - 10}" '
        f'text-anchor="middle">date ({_e(_zone_name(tz, hi))})</text>'
    )
    parts.append("</g>")
    return parts


def _infusion_markers(marks: list[datetime], tz: tzinfo, x_of: _XScale) -> list[str]:
    parts = []
    for when in marks:
        x = _num(x_of(when))
        parts.append(
            f'<g class="infusion" data-at="{_e(when.isoformat())}">'
            f"<title>Infusion: {_e(_when(when, tz))}</title>"
            # A wide transparent line under the thin one gives the tooltip something to hover.
            f'<line x1="{x}" x2="{x}" y1="{PLOT_TOP}" y2="{PLOT_BOTTOM}" '
            'stroke="transparent" stroke-width="10"/>'
            f'<line x1="{x}" x2="{x}" y1="{PLOT_TOP}" y2="{PLOT_BOTTOM}" '
            f'stroke="{_INFUSION_COLOUR}" stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<path d="M{x} {PLOT_TOP} l-5 -8 h10 z" fill="{_INFUSION_COLOUR}"/>'
            "</g>"
        )
    return parts


def _series(
    name: str,
    index: int,
    values: list[tuple[datetime, float]],
    tz: tzinfo,
    x_of: _XScale,
    y_of: _YScale,
) -> list[str]:
    colour = series_colour(name, index)
    dash = _DASHES.get(name, "")
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    coords = " ".join(f"{_num(x_of(w))},{_num(y_of(v))}" for w, v in values)
    parts = [
        f'<g class="series" data-series="{_e(name)}">',
        f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>',
    ]
    for when, value in values:
        parts.append(
            f'<circle class="point" data-series="{_e(name)}" data-value="{_score(value)}" '
            f'data-at="{_e(when.isoformat())}" cx="{_num(x_of(when))}" cy="{_num(y_of(value))}" '
            f'r="4.5" fill="{colour}" stroke="#fff" stroke-width="1.5">'
            f"<title>{_e(name)} {_score(value)}: {_e(_when(when, tz))}</title></circle>"
        )
    parts.append("</g>")
    return parts


def _threshold(name: str, index: int, sign: str, value: float, y_of: _YScale) -> list[str]:
    """A dashed line where a score raises an alert, labelled, in the series' colour."""
    y = _num(y_of(value))
    label = f"{name} alert {sign} {_score(value)}"
    return [
        f'<g class="threshold" data-series="{_e(name)}" data-value="{_score(value)}">',
        f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y}" y2="{y}" '
        f'stroke="{series_colour(name, index)}" stroke-width="1" stroke-dasharray="2 4"/>',
        f'<text x="{PLOT_RIGHT - 4}" y="{y}" dy="-4" text-anchor="end" '
        f'fill="{series_colour(name, index)}">{_e(label)}</text>',
        "</g>",
    ]


def _legend(names: list[str], with_infusions: bool) -> list[str]:
    parts = ['<g class="legend">']
    x = PLOT_LEFT
    for index, name in enumerate(names):
        colour = series_colour(name, index)
        dash = _DASHES.get(name, "")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" x2="{x + 24}" y1="16" y2="16" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
            f'<circle cx="{x + 12}" cy="16" r="4.5" fill="{colour}"/>'
            f'<text x="{x + 30}" y="16" dominant-baseline="middle" fill="#1f2933">{_e(name)}</text>'
        )
        # Names come from the protocol and may be long; advance by a rough text width.
        x += 30 + 7 * len(name) + 24
    if with_infusions:
        parts.append(
            f'<line x1="{x + 12}" x2="{x + 12}" y1="8" y2="26" stroke="{_INFUSION_COLOUR}" '
            'stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<text x="{x + 20}" y="16" dominant-baseline="middle" fill="#1f2933">infusion</text>'
        )
    parts.append("</g>")
    return parts
