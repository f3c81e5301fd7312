"""The retrospective as PDF, drawn with fpdf2 (pure Python: the core never imports Qt).

A4 portrait: the title and the chart first (updates per audience against their due
times, review waits as bars), then each section's headline figures and tables.
Text is set in a Unicode font found on the system (DejaVu Sans, else Arial or
Liberation); without one, the PDF's own Helvetica with what Latin-1 cannot say
replaced, so names and titles in any script never stop the export.
"""

from __future__ import annotations

from pathlib import Path

from warroom import __version__
from warroom.retro.chart import COLOURS, Chart, chart_of
from warroom.retro.figures import Retrospective
from warroom.retro.summary import Section, facts_line, sections, title_line

#: Unicode fonts tried in order: (regular, bold).
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
)

PAGE_W, MARGIN = 210.0, 14.0
CONTENT_W = PAGE_W - 2 * MARGIN
LABEL_W, LANE_H = 38.0, 5.2


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class _Doc:
    """An fpdf document with the font chosen once and text made safe for it."""

    def __init__(self, retro: Retrospective) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.set_auto_page_break(True, margin=MARGIN + 4)
        self.pdf.set_title(f"Retrospective · {title_line(retro)}")
        self.pdf.set_creator(f"War room {__version__}")
        self.unicode = False
        for regular, bold in FONT_CANDIDATES:
            if Path(regular).is_file() and Path(bold).is_file():
                try:
                    self.pdf.add_font("body", "", regular)
                    self.pdf.add_font("body", "B", bold)
                    self.unicode = True
                    break
                except Exception:   # an unreadable font file: try the next
                    continue
        self.family = "body" if self.unicode else "helvetica"
        footer = f"War room {__version__} · computed from the incident's journal"
        doc = self

        def footer_cb() -> None:
            doc.pdf.set_y(-12)
            doc.font(7, colour=COLOURS["muted"])
            doc.pdf.cell(0, 4, doc.safe(f"{footer} · page {doc.pdf.page_no()}/{{nb}}"), align="C")

        self.pdf.footer = footer_cb  # type: ignore[method-assign]
        self.pdf.alias_nb_pages()

    def safe(self, text: str) -> str:
        if self.unicode:
            return text
        return text.replace("→", "->").replace("…", "...").replace("·", "-").replace("—", "-").replace("–", "-") \
            .encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, *, bold: bool = False, colour: str = COLOURS["text"]) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*_rgb(colour))


