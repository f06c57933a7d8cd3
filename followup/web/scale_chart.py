"""Server-side SVG chart of one rating scale's totals for one patient: pure, no I/O.

Drawn like the mood chart (`followup.web.charts`): on the server, so the page prints and
needs no script; every text escaped here, because the page inserts the result as markup.
The severity bands are shaded stripes named in words, from light to dark, so they read
without colour (in print, for colour-blind staff). Only administrations with a total are
plotted: one stopped or unscored is never a zero on the chart, it is named in the
description and listed on the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from html import escape

from followup.core.clock import day_start, require_aware
from followup.instruments.records import Administration
from followup.protocol.instruments import Instrument
from followup.web.scale_series import InstrumentScores, result_text, short_day

__all__ = ["PLOT_BOTTOM", "PLOT_LEFT", "PLOT_RIGHT", "PLOT_TOP", "scale_chart"]

# A fixed coordinate system the page scales to its width; the right gutter names the bands.
WIDTH, HEIGHT = 720, 320
PLOT_LEFT, PLOT_RIGHT = 44, 560
PLOT_TOP, PLOT_BOTTOM = 44, 264
GUTTER = PLOT_RIGHT + 12
MAX_DATE_TICKS = 7

# ColorBrewer's YlOrRd, light end: lightness alone orders the bands (greyscale print,
# colour-blind readers), and dark ink on the darkest keeps a contrast above 4.5:1.
_BAND_FILLS = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c")
_INK, _MUTED, _GRID = "#1f2933", "#52606d", "#9aa5b1"
_LINE = "#1d3f6e"
_INFUSION = "#7b8794"
_FONT = 'font-family="system-ui, sans-serif"'

_XScale = Callable[[datetime], float]
_YScale = Callable[[float], float]


def _e(text: object) -> str:
    """Escape for both XML text and attribute values (quotes included)."""
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}"


def _when(moment: datetime, tz: tzinfo) -> str:
    """A full date and time in clinic time, for tooltips: Mon 2 Mar 2026 09:00 CST."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname() or ''}".strip()


def _band_fill(index: int, count: int) -> str:
    """The stripe colour of band `index` of `count`: the most severe always the darkest."""
    if count <= 1:
        return _BAND_FILLS[0]
    return _BAND_FILLS[round(index * (len(_BAND_FILLS) - 1) / (count - 1))]


def scale_chart(scores: InstrumentScores, infusions: Sequence[datetime], tz: tzinfo) -> str:
    """One instrument's totals over time as an SVG, with its bands, infusions and baselines.

    A prorated total is a hollow point; each series' baseline is ringed and labelled;
    each series has its own line. `infusions` are infusion start times (aware); dates
    are shown in `tz`, the clinic's zone.
    """
    instrument, slug = scores.instrument, _e(scores.key)
    scored = [a for a in scores.administrations if a.score.total is not None]
    marks = sorted(require_aware(when, "infusion time") for when in infusions)
    title = f"{instrument.name} totals over time"
    ids = f"scale-chart-{slug}-title scale-chart-{slug}-desc"
    if not scored:
        return _empty(scores.key, title, describe(scores, marks, tz))
    times = [a.taken_at for a in scored] + marks
    first, last = min(times), max(times)
    # Pad the time axis so points at either end are not drawn on the y axis; at least 12 h
    # each side, so the axis always holds a midnight to label.
    pad = max((last - first) / 20, timedelta(hours=12))
    lo, hi = first - pad, last + pad
    span = (hi - lo).total_seconds()

    def x_of(when: datetime) -> float:
        return PLOT_LEFT + (when - lo).total_seconds() / span * (PLOT_RIGHT - PLOT_LEFT)

    def y_of(value: float) -> float:
        clamped = min(max(value, 0.0), float(instrument.max_total))
        return PLOT_BOTTOM - clamped / instrument.max_total * (PLOT_BOTTOM - PLOT_TOP)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" class="scale-chart" data-instrument="{slug}" '
        f'aria-labelledby="{ids}" {_FONT} font-size="12">',
        f'<title id="scale-chart-{slug}-title">{_e(title)}</title>',
        f'<desc id="scale-chart-{slug}-desc">{_e(describe(scores, marks, tz))}</desc>',
    ]
    parts += _bands(instrument, y_of)
    parts += _x_axis(lo, hi, tz, x_of)
    parts += _infusion_marks(marks, tz, x_of)
    for series in scores.series:
        plotted = [a for a in series.administrations if a.score.total is not None]
        parts += _line(instrument, plotted, scores.baselines, tz, x_of, y_of)
    parts += _legend(bool(marks))
    parts.append("</svg>")
    return "\n".join(parts)


def _empty(key: str, title: str, description: str) -> str:
    slug = _e(key)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 48" width="320" '
        f'role="img" class="scale-chart empty" data-instrument="{slug}" '
        f'aria-labelledby="scale-chart-{slug}-title scale-chart-{slug}-desc" {_FONT}>'
        f'<title id="scale-chart-{slug}-title">{_e(title)}: no total yet</title>'
        f'<desc id="scale-chart-{slug}-desc">{_e(description)}</desc>'
        '<rect x="0.5" y="0.5" width="319" height="47" rx="4" fill="#fff" stroke="#d9e2ec"/>'
        f'<text x="160" y="29" text-anchor="middle" fill="{_MUTED}" font-size="14">'
        "no total yet</text></svg>"
    )


