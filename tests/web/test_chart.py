"""The share-over-time chart: accessible SVG, lines where the numbers say."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from intake.web import chart
from intake.web.app import make_environment
from intake.web.figures import SharePoint

TZ = ZoneInfo("Europe/Oslo")
SVG = "{http://www.w3.org/2000/svg}"
DEADLINE = dt.datetime(2020, 7, 1, tzinfo=TZ)
NOW = dt.datetime(2020, 6, 24, 9, tzinfo=TZ)


def points():
    return [SharePoint(dt.datetime(2020, 6, 1, 10, tzinfo=TZ), 0.2, "0001", "A"),
            SharePoint(dt.datetime(2020, 6, 10, 12, tzinfo=TZ), 0.52, "0002", "<b>B</b>")]


def render(pts=None, thresholds=(0.5, 0.55)):
    """The chart through the page's own template environment, parsed as XML."""
    model = chart.share_chart(points() if pts is None else pts, thresholds=thresholds,
                              deadline=DEADLINE, now=NOW, tz=TZ)
    svg = make_environment(TZ).get_template("web/share_chart.html").render(chart=model)
    return svg, ET.fromstring(svg)


def test_chart_has_title_and_description_for_screen_readers():
    _svg, root = render()
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert [ids[i].tag for i in labelled] == [SVG + "title", SVG + "desc"]
    desc = ids[labelled[1]].text
    assert "52\u00a0%" in desc and "50\u00a0%" in desc and "55\u00a0%" in desc and "1. jul 2020" in desc


def test_threshold_lines_sit_at_their_share_and_the_step_line_ends_at_the_latest_share():
    svg, root = render()
    frame = chart.frame_for(points(), (0.5, 0.55), DEADLINE, NOW)
    assert frame.top == pytest.approx(0.7)          # 55 % + headroom, rounded up to 10 %
    dashed = [el for el in root.iter(SVG + "line") if el.get("stroke") in chart.THRESHOLD_COLOURS]
    assert sorted(float(el.get("y1")) for el in dashed) == sorted([frame.y(0.55), frame.y(0.5)])
    path = root.find(SVG + "path").get("d")
    assert f"V{frame.y(0.52)}" in path and path.startswith(f"M{chart.LEFT}")
    labels = [t.text for t in root.iter(SVG + "text")]
    assert "Terskel 50\u00a0%" in labels and "Terskel 55\u00a0%" in labels and "Frist" in labels


def test_deadline_line_is_at_the_deadline():
    _svg, root = render()
    frame = chart.frame_for(points(), (0.5, 0.55), DEADLINE, NOW)
    verticals = [el for el in root.iter(SVG + "line") if el.get("stroke-dasharray") == chart.DEADLINE_DASH]
    assert [float(el.get("x1")) for el in verticals] == [frame.x(DEADLINE)]


def test_an_empty_campaign_still_draws_axes_and_thresholds():
    _svg, root = render(pts=[])
    assert root.find(SVG + "path").get("d").count("V") == 0
    assert "nå: 0\u00a0%" in root.find(SVG + "desc").text


def test_no_script_and_no_inline_style():
    svg, _root = render()
    assert "<script" not in svg and "style=" not in svg


@pytest.mark.parametrize("share, text", [(0.5, "50 %"), (0.5535, "55,4 %"), (0.0, "0 %"), (1, "100 %")])
def test_pct_is_norwegian(share, text):
    assert chart.pct(share) == text.replace(" ", "\u00a0")


def test_ticks_are_readable_dates():
    svg, _root = render()
    assert re.search(r">\d{1,2}\. (jun|jul)<", str(svg))
