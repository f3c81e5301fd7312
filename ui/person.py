"""Who uses the window: choosing a person from the register, and what the window
shows when the person it was started as is not in it (a clear line and the
question, not a traceback and an empty window)."""

from __future__ import annotations

from ui.common.ask import ask_choice
from ui.i18n import tr as _
from ui.qt import QTimer, QWidget

#: Windows asking who is using them right now (asked once, however often they reload).
_asking: set[int] = set()


def ask_name(window: QWidget, names: list[str], current: str) -> str | None:
    """Who is using ``window``: one of ``names`` (``current`` chosen first) or a name
    typed instead, as typed; None when cancelled."""
    return ask_choice(window, "personChooser", _("Who are you?"), _("&Work in War room as:"), names,
                      names.index(current), _("Someone from the people register, or a name typed in"),
                      _("Work in War room as this person"), _("Go on as {name}").format(name=current))


def choose(window) -> None:
    """Ask who is using the window (File > Switch person)."""
    if window.store is None:
        return
    from warroom.services import people

    names = [p.name for p in people.list_people(window.store)]
    if window.actor not in names:
        names.insert(0, window.actor)
    name = " ".join((ask_name(window, names, window.actor) or "").split())
    if name:
        window.set_actor(name)


def not_in_register(window, problem: Exception) -> None:
    """The core refused to show anything to this person: say why, and (in a window a
    person uses) ask who they are once the window is up."""
    window.incident_model.set_incidents([])
    window.header.show_incident(None, None)
    window.header.title.setText(str(problem))
    window.statusBar().showMessage(_("Choose who you are: File > Switch person…"))
    if window.remember_layout and id(window) not in _asking:
        _asking.add(id(window))

        def ask() -> None:
            try:
                choose(window)
            finally:
                _asking.discard(id(window))
        QTimer.singleShot(0, ask)
