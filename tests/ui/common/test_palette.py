"""The window's one palette (ui/common/palette.py): light and dark variants, and no
colour written anywhere else in ui/."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from ui.common import palette
from ui.common.palette import Tone
from ui.qt import QColor, QPalette

UI = Path(__file__).resolve().parents[3] / "ui"
#: ``#c62828``, ``#555``, ``#80c62828``; and a named colour in a style sheet (``color: white``).
HEX = re.compile(r"#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
NAMED = re.compile(r"(?:color|background)\s*:\s*(?!palette\()[a-zA-Z]+\b")


def test_one_palette_with_dark_variants(qapp):
    light, dark = QPalette(), QPalette()
    light.setColor(QPalette.ColorRole.Window, QColor("#f0f0f0"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    assert not palette.is_dark(light) and palette.is_dark(dark)
    assert palette.hex_color(Tone.BAD, light) == "#c62828"
    assert palette.hex_color(Tone.BAD, dark) != "#c62828"
    assert palette.state_tone("retrying") is Tone.WARN and palette.state_tone("nonsense") is Tone.MUTED
    dark.setColor(QPalette.ColorRole.PlaceholderText, QColor("#777777"))
    assert palette.hex_color(Tone.MUTED, dark) == "#777777"   # muted text is the theme's own


def colour_literals(source: str) -> list[tuple[int, str]]:
    """Colours written in a module's strings (comments may speak of colours)."""
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            found += [(tok.start[0], m.group()) for m in HEX.finditer(tok.string)]
            found += [(tok.start[0], m.group()) for m in NAMED.finditer(tok.string)]
    return found


def test_colours_are_written_only_in_the_palette():
    palette_file = UI / "common" / "palette.py"
    assert colour_literals(palette_file.read_text())  # the check finds what it looks for
    assert colour_literals('x = "color:#c62828;"\ny = f"background: white; {z}"\n') == [
        (1, "#c62828"), (2, "background: white")]
    offenders = [f"{path.relative_to(UI.parent)}:{line}: {text}"
                 for path in sorted(UI.rglob("*.py")) if path != palette_file
                 for line, text in colour_literals(path.read_text())]
    assert offenders == [], "colours belong in ui/common/palette.py:\n" + "\n".join(offenders)


def test_every_tone_reads_on_its_theme(qapp):
    """As text, a tone reads at 4.5:1 on its theme's window and fields (WCAG AA), at 7:1
    on the high-contrast black (AAA); text on a tone's chip reads at 4.5:1 too."""
    for name in ("light", "dark", "contrast"):
        made = palette.build_palette(name)
        backgrounds = [made.color(role).name() for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base)]
        wanted = 7.0 if name == "contrast" else 4.5
        index = {"light": palette.LIGHT, "dark": palette.DARK, "contrast": palette.CONTRAST}[name]
        for tone in Tone:
            ink = palette._TONES[tone][index]
            for back in backgrounds:
                assert palette.contrast_ratio(ink, back) >= wanted, (name, tone, ink, back)
        # the window's own words too
        text = made.color(QPalette.ColorRole.WindowText).name()
        assert palette.contrast_ratio(text, backgrounds[0]) >= wanted
    for tone in Tone:
        for ink in palette._TONES[tone]:
            chip = "#000000" if palette.contrast_ratio("#000000", ink) > palette.contrast_ratio("#ffffff", ink) \
                else "#ffffff"
            assert palette.contrast_ratio(chip, ink) >= 4.5
    assert palette.contrast_ratio("#ffffff", "#000000") == 21.0
    assert round(palette.contrast_ratio("#777777", "#ffffff"), 2) == 4.48   # WCAG's own example


def test_text_on_a_chip_is_black_or_white_whichever_reads(qapp):
    light = QPalette()
    light.setColor(QPalette.ColorRole.Window, QColor("#f0f0f0"))
    assert palette.on_tone(Tone.BAD, light) == "#ffffff"       # white on red
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    assert palette.on_tone(Tone.CAUTION, dark) == "#000000"    # black on yellow
    # a chip's style sheet uses that choice for the theme in use
    for tone in (Tone.CAUTION, Tone.BAD, Tone.INFO):
        assert f"color:{palette.on_tone(tone)};" in palette.chip_style(tone).replace(" ", "")
