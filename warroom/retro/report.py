"""The retrospective as one self-contained HTML file: inline CSS, the chart as inline
SVG, no script and nothing fetched. Rendered from ``retro.html.j2`` (shipped beside
this module) with autoescape on: titles, names and reasons are other people's text."""

from __future__ import annotations

from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined

from warroom import __version__
from warroom.retro.chart import COLOURS, Chart, chart_of
from warroom.retro.figures import Retrospective
from warroom.retro.summary import facts_line, sections, title_line

_env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
_template = _env.from_string(resources.files(__package__).joinpath("retro.html.j2").read_text("utf-8"))

#: The SVG chart's geometry (CSS pixels).
WIDTH, LABEL_W, LANE_H, AXIS_H, PAD = 920, 170, 22, 28, 8


def svg_of(chart: Chart) -> dict[str, Any]:
    """Every shape of the chart with its place, for the template to draw."""
    plot_w = WIDTH - LABEL_W - 2 * PAD - 24      # room for the last time label
    left = LABEL_W + PAD
    audience = chart.group_lanes("audience")
    review = chart.group_lanes("review")
    # A heading row before each group.
    rows: dict[int, float] = {}
    headings = []
    y = PAD
    for name, lanes in (("Updates per audience", audience), ("Review waits", review)):
        if not lanes:
            continue
        headings.append({"y": y + 14, "text": name})
        y += LANE_H
        for i in lanes:
            rows[i] = y
            y += LANE_H
        y += 6
    top, bottom = PAD + LANE_H, y
    height = bottom + AXIS_H
    lanes = [{"y": rows[i], "mid": rows[i] + LANE_H / 2, "label": lane.label, "shade": n % 2 == 0}
             for n, (i, lane) in enumerate(enumerate(chart.lanes))]
    marks = []
    for m in chart.marks:
        x0 = chart.x(m.start, left, plot_w)
        x1 = chart.x(m.end, left, plot_w) if m.end is not None else x0
        y0 = rows[m.lane]
        marks.append({"kind": m.kind, "x": round(x0, 1), "w": round(max(x1 - x0, 1.5), 1), "y": y0,
                      "mid": y0 + LANE_H / 2, "colour": m.colour, "tip": m.tip})
    ticks = [{"x": round(chart.x(t, left, plot_w), 1), "label": label} for t, label in chart.ticks]
    return {"width": WIDTH, "height": height, "left": left, "right": left + plot_w, "top": top, "bottom": bottom,
            "lanes": lanes, "marks": marks, "ticks": ticks, "headings": headings, "lane_h": LANE_H,
            "colours": COLOURS, "left_out": chart.reviews_left_out}


def render_html(retro: Retrospective, first: tuple = ()) -> str:
    """``first``: sections shown first, before the chart and the figures' own (an
    exercise's score card), as the PDF prints them."""
    chart = chart_of(retro)
    return _template.render(
        title=title_line(retro), facts=facts_line(retro), exercise=retro.figures["incident"]["exercise"],
        first=list(first), sections=sections(retro), svg=svg_of(chart), colours=COLOURS, version=__version__)
