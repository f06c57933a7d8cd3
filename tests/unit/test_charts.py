"""The symptom chart: where dots land, infusion markers, clinic-time dates, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from followup.protocol import load_protocol
from followup.web.charts import PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, symptom_chart
from followup.web.patient_record import chart_thresholds
from tests.conftest import ROOT

NS = {"svg": "http://www.w3.org/2000/svg"}
CHICAGO = ZoneInfo("America/Chicago")
T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # Mon 5 Jan 2026 09:00 in Chicago (CST)


def parse(svg: str) -> ET.Element:
    """The SVG must be well-formed XML: that alone proves nothing unescaped got in."""
    return ET.fromstring(svg)


def circles(root: ET.Element, series: str | None = None) -> list[ET.Element]:
    found = root.findall(".//svg:circle[@class='point']", NS)
    return [c for c in found if series is None or c.get("data-series") == series]


def xy(element: ET.Element) -> tuple[float, float]:
    return float(element.get("cx", "nan")), float(element.get("cy", "nan"))


def grid_y(root: ET.Element, value: int) -> float:
    [line] = root.findall(f".//svg:line[@class='grid'][@data-value='{value}']", NS)
    return float(line.get("y1", "nan"))


def test_points_land_at_their_time_and_score() -> None:
    day = timedelta(days=1)
    points = [
        (T0, "mood", 0.0),
        (T0 + 2 * day, "mood", 5.0),
        (T0 + 4 * day, "mood", 10.0),
        (T0 + day, "pain", 8.0),
    ]
    root = parse(symptom_chart(points, [], CHICAGO))
    mood = [xy(c) for c in circles(root, "mood")]
    [pain] = [xy(c) for c in circles(root, "pain")]
    assert len(mood) == 3

    # Scores: 0 sits on the 0 grid line, 10 on the 10 line, everything else in proportion.
    zero, ten = grid_y(root, 0), grid_y(root, 10)
    assert (zero, ten) == (PLOT_BOTTOM, PLOT_TOP)
    assert mood[0][1] == pytest.approx(zero)
    assert mood[1][1] == pytest.approx((zero + ten) / 2, abs=0.1)
    assert mood[2][1] == pytest.approx(ten)
    assert pain[1] == pytest.approx(zero + (ten - zero) * 0.8, abs=0.1)

    # Time: equal gaps are equal distances, and the pain answer a day in sits halfway to day 2.
    assert mood[1][0] - mood[0][0] == pytest.approx(mood[2][0] - mood[1][0], abs=0.1)
    assert pain[0] == pytest.approx((mood[0][0] + mood[1][0]) / 2, abs=0.1)
    # Inside the plot, with room at both ends so no dot sits on an axis.
    assert PLOT_LEFT < mood[0][0] < mood[2][0] < PLOT_RIGHT


def test_each_series_has_one_line_through_its_dots_in_its_own_colour() -> None:
    points = [
        (T0 + timedelta(days=i), name, float(i)) for i in range(3) for name in ("mood", "pain")
    ]
    root = parse(symptom_chart(points, [], CHICAGO))
    groups = root.findall(".//svg:g[@class='series']", NS)
    assert [g.get("data-series") for g in groups] == ["mood", "pain"]
    colours = set()
    for group in groups:
        [line] = group.findall("svg:polyline", NS)
        dots = group.findall("svg:circle", NS)
        pairs = [tuple(map(float, pair.split(","))) for pair in line.get("points", "").split()]
        assert pairs == [xy(dot) for dot in dots]
        assert {dot.get("fill") for dot in dots} == {line.get("stroke")}
        colours.add(line.get("stroke"))
    assert len(colours) == 2
    legend = root.find(".//svg:g[@class='legend']", NS)
    assert legend is not None
    assert [t.text for t in legend.findall("svg:text", NS)] == ["mood", "pain"]


def test_infusions_are_marked_where_they_happened_with_a_clinic_time_tooltip() -> None:
    day = timedelta(days=1)
    infusions = [T0, T0 + 2 * day, T0 + 4 * day]
    points = [(when, "mood", 6.0) for when in infusions]
    root = parse(symptom_chart(points, infusions, CHICAGO))
    markers = root.findall(".//svg:g[@class='infusion']", NS)
    assert len(markers) == 3
    dots = [xy(c)[0] for c in circles(root, "mood")]
    for marker, dot_x in zip(markers, dots, strict=True):
        line = marker.find("svg:line", NS)
        assert line is not None and float(line.get("x1", "nan")) == pytest.approx(dot_x)
    first_title = markers[0].find("svg:title", NS)
    assert first_title is not None and first_title.text == "Infusion: Mon 5 Jan 2026 09:00 CST"
    assert "infusion" in [t.text for t in root.findall(".//svg:g[@class='legend']/svg:text", NS)]


def test_dates_on_the_x_axis_are_the_clinic_s_days() -> None:
    # 06:00 UTC on 6 Jan is midnight in Chicago: the "6 Jan" tick must sit exactly there,
    # not at UTC midnight six hours earlier.
    midnight = datetime(2026, 1, 6, 6, 0, tzinfo=UTC)
    points = [(T0, "mood", 5.0), (midnight, "mood", 5.0), (T0 + timedelta(days=2), "mood", 5.0)]
    root = parse(symptom_chart(points, [], CHICAGO))
    labels = {
        t.text: float(t.get("x", "nan")) for t in root.findall(".//svg:text[@class='date']", NS)
    }
    assert {"6 Jan", "7 Jan"} <= set(labels)  # 5 Jan began before the chart does
    assert labels["6 Jan"] == pytest.approx(xy(circles(root)[1])[0], abs=0.1)
    assert "date (America/Chicago)" in [t.text for t in root.iter(f"{{{NS['svg']}}}text")]


def test_a_short_span_without_a_midnight_labels_both_ends_with_times() -> None:
    points = [(T0, "mood", 4.0), (T0 + timedelta(hours=1), "pain", 3.0)]
    root = parse(symptom_chart(points, [], CHICAGO))
    labels = [t.text or "" for t in root.findall(".//svg:text[@class='date']", NS)]
    assert len(labels) == 2 and all("Jan 2026" in label for label in labels)


def test_it_is_an_accessible_image_with_a_title_and_a_summary() -> None:
    points = [(T0, "mood", 3.0), (T0 + timedelta(days=1), "mood", 7.0), (T0, "pain", 6.0)]
    root = parse(symptom_chart(points, [T0], CHICAGO))
    assert root.get("role") == "img" and root.get("viewBox") == "0 0 720 300"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and title.text == "Mood and pain scores over time"
    assert desc is not None and desc.text is not None
    assert set((root.get("aria-labelledby") or "").split()) == {title.get("id"), desc.get("id")}
    assert "mood: 2 answers, lowest 3, highest 7" in desc.text
    assert "pain: 1 answer," in desc.text and "1 infusion marked" in desc.text
    # Every dot says what it is when hovered.
    first_dot_title = circles(root, "mood")[0].find("svg:title", NS)
    assert first_dot_title is not None
    assert first_dot_title.text == "mood 3: Mon 5 Jan 2026 09:00 CST"


def test_text_is_escaped_everywhere() -> None:
    nasty = '<script>alert("x")</script> & co'
    svg = symptom_chart([(T0, nasty, 5.0)], [T0], CHICAGO, title="Chart <b>&</b>")
    assert "<script" not in svg and "<b>" not in svg
    root = parse(svg)
    [dot] = circles(root)
    assert dot.get("data-series") == nasty
    dot_title = dot.find("svg:title", NS)
    assert dot_title is not None and (dot_title.text or "").startswith(nasty)
    title = root.find("svg:title", NS)
    assert title is not None and title.text == "Chart <b>&</b>"


def test_no_answers_gives_a_small_no_answers_yet_image() -> None:
    for infusions in ([], [T0]):
        svg = symptom_chart([], infusions, CHICAGO)
        root = parse(svg)
        assert root.get("role") == "img" and root.get("viewBox") == "0 0 320 48"
        assert [t.text for t in root.findall("svg:text", NS)] == ["no answers yet"]
        assert not circles(root)
    # Scores that are not numbers are left out; with nothing left, the chart is empty too.
    assert "no answers yet" in symptom_chart([(T0, "mood", float("nan"))], [], CHICAGO)


def test_scores_outside_the_scale_are_drawn_at_its_edge() -> None:
    points = [(T0, "mood", -3.0), (T0 + timedelta(days=1), "mood", 42.0)]
    root = parse(symptom_chart(points, [], CHICAGO))
    low, high = (xy(c)[1] for c in circles(root))
    assert (low, high) == (PLOT_BOTTOM, PLOT_TOP)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        symptom_chart([(datetime(2026, 1, 5, 9, 0), "mood", 5.0)], [], CHICAGO)  # noqa: DTZ001


def test_each_charted_score_shows_where_it_raises_an_alert() -> None:
    points = [(T0, "mood", 5.0), (T0 + timedelta(days=1), "mood", 1.0)]
    thresholds = {"mood": ("≤", 2.0), "pain": ("≥", 9.0)}
    root = parse(symptom_chart(points, [], CHICAGO, thresholds=thresholds))
    [mood] = root.findall(".//svg:g[@class='threshold']", NS)  # pain has no answers drawn
    assert mood.get("data-series") == "mood"
    line = mood.find("svg:line", NS)
    assert line is not None
    two, zero, ten = float(line.get("y1", "nan")), grid_y(root, 0), grid_y(root, 10)
    assert two == pytest.approx(zero + (ten - zero) * 0.2, abs=0.1)  # at the score 2
    assert "".join(mood.itertext()).strip() == "mood alert ≤ 2"


def test_the_shipped_protocol_puts_the_mood_and_pain_alerts_on_the_chart() -> None:
    protocol = load_protocol(ROOT / "config" / "protocol.toml")
    assert chart_thresholds(protocol) == {"mood": ("≤", 2), "pain": ("≥", 9)}
