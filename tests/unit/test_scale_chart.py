"""The rating-scale chart: bands that cover the axis, totals where they belong, prorated
points marked, unscored ones never drawn as zero, escaping, and the chart in words."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from itertools import pairwise

import pytest

from followup.instruments.records import IN_PROGRESS, STOPPED, Administration
from followup.protocol.instruments import Band
from followup.web.scale_chart import PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, scale_chart
from followup.web.scale_series import by_instrument
from tests.unit.scale_data import (
    CHICAGO,
    EIGHT,
    NINETEEN,
    PHQ9,
    PROTOCOL,
    TWELVE,
    day,
    taken,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
HTML = "<script>alert(1)</script>&\"'"


def chart(
    *given: Administration, infusions: tuple[datetime, ...] = (), key: str = "phq9"
) -> ET.Element:
    """The chart of one instrument, parsed: well-formed XML proves nothing got in unescaped."""
    [scores] = [s for s in by_instrument(PROTOCOL.instruments, given) if s.key == key]
    return ET.fromstring(scale_chart(scores, infusions, CHICAGO))


def points(root: ET.Element) -> list[ET.Element]:
    return [c for c in root.iter(f"{{{NS['svg']}}}circle") if "point" in c.get("class", "")]


def desc(root: ET.Element) -> str:
    found = root.find("svg:desc", NS)
    assert found is not None and found.text
    return found.text


def luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("key", ["phq9", "gad7"])
def test_the_bands_cover_the_axis_edge_to_edge_each_named_and_darker_as_they_worsen(
    key: str,
) -> None:
    instrument = PROTOCOL.instruments[key]
    answers = (1,) * len(instrument.items)
    root = chart(taken(day(2), answers, instrument=key), key=key)
    bands = root.findall(".//svg:g[@class='band']", NS)
    assert [(int(b.get("data-min", "")), int(b.get("data-max", ""))) for b in bands] == [
        (b.min, b.max) for b in instrument.bands
    ]
    stripes = [b.find("svg:rect", NS) for b in bands]
    spans = [(float(r.get("y", "")), float(r.get("height", ""))) for r in stripes if r is not None]
    # From the bottom (0) to the top (the maximum total), each stripe starting where the
    # one below ends: no total falls between two bands.
    assert spans[0][0] + spans[0][1] == pytest.approx(PLOT_BOTTOM, abs=0.1)
    assert spans[-1][0] == pytest.approx(PLOT_TOP, abs=0.1)
    for (lower_y, _), (upper_y, upper_h) in pairwise(spans):
        assert upper_y + upper_h == pytest.approx(lower_y, abs=0.1)
    for band, group in zip(instrument.bands, bands, strict=True):
        words = [t.text for t in group.findall("svg:text", NS)]
        assert words == [band.label["en"], f"{band.min}\u2013{band.max}"]
    # Lightness alone orders them, for print and colour-blind readers.
    fills = [luminance(r.get("fill", "")) for r in stripes if r is not None]
    assert fills == sorted(fills, reverse=True) and len(set(fills)) == len(fills)


def test_totals_land_at_their_height_and_a_band_edge_total_inside_its_band() -> None:
    root = chart(
        taken(day(2), (3,) * 9), taken(day(9), (0,) * 9), taken(day(16), (1, 1, 1, 1, 1) + (0,) * 4)
    )
    top, bottom, five = points(root)
    assert float(top.get("cy", "")) == pytest.approx(PLOT_TOP, abs=0.1)
    assert float(bottom.get("cy", "")) == pytest.approx(PLOT_BOTTOM, abs=0.1)
    # 5 is the first total of "mild": drawn inside the mild stripe, not on its edge.
    mild = root.find(".//svg:g[@data-min='5']/svg:rect", NS)
    assert mild is not None
    y, height = float(mild.get("y", "")), float(mild.get("height", ""))
    assert y < float(five.get("cy", "")) < y + height
    for point in (top, bottom, five):
        assert PLOT_LEFT < float(point.get("cx", "")) < PLOT_RIGHT


def test_a_prorated_total_is_a_hollow_point_whose_tooltip_says_so() -> None:
    root = chart(taken(day(2), NINETEEN), taken(day(9), (None, *TWELVE[1:]), unreadable=[0]))
    complete, prorated = points(root)
    assert "complete" in complete.get("class", "") and complete.get("fill") != "#fff"
    assert "prorated" in prorated.get("class", "") and prorated.get("fill") == "#fff"
    tip = prorated.find("svg:title", NS)
    assert tip is not None and tip.text
    # 2 + ... of the 8 answered, 10, times 9/8 and rounded: 11.
    assert "prorated from 8 of 9 items" in tip.text and "PHQ-9 11, moderate" in tip.text
    assert "Mon 9 Mar 2026 10:00 CDT" in tip.text  # clinic time, after the DST change


def test_stopped_unscored_and_unfinished_are_never_plotted_and_are_named_in_words() -> None:
    stopped = taken(day(5), (1, 2, 0, 1, None, None, None, None, None), status=STOPPED)
    unreadable = taken(day(6), (1, 1, 1, 1, 1, 1, None, None, None), unreadable=[6, 7, 8])
    asking = taken(day(7), (2, 2) + (None,) * 7, status=IN_PROGRESS)
    root = chart(taken(day(2), NINETEEN), stopped, unreadable, asking, taken(day(20), EIGHT))
    assert [p.get("data-total") for p in points(root)] == ["19", "8"]
    [line] = root.findall(".//svg:polyline", NS)
    assert len(line.get("points", "").split()) == 2  # the line skips them too
    words = desc(root)
    assert "Not plotted: stopped after 4 of 9 on 5 Mar" in words
    assert "not scored: 6 of 9 answered, 3 unreadable on 6 Mar" in words
    assert "in progress: 2 of 9 answered on 7 Mar" in words


def test_with_no_total_yet_the_chart_says_so_and_lists_what_was_answered() -> None:
    root = chart(taken(day(5), (1, 2, 0, 1) + (None,) * 5, status=STOPPED))
    assert "empty" in root.get("class", "") and points(root) == []
    assert "stopped after 4 of 9 on 5 Mar" in desc(root)


def test_the_description_says_where_the_series_went_in_words() -> None:
    root = chart(
        taken(day(2), NINETEEN),
        taken(day(9), TWELVE),
        taken(day(20), EIGHT),
        infusions=(day(3), day(5), day(10)),
    )
    words = desc(root)
    assert words.startswith(
        "PHQ-9 went from 19 (moderately severe) on 2 Mar to 8 (mild) on 20 Mar, 3 totals."
    )
    assert "Bands: minimal 0 to 4, mild 5 to 9, moderate 10 to 14" in words
    assert words.endswith("3 infusions marked.")
    title = root.find("svg:title", NS)
    assert title is not None and title.text == "PHQ-9 totals over time"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "scale-chart-phq9-title scale-chart-phq9-desc"


def test_each_series_has_its_own_line_and_its_baseline_ringed() -> None:
    later = ("depression", day(20))
    root = chart(
        taken(day(2), NINETEEN),
        taken(day(9), EIGHT),
        taken(day(21), TWELVE, series=later),
        taken(day(28), EIGHT, series=later),
        infusions=(day(3), day(22)),
    )
    assert len(root.findall(".//svg:polyline", NS)) == 2
    ringed = [int(g.get("data-id", "")) for g in root.findall(".//svg:g[@class='baseline']", NS)]
    first = [int(p.get("data-id", "")) for p in points(root)]
    assert ringed == [first[0], first[2]]
    words = desc(root)
    assert "Series from 1 Mar: PHQ-9 went from 19 (moderately severe) on 2 Mar" in words
    assert "Series from 20 Mar: PHQ-9 went from 12 (moderate) on 21 Mar" in words
    marks = root.findall(".//svg:g[@class='infusion']", NS)
    assert [m.get("data-at") for m in marks] == [day(3).isoformat(), day(22).isoformat()]


def test_every_text_from_the_protocol_is_escaped() -> None:
    odd = PHQ9.model_copy(
        update={
            "name": HTML,
            "bands": [Band(min=0, max=9, label={"en": HTML}), *PHQ9.bands[2:]],
        }
    )
    [scores] = by_instrument({"phq9": odd}, [taken(day(2), EIGHT), taken(day(3), NINETEEN)])
    svg = scale_chart(scores, [day(1)], CHICAGO)
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    title = root.find("svg:title", NS)
    assert title is not None and title.text == f"{HTML} totals over time"
    assert HTML in desc(root)


def test_a_naive_infusion_time_is_refused() -> None:
    [scores, *_] = by_instrument(PROTOCOL.instruments, [taken(day(2), NINETEEN)])
    with pytest.raises(ValueError, match="timezone-aware"):
        scale_chart(scores, [datetime(2026, 3, 1, 9)], CHICAGO)  # noqa: DTZ001