def describe(scores: InstrumentScores, marks: Sequence[datetime], tz: tzinfo) -> str:
    """The chart in words, for screen readers: each series' first and last total, what
    was not plotted and why, the bands and the infusions."""
    instrument = scores.instrument
    every = scores.administrations
    years = {a.taken_at.astimezone(tz).year for a in every}
    with_year = len(years) > 1

    def day(moment: datetime) -> str:
        return short_day(moment, tz, with_year)

    def total(a: Administration) -> str:
        band = a.score.band.label_in("en") if a.score.band else ""
        return f"{a.score.total} ({band}) on {day(a.taken_at)}"

    sentences = []
    many = len(scores.series) > 1
    for series in scores.series:
        scored = [a for a in series.administrations if a.score.total is not None]
        lead = ""
        if many:
            lead = (
                f"Series from {day(series.started_at)}: "
                if series.started_at
                else "Outside a series: "
            )
        if len(scored) > 1:
            prorated = sum(a.score.prorated for a in scored)
            sentences.append(
                f"{lead}{instrument.name} went from {total(scored[0])} to {total(scored[-1])}, "
                f"{len(scored)} totals" + (f", {prorated} prorated." if prorated else ".")
            )
        elif scored:
            sentences.append(f"{lead}{instrument.name} was {total(scored[0])}.")
    unplotted = [a for a in every if a.score.total is None]
    if unplotted:
        listed = "; ".join(f"{result_text(a)} on {day(a.taken_at)}" for a in unplotted)
        sentences.append(f"Not plotted: {listed}.")
    bands = ", ".join(f"{b.label_in('en')} {b.min} to {b.max}" for b in instrument.bands)
    sentences.append(f"Bands: {bands}.")
    sentences.append(f"{len(marks)} infusion{'s' if len(marks) != 1 else ''} marked.")
    return " ".join(sentences)


def _bands(instrument: Instrument, y_of: _YScale) -> list[str]:
    """Stripes edge to edge: a band of whole totals min..max spans min-0.5 to max+0.5, so
    a total on a band's edge is drawn inside its band, never on the line between two."""
    parts = ['<g class="bands">']
    count = len(instrument.bands)
    for index, band in enumerate(instrument.bands):
        bottom = y_of(band.min - 0.5 if band.min else 0)
        top = y_of(band.max + 0.5 if band.max < instrument.max_total else band.max)
        label = band.label_in("en")
        middle = (top + bottom) / 2
        parts.append(
            f'<g class="band" data-min="{band.min}" data-max="{band.max}">'
            f'<rect x="{PLOT_LEFT}" y="{_num(top)}" width="{PLOT_RIGHT - PLOT_LEFT}" '
            f'height="{_num(bottom - top)}" fill="{_band_fill(index, count)}"/>'
            f'<rect x="{PLOT_RIGHT}" y="{_num(top)}" width="6" height="{_num(bottom - top)}" '
            f'fill="{_band_fill(index, count)}" stroke="{_GRID}" stroke-width="0.5"/>'
            f'<text x="{GUTTER}" y="{_num(middle)}" dy="-0.2em" fill="{_INK}">{_e(label)}</text>'
            f'<text x="{GUTTER}" y="{_num(middle)}" dy="1em" fill="{_MUTED}" font-size="11">'
            f"{band.min}\u2013{band.max}</text></g>"
        )
        # The band's lowest total on the y axis, and a thin line where the band begins.
        parts.append(
            f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{_num(bottom)}" y2="{_num(bottom)}" '
            f'stroke="{_GRID}" stroke-width="0.5"/>'
            f'<text x="{PLOT_LEFT - 8}" y="{_num(y_of(band.min))}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{_MUTED}">{band.min}</text>'
        )
    parts.append(
        f'<text x="{PLOT_LEFT - 8}" y="{_num(y_of(instrument.max_total))}" text-anchor="end" '
        f'dominant-baseline="middle" fill="{_MUTED}">{instrument.max_total}</text>'
        f'<text x="14" y="{_num((PLOT_TOP + PLOT_BOTTOM) / 2)}" text-anchor="middle" '
        f'fill="{_MUTED}" transform="rotate(-90 14 {_num((PLOT_TOP + PLOT_BOTTOM) / 2)})">'
        f"total (0\u2013{instrument.max_total})</text>"
    )
    parts.append("</g>")
    return parts


