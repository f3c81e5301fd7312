"""The retrospective's Inquiries section, from a scripted incident whose answers are
known: how many questions, by category, the time to answer (to the publish of the
update that answered it), and what is still open, as figures and as text."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers.team import team
from warroom import retro
from warroom.retro.report import render_html
from warroom.retro.summary import text_report
from warroom.services import drafts, incidents, inquiries, publishing, review

MIN = 60


@pytest.fixture
def played(db_path, clock):
    from warroom.app import open_store

    store = open_store(db_path, clock=clock)
    team(store)
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV2", category="application",
                                  components=["Checkout"], customer_facing=True)         # 09:00

    start = clock.now()

    def at(minute: int) -> None:         # the clock to 09:MM
        clock.advance(start + timedelta(minutes=minute) - clock.now())

    def ask(minute: int, category: str) -> str:
        at(minute)
        return inquiries.add_inquiry(store, "Ravi Shah", inc.ref, f"About {category}?", asked_by="Acme",
                                     category=category).ref

    q1, q2, q3 = ask(5, "eta"), ask(10, "eta"), ask(12, "billing")
    at(15)
    u1 = drafts.compose_drafts(store, "Sam", inc.id, ["customers"])[0]
    at(16)
    inquiries.answer(store, "Sam", q1, u1.id)
    inquiries.answer(store, "Sam", q2, u1.id)
    q4 = ask(20, "data")
    at(30)
    review.submit(store, "Dana", u1.id)
    review.override(store, "Dana", u1.id, "Reviewers unreachable at night")
    publishing.publish(store, "Dana", u1.id)                                             # 09:30
    at(40)
    u2 = drafts.compose_drafts(store, "Sam", inc.id, ["employees"])[0]
    inquiries.answer(store, "Sam", q3, u2.id)                                            # never published
    at(50)
    inquiries.answer(store, "Sam", q4, u1.id)                                            # after the publish
    q5 = ask(52, "eta")
    inquiries.answer(store, "Sam", q5, u1.id)
    inquiries.reopen(store, "Sam", q5)                                                   # not answered after all
    at(55)
    yield store, inc
    store.close()


def test_the_inquiries_figures(played):
    store, inc = played
    r = retro.compute(store, inc.ref, viewer="Dana")
    q = r.figures["inquiries"]
    assert (q["count"], q["answered"], q["unanswered"], q["linked_unpublished"]) == (5, 3, 2, 1)
    # Q1 asked 09:05, Q2 09:10, both answered by the update published 09:30; Q4 asked 09:20, linked 09:50.
    assert q["time_to_answer"] == {"median_s": 25 * MIN, "max_s": 30 * MIN}
    assert q["by_category"] == {
        "eta": {"asked": 3, "answered": 2, "open": 1, "median_s": 22.5 * MIN, "max_s": 25 * MIN},
        "billing": {"asked": 1, "answered": 0, "open": 1, "median_s": None, "max_s": None},
        "data": {"asked": 1, "answered": 1, "open": 0, "median_s": 30 * MIN, "max_s": 30 * MIN},
    }
    # The oldest open question (billing, 09:12) has waited until the record's end.
    assert q["oldest_open_s"] == (r.end - r.start).total_seconds() - 12 * MIN


def test_the_section_in_text_and_html(played):
    store, inc = played
    r = retro.compute(store, inc.ref, viewer="Dana")
    text = text_report(r)
    assert "INQUIRIES" in text
    assert "5 questions logged, 3 answered by a published update, 2 unanswered (1 linked to an update not yet " \
           "published)" in " ".join(text.split())
    assert "median time to answer: 25 min" in text
    assert "Inquiries" in render_html(r)


def test_an_incident_without_questions_has_no_section_but_its_figures_say_none(store, clock):
    team(store)
    inc = incidents.open_incident(store, "Dana", title="Quiet", severity="SEV3", category="application")
    r = retro.compute(store, inc.ref, viewer="Dana")
    assert r.figures["inquiries"]["count"] == 0 and r.figures["inquiries"]["time_to_answer"]["median_s"] is None
    assert "INQUIRIES" not in text_report(r)
