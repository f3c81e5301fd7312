"""Sizes measured from the font, not written in pixels: a field as wide as so many
characters, a list as tall as so many lines. A desktop with a larger font (or an
accessibility setting) gets fields that grow with their text instead of clipping
it; Qt's scale factor (150%, 200%) scales both alike."""

from __future__ import annotations

import math


def chars(widget, n: float) -> int:
    """``n`` average characters of ``widget``'s font, in device-independent pixels."""
    return math.ceil(n * widget.fontMetrics().averageCharWidth())


def lines(widget, n: float) -> int:
    """``n`` lines of ``widget``'s font, in device-independent pixels."""
    return math.ceil(n * widget.fontMetrics().lineSpacing())
