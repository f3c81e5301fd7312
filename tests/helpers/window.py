"""Helpers for the window's tests: an incident with an approved update, publishing
and dispatching it, choosing it in the window, and reading what a view shows."""

from __future__ import annotations

import random

from warroom.delivery.dispatcher import Dispatcher
from warroom.services import drafts, incidents, publishing, review
from ui.qt import Qt, QtGui

#: A title written as markup: the window must show these characters, never render them.
HOSTILE = "<font color=green size=6>ALL CLEAR: approved by Legal</font><img src=file:///etc/hosts>"


def shown(text: str, text_format=Qt.TextFormat.AutoText) -> str:
    """What a label or tooltip with this text and format puts on the screen, as text."""
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text))
    if not rich:
        return text
    doc = QtGui.QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def declared(store, *, title="Checkout failing", exercise=False):
    """A customer-facing SEV1, declared by Dana."""
    return incidents.open_incident(store, "Dana", title=title, severity="SEV1", category="application",
                                   components=["Checkout"], customer_facing=True, exercise=exercise)


def approved_draft(store, inc):
    """The customers' update, written by Sam and let go by the commander without its reviews."""
    d = drafts.compose_drafts(store, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(store, "Dana", d.id)
    review.override(store, "Dana", d.id, "Reviewers unreachable at night")
    return d


def publish_update(store, **kwargs):
    """A new incident with its customers' update published: (incident, draft, what was planned)."""
    inc = declared(store, **kwargs)
    d = approved_draft(store, inc)
    planned = publishing.publish(store, "Dana", d.id)
    return inc, d, planned


def dispatch_once(store, clock):
    """One pass of the dispatcher on the test's clock (it sleeps by moving the clock)."""
    return Dispatcher(store, sleep=clock.advance, rate_clock=clock.now, rng=random.Random(7), parallel=False).run_once()


def select_incident(w, inc):
    w.reload_incidents(select=inc.id)
    assert w.current is not None and w.current.id == inc.id


def delivery_rows(view):
    """The Deliveries tab's rows as (channel, state)."""
    m = view.model
    return [(m.index(r, m.CHANNEL).data(), m.index(r, m.STATE).data()) for r in range(m.rowCount())]