def _x_axis(lo: datetime, hi: datetime, tz: tzinfo, x_of: _XScale) -> list[str]:
    parts = [
        f'<g class="x-axis" fill="{_MUTED}">',
        f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM}" '
        f'stroke="{_MUTED}" stroke-width="1"/>',
    ]
    first_day, last_day = lo.astimezone(tz).date(), hi.astimezone(tz).date()
    step = max(1, math.ceil(((last_day - first_day).days + 1) / MAX_DATE_TICKS))
    with_year = first_day.year != last_day.year
    day = first_day
    while day <= last_day:
        # Local midnight in the clinic's zone: the tick sits where that date begins there.
        midnight = day_start(day, tz)
        if lo <= midnight <= hi:
            x = _num(x_of(midnight))
            parts.append(
                f'<line x1="{x}" x2="{x}" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM + 5}" '
                f'stroke="{_MUTED}" stroke-width="1"/>'
                f'<text class="date" x="{x}" y="{PLOT_BOTTOM + 18}" text-anchor="middle">'
                f"{_e(short_day(midnight, tz, with_year))}</text>"
            )
        day += timedelta(days=step)
    zone = str(getattr(tz, "key", None) or tz.tzname(hi) or "clinic time")
    parts.append(
        f'<text x="{_num((PLOT_LEFT + PLOT_RIGHT) / 2)}" y="{HEIGHT - 12}" '
        f'text-anchor="middle">date ({_e(zone)})</text>'
    )
    parts.append("</g>")
    return parts


def _infusion_marks(marks: list[datetime], tz: tzinfo, x_of: _XScale) -> list[str]:
    """Dashed grey lines with a triangle on top, as on the mood chart."""
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
            f'stroke="{_INFUSION}" stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<path d="M{x} {PLOT_TOP} l-5 -8 h10 z" fill="{_INFUSION}"/>'
            "</g>"
        )
    return parts


def _line(
    instrument: Instrument,
    plotted: list[Administration],
    baselines: set[int],
    tz: tzinfo,
    x_of: _XScale,
    y_of: _YScale,
) -> list[str]:
    """One series: its line, a point per total (hollow if prorated), the baseline ringed."""
    if not plotted:
        return []
    xy = [(x_of(a.taken_at), y_of(a.score.total or 0)) for a in plotted]
    parts = [
        '<g class="series">',
        f'<polyline points="{" ".join(f"{_num(x)},{_num(y)}" for x, y in xy)}" fill="none" '
        f'stroke="{_LINE}" stroke-width="2"/>',
    ]
    for a, (x, y) in zip(plotted, xy, strict=True):
        tip = f"{instrument.name} {result_text(a)}: {_when(a.taken_at, tz)}"
        if a.id in baselines:
            tip += "; the series' baseline"
            parts.append(
                f'<g class="baseline" data-id="{a.id}">'
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="9" fill="none" stroke="{_LINE}" '
                'stroke-width="1.5"/>'
                f'<text x="{_num(x)}" y="{_num(y - 13)}" text-anchor="middle" fill="{_INK}" '
                'paint-order="stroke" stroke="#fff" stroke-width="3">baseline</text></g>'
            )
        kind = "prorated" if a.score.prorated else "complete"
        fill = "#fff" if a.score.prorated else _LINE
        parts.append(
            f'<circle class="point {kind}" data-id="{a.id}" data-total="{a.score.total}" '
            f'data-at="{_e(a.taken_at.isoformat())}" cx="{_num(x)}" cy="{_num(y)}" r="5" '
            f'fill="{fill}" stroke="{_LINE}" stroke-width="2"><title>{_e(tip)}</title></circle>'
        )
    parts.append("</g>")
    return parts


def _legend(with_infusions: bool) -> list[str]:
    """What each mark means, in words beside it, along the top."""
    y = 18
    parts = [
        '<g class="legend">',
        f'<line x1="{PLOT_LEFT}" x2="{PLOT_LEFT + 24}" y1="{y}" y2="{y}" stroke="{_LINE}" '
        f'stroke-width="2"/><circle cx="{PLOT_LEFT + 12}" cy="{y}" r="5" fill="{_LINE}"/>'
        f'<text x="{PLOT_LEFT + 30}" y="{y}" dominant-baseline="middle" fill="{_INK}">total</text>',
        f'<circle cx="{PLOT_LEFT + 86}" cy="{y}" r="5" fill="#fff" stroke="{_LINE}" '
        f'stroke-width="2"/><text x="{PLOT_LEFT + 96}" y="{y}" dominant-baseline="middle" '
        f'fill="{_INK}">prorated</text>',
        f'<circle cx="{PLOT_LEFT + 170}" cy="{y}" r="9" fill="none" stroke="{_LINE}" '
        f'stroke-width="1.5"/><text x="{PLOT_LEFT + 184}" y="{y}" dominant-baseline="middle" '
        f'fill="{_INK}">baseline</text>',
    ]
    if with_infusions:
        parts.append(
            f'<line x1="{PLOT_LEFT + 258}" x2="{PLOT_LEFT + 258}" y1="{y - 9}" y2="{y + 9}" '
            f'stroke="{_INFUSION}" stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<text x="{PLOT_LEFT + 266}" y="{y}" dominant-baseline="middle" fill="{_INK}">'
            "infusion</text>"
        )
    parts.append("</g>")
    return parts
