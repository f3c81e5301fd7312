"""Sizes from the font (ui/common/sizes.py): a field grows with a larger font instead of
clipping its text, and no size that could clip is written in pixels in ui/."""

from __future__ import annotations

import re
from pathlib import Path

from ui.common import sizes
from ui.qt import QLineEdit

UI = Path(__file__).resolve().parents[3] / "ui"
#: A limit that can cut text off, given as a pixel literal: setMaximumWidth(70), setFixedHeight(96)…
CLIPPING = re.compile(r"\.set(?:Maximum|Fixed)(?:Width|Height|Size)\(\s*\d")


def test_sizes_grow_with_the_font(qapp):
    field = QLineEdit()
    normal_chars, normal_lines = sizes.chars(field, 20), sizes.lines(field, 3)
    font = field.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    field.setFont(font)
    assert sizes.chars(field, 20) > 1.6 * normal_chars
    assert sizes.lines(field, 3) > 1.6 * normal_lines
    assert sizes.chars(field, 0) == 0


def test_no_clipping_size_is_written_in_pixels():
    assert CLIPPING.search("self.region.setMaximumWidth(70)")
    assert not CLIPPING.search("self.region.setMaximumWidth(sizes.chars(self.region, 10))")
    offenders = [f"{path.relative_to(UI.parent)}:{n}: {line.strip()}"
                 for path in sorted(UI.rglob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1) if CLIPPING.search(line)]
    assert offenders == [], "measure these from the font (ui.common.sizes):\n" + "\n".join(offenders)