def render_pdf(retro: Retrospective, first: tuple = ()) -> bytes:
    """``first``: sections printed before the chart and the figures (an exercise's score card)."""
    doc = _Doc(retro)
    pdf = doc.pdf
    pdf.add_page()
    inc = retro.figures["incident"]
    if inc["exercise"]:
        doc.font(9, bold=True, colour="#78350f")
        pdf.set_fill_color(*_rgb("#fde68a"))
        pdf.cell(24, 6, "EXERCISE", fill=True, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    doc.font(15, bold=True)
    pdf.multi_cell(CONTENT_W, 7, doc.safe(f"Retrospective · {title_line(retro)}"), align="L", new_x="LMARGIN",
                   new_y="NEXT")
    doc.font(9, colour=COLOURS["muted"])
    pdf.multi_cell(CONTENT_W, 5, doc.safe(facts_line(retro)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for s in first:
        _section(doc, s)
    _chart(doc, chart_of(retro))
    for s in sections(retro):
        _section(doc, s)
    return bytes(pdf.output())


def _chart(doc: _Doc, chart: Chart) -> None:
    pdf = doc.pdf
    groups = [(name, chart.group_lanes(g)) for name, g in (("Updates per audience", "audience"),
                                                          ("Review waits", "review"))]
    rows = sum(1 + len(lanes) for _n, lanes in groups if lanes)
    height = rows * LANE_H + 12
    if pdf.get_y() + height > pdf.h - MARGIN - 10:
        pdf.add_page()
    top = pdf.get_y()
    left = MARGIN + LABEL_W
    width = CONTENT_W - LABEL_W
    y = top
    lane_y: dict[int, float] = {}
    for name, lanes in groups:
        if not lanes:
            continue
        doc.font(8, bold=True)
        pdf.text(MARGIN, y + LANE_H - 1.5, doc.safe(name))
        y += LANE_H
        for n, i in enumerate(lanes):
            lane_y[i] = y
            if n % 2 == 0:
                pdf.set_fill_color(249, 250, 251)
                pdf.rect(MARGIN, y, CONTENT_W, LANE_H, style="F")
            doc.font(7)
            label = chart.lanes[i].label
            while label and pdf.get_string_width(doc.safe(label)) > LABEL_W - 3:
                label = label[:-2] + "…" if len(label) > 2 else ""
            pdf.text(left - 2 - pdf.get_string_width(doc.safe(label)), y + LANE_H - 1.6, doc.safe(label))
            y += LANE_H
        y += 1.5
    bottom = y
    pdf.set_draw_color(*_rgb(COLOURS["grid"]))
    pdf.set_line_width(0.2)
    doc.font(6.5, colour=COLOURS["muted"])
    for t, label in chart.ticks:
        x = chart.x(t, left, width)
        pdf.line(x, top + LANE_H, x, bottom)
        pdf.text(x - pdf.get_string_width(label) / 2, bottom + 3.5, label)
    for m in chart.marks:
        x0 = chart.x(m.start, left, width)
        x1 = chart.x(m.end, left, width) if m.end is not None else x0
        yy = lane_y[m.lane]
        mid = yy + LANE_H / 2
        pdf.set_fill_color(*_rgb(m.colour))
        pdf.set_draw_color(*_rgb(m.colour))
        if m.kind in ("silence", "overdue"):
            pdf.rect(x0, mid - 0.9, max(x1 - x0, 0.4), 1.8, style="F")
        elif m.kind == "review":
            pdf.rect(x0, yy + 1.2, max(x1 - x0, 0.5), LANE_H - 2.4, style="F")
        elif m.kind == "due":
            pdf.set_line_width(0.45)
            pdf.set_dash_pattern(dash=0.8, gap=0.5)
            pdf.line(x0, yy + 0.6, x0, yy + LANE_H - 0.6)
            pdf.set_dash_pattern()
        elif m.kind == "update":
            pdf.set_draw_color(255, 255, 255)
            pdf.set_line_width(0.3)
            pdf.circle(x=x0, y=mid, radius=1.4, style="DF")
        elif m.kind == "handover":
            pdf.polygon([(x0, yy + 0.5), (x0 + 1.3, mid), (x0, yy + LANE_H - 0.5), (x0 - 1.3, mid)], style="F")
    pdf.set_draw_color(*_rgb(COLOURS["muted"]))
    pdf.set_line_width(0.2)
    pdf.line(left, bottom, left + width, bottom)
    pdf.set_y(bottom + 6)
    _legend(doc, chart)


def _legend(doc: _Doc, chart: Chart) -> None:
    pdf = doc.pdf
    items = [("update", "update published"), ("due", "next update due"), ("silence", "silence"),
             ("overdue", "overdue"), ("approved", "review approved"), ("changes_requested", "changes asked"), ("rejected", "rejected"),
             ("pending", "waiting"), ("overridden", "overridden"), ("handover", "handed over")]
    x, y = MARGIN, pdf.get_y()
    doc.font(7, colour=COLOURS["muted"])
    for key, label in items:
        w = pdf.get_string_width(label) + 8
        if x + w > MARGIN + CONTENT_W:
            x, y = MARGIN, y + 4
        pdf.set_fill_color(*_rgb(COLOURS[key]))
        pdf.rect(x, y - 2.2, 3.2, 2.4, style="F")
        pdf.text(x + 4.2, y, label)
        x += w
    note = "times in UTC"
    if chart.reviews_left_out:
        note = f"{chart.reviews_left_out} shorter review wait(s) not drawn · " + note
    pdf.text(x, y, note) if x + pdf.get_string_width(note) < MARGIN + CONTENT_W else pdf.text(MARGIN, y + 4, note)
    pdf.set_y(y + 8)


def _section(doc: _Doc, s: Section) -> None:
    pdf = doc.pdf
    if pdf.get_y() > pdf.h - MARGIN - 60:     # a heading and its figures stay with the first table
        pdf.add_page()
    pdf.ln(2)
    doc.font(11.5, bold=True)
    pdf.cell(CONTENT_W, 6, doc.safe(s.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*_rgb("#d1d5db"))
    pdf.line(MARGIN, pdf.get_y(), MARGIN + CONTENT_W, pdf.get_y())
    pdf.ln(2)
    if s.headline:
        box_w = (CONTENT_W - 3 * (len(s.headline) - 1)) / len(s.headline)
        y = pdf.get_y()
        for i, (label, value) in enumerate(s.headline):
            x = MARGIN + i * (box_w + 3)
            pdf.set_fill_color(243, 244, 246)
            pdf.rect(x, y, box_w, 12, style="F")
            doc.font(11, bold=True)
            pdf.text(x + 2.5, y + 5.5, doc.safe(value))
            doc.font(7, colour=COLOURS["muted"])
            pdf.text(x + 2.5, y + 9.8, doc.safe(label))
        pdf.set_y(y + 14)
    doc.font(8.5)
    for line in s.lines:
        pdf.multi_cell(CONTENT_W, 4.4, doc.safe(line), new_x="LMARGIN", new_y="NEXT")
    for t in s.tables:
        if not t.rows:
            continue
        pdf.ln(1)
        doc.font(7.5)
        widths = _widths(doc, t.headers, t.rows)
        from fpdf.fonts import FontFace

        with pdf.table(col_widths=widths, width=CONTENT_W, text_align=tuple(
                "RIGHT" if i in t.numeric else "LEFT" for i in range(len(t.headers))),
                headings_style=FontFace(emphasis="BOLD", color=_rgb(COLOURS["muted"])),
                borders_layout="HORIZONTAL_LINES", line_height=4.2, padding=0.8,
                first_row_as_headings=True) as table:
            table.row([doc.safe(h) for h in t.headers])
            for r in t.rows:
                table.row([doc.safe(v) for v in r])
        pdf.ln(1)


def _widths(doc: _Doc, headers, rows) -> tuple[float, ...]:
    """Column widths after what they hold, long text wrapping in the widest."""
    pdf = doc.pdf
    natural = []
    for i, h in enumerate(headers):
        cells = [h] + [r[i] for r in rows]
        natural.append(min(max(pdf.get_string_width(doc.safe(c)) for c in cells) + 3, CONTENT_W * 0.6))
    natural = [max(w, 8.0) for w in natural]
    if sum(natural) <= CONTENT_W:
        return tuple(w * CONTENT_W / sum(natural) for w in natural)
    # Too wide: the narrow columns keep their width (a word such as "result" is never
    # broken) and the wide ones share what is left, so their long text wraps.
    narrow = [False] * len(natural)
    while True:
        room = CONTENT_W - sum(w for w, n in zip(natural, narrow) if n)
        wide = [i for i, n in enumerate(narrow) if not n]
        fair = room / len(wide) if wide else 0
        more = [i for i in wide if natural[i] <= fair]
        if not more or len(more) == len(wide):
            break
        for i in more:
            narrow[i] = True
    total = sum(natural[i] for i in wide) or 1.0
    return tuple(w if narrow[i] else natural[i] * room / total for i, w in enumerate(natural))
