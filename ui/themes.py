"""View > Theme: the desktop's own look, or a light, dark or high-contrast one
(:mod:`ui.common.palette` holds the colours). A choice applies at once, while the
window is open, and is kept for the next start."""

from __future__ import annotations

from ui.common import palette
from ui.i18n import N_
from ui.i18n import tr as _
from ui.qt import QAction, QActionGroup, QApplication, QMenu

#: Each theme's name in the menu.
NAMES = {"system": N_("System theme"), "light": N_("Light"), "dark": N_("Dark"), "contrast": N_("High contrast")}


def start(app, name: str | None = None) -> str:
    """Apply ``name`` (``--theme``), else the person's choice; the desktop's own look is
    left alone. The theme in use."""
    name = name or palette.chosen_theme()
    if name != "system":
        palette.apply_theme(app, name)
    return name


def theme_menu(window, parent_menu) -> QMenu:
    menu = parent_menu.addMenu(_("Th&eme"))
    menu.setObjectName("themeMenu")
    group = QActionGroup(menu)
    for name in palette.THEMES:
        action = QAction(_(NAMES[name]), menu)
        action.setObjectName(f"theme-{name}")
        action.setCheckable(True)
        action.setChecked(name == palette.theme())
        action.setData(name)
        action.triggered.connect(lambda checked=False, name=name: choose(window, name))
        group.addAction(action)
        menu.addAction(action)
    return menu


def choose(window, name: str) -> None:
    """Use theme ``name`` now and from the next start on."""
    palette.choose_theme(name)
    if name == palette.theme():
        return
    from warroom.changes import EVERYTHING

    palette.apply_theme(QApplication.instance(), name)
    window.redraw(EVERYTHING)   # the views made from the theme's colours are made again
    window.statusBar().showMessage(_("Theme: {name}").format(name=_(NAMES[name])), 5_000)
