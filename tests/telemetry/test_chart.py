"""The object page's telemetry chart: hourly points over 7 days, rendered as inline SVG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.template.loader import render_to_string

from tests.conftest import SYSTEM
from tests.telemetry.conftest import payload, topic_of
from tournevis.telemetry import queries, services

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def _load(world):
    services.create_device(SYSTEM, {"device_id": "c-1", "service_object_id": world.a.machine.pk})
    at = NOW - timedelta(hours=3)
    messages = [
        # hour 09:xx: 10 and 20; hour 10:xx: 30; hour 11:xx: 40; 8 days ago: outside the chart
        (1, at + timedelta(minutes=5), 10),
        (2, at + timedelta(minutes=35), 20),
        (3, at + timedelta(hours=1, minutes=5), 30),
        (4, at + timedelta(hours=2, minutes=5), 40),
        (5, NOW - timedelta(days=8), 1000),
    ]
    services.ingest(
        [
            services.Inbound(topic_of("c-1"), payload("c-1", seq, when.isoformat(), temp=v))
            for seq, when, v in messages
        ]
    )


def test_hourly_averages_and_the_band_span_the_plot(world):
    _load(world)
    chart = queries.chart(world.a.machine.pk, "temp", now=NOW)
    assert (chart.count, chart.low, chart.high, chart.last, chart.last_at) == (
        4,
        10.0,
        40.0,
        40.0,
        NOW - timedelta(minutes=55),
    )
    ys = [float(point.split(",")[1]) for point in chart.line.split()]
    # averages 15, 30, 40 over the range 10..40 mapped onto the plot's height (top 10, bottom 158)
    assert ys == [133.3, 59.3, 10.0]  # 158 - 148 * 5/30, 158 - 148 * 20/30, top
    assert len(chart.band.split()) == 6


def test_charts_for_an_object_and_the_svg_include(world):
    _load(world)
    charts = queries.charts_for_object(world.a.machine.pk, now=NOW)
    assert [c.metric for c in charts] == ["temp"]
    html = render_to_string("telemetry/_charts.html", {"telemetry_charts": charts})
    assert html.count("<svg") == 1
    assert f'points="{charts[0].line}"' in html
    assert 'data-metric="temp"' in html
    assert queries.charts_for_object(world.b.machine.pk, now=NOW) == []


def test_an_empty_chart_says_so(world):
    empty = queries.chart(world.a.machine.pk, "temp", now=NOW)
    html = render_to_string("telemetry/_charts.html", {"telemetry_charts": [empty]})
    assert "No readings in the last 7 days." in html and "<svg" not in html
