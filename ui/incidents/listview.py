"""The incident list on the window's left: narrow, so the timeline gets the room."""

from __future__ import annotations

from ui.common.access import describe
from ui.common.tables import fixed_rows
from ui.models import IncidentListModel
from ui.qt import QHeaderView, QTableView
from ui.i18n import tr as _
from ui.common import sizes

#: The list's share of the window's width at start (the user may drag the splitter).
LIST_WIDTH = 300


def incident_table(model: IncidentListModel) -> QTableView:
    """Severity, reference, status and title; how long it is open shows in the header of
    the selected incident, so that column is hidden here."""
    view = QTableView()
    view.setObjectName("incidentList")
    view.setModel(model)
    fixed_rows(view)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    for col, width in ((0, 44), (1, 56), (2, 92), (3, 200), (4, 70)):
        view.setColumnWidth(col, width)
    header.setSectionResizeMode(IncidentListModel.TITLE, QHeaderView.ResizeMode.Stretch)
    view.setColumnHidden(4, True)
    view.setMinimumWidth(sizes.chars(view, 30))
    describe(view, _("Incidents"), _("The incidents you may see: choose one to show it on the right"))
    return view
