"""What a screen reader says of a control: its name, and a description of what it
does or expects.

Qt names most controls itself: a button by its text, a field by its buddy label (the
label of a QFormLayout row is its field's buddy), and it describes a control by its
tooltip. What is left to give is a name where nothing on screen names the control (a
search box with only a placeholder, a table) and a description where no tooltip says
what the control does. A combo box, a spin box or a date field always gets a label on
screen (:func:`label_for`): on Linux a screen reader learns what a combo box is for
only from the label whose buddy it is, never from an accessible name. Names say what a control is
("Timeline entries"), descriptions what it does or expects, in a few words, never the
name again. tests/ui/test_accessibility.py walks every control of the window for both."""

from __future__ import annotations

from typing import TypeVar

from ui.qt import QDialogButtonBox, QFormLayout, QLabel, QTabWidget, QWidget
from ui.i18n import tr as _

W = TypeVar("W", bound=QWidget)

_Role = QDialogButtonBox.ButtonRole


def describe(widget: W, name: str | None = None, description: str | None = None, *, tip: bool = False) -> W:
    """Give ``widget`` its accessible ``name`` and ``description`` (None leaves either as
    it is). ``tip``: the description is the widget's tooltip, for the sighted as well (Qt
    reads a tooltip as the description); else only a screen reader is told it."""
    if name:
        widget.setAccessibleName(name)
    if description:
        if tip:
            widget.setToolTip(description)
        else:
            widget.setAccessibleDescription(description)
    return widget


def label_for(field: QWidget, text: str) -> QLabel:
    """A label on screen that names ``field``: its buddy, so a screen reader reads it as the
    field's name and Alt with its underlined letter (``&``) goes to the field. Lay it out
    beside the field, in the same parent widget: Qt looks for a buddy label only there."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


def add_row(form: QFormLayout, label: str, field: W, description: str, *, tip: bool = False) -> W:
    """A form's row: ``label`` names ``field`` (a row's label is its field's buddy) and
    ``description`` says what it expects (see :func:`describe` for ``tip``)."""
    form.addRow(label, field)
    return describe(field, None, description, tip=tip)


def add_tab(tabs: QTabWidget, page: QWidget, title: str, description: str) -> int:
    """A tab with ``description`` as its tooltip (which Qt reads as the tab's description); its index."""
    index = tabs.addTab(page, title)
    tabs.setTabToolTip(index, description)
    return index


def describe_buttons(box: QDialogButtonBox, accept: str | None = None, reject: str | None = None) -> QDialogButtonBox:
    """The buttons of a dialog's button box: the accepting one (OK, Save, Yes…) says
    ``accept``; the rejecting one says ``reject``, else that Cancel closes without saving
    and Close closes the window. Other buttons are their caller's to describe."""
    for button in box.buttons():
        role = box.buttonRole(button)
        if role in (_Role.AcceptRole, _Role.YesRole, _Role.ApplyRole) and accept:
            describe(button, None, accept)
        elif role in (_Role.RejectRole, _Role.NoRole):
            closes = box.standardButton(button) == QDialogButtonBox.StandardButton.Close
            describe(button, None, reject or (_("Close this window") if closes else _("Close without saving")))
    return box
