"""Stakeholders' inquiries: logged and answered through the service, each a journal
event; who may; confidentiality; what is refused; the FAQ suggestion's threshold and
window; and the same rows rebuilt on another database from the journal alone."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.helpers.team import team
from warroom.app import open_store
from warroom.changes import Change, collect
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import drafts, incidents, inquiries, stakeholders
from warroom.store import Store
from warroom.store.models import Inquiry, JournalEvent
from warroom.sync.apply import rebuild
from warroom.sync.apply_compare import differences, snapshot


@pytest.fixture
def store(db_path, clock):
    s = open_store(db_path, clock=clock)       # with the shipped templates (updates are composed)
    yield s
    s.close()


@pytest.fixture
def inc(store):
    team(store)
    stakeholders.save(store, "admin", name="Acme Corp", audience="customers", email="ops@acme.example")
    return incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV2",
                                   category="application", components=["Checkout"])


def _events(store, prefix="inquiry.") -> list[tuple[str, str, dict]]:
    with store.read() as session:
        rows = session.scalars(select(JournalEvent).where(JournalEvent.kind.like(prefix + "%"))
                               .order_by(JournalEvent.seq))
        return [(r.kind, r.actor, json.loads(r.payload)) for r in rows]


def _update(store, inc):
    return drafts.compose_drafts(store, "Sam", inc.ref, ["customers"])[0]


def test_log_and_answer_each_write_one_journal_event(store, clock, inc):
    with collect() as seen:
        q = inquiries.add_inquiry(store, "Ravi Shah", inc.ref, "  When will   checkout work again? ",
                                  asked_by="Acme Corp", category="ETA", channel="phone")
    assert seen.flags == Change.INQUIRIES
    assert (q.ref, q.text, q.asked_by, q.stakeholder, q.channel, q.category, q.asked_at, q.answered) == (
        "INC-1/Q1", "When will checkout work again?", "Acme Corp", "Acme Corp", "phone", "eta", clock.now(), False)
    walk_in = inquiries.add_inquiry(store, "Sam", inc.id, "Is card data affected?", asked_by="Jo at Foo GmbH",
                                    category="data", asked_at="10m ago")
    assert walk_in.ref == "INC-1/Q2" and walk_in.stakeholder is None
    assert walk_in.asked_at == clock.now() - timedelta(minutes=10)

    u = _update(store, inc)
    clock.advance(60)
    done = inquiries.answer(store, "Sam", "inc-1/q1", "INC-1/U1")
    assert (done.answered, done.answer, done.answer_id, done.answered_by, done.answered_at) == (
        True, "INC-1/U1", u.id, "Sam", clock.now())
    inquiries.answer(store, "Sam", "INC-1/Q1", u.id)             # the same answer again: nothing new journaled
    assert [k for k, _a, _p in _events(store)] == ["inquiry.added", "inquiry.added", "inquiry.answered"]
    assert [q.ref for q in inquiries.list_inquiries(store, inc.ref, viewer="Vic Viewer", open_only=True)] == [
        "INC-1/Q2"]
    assert [q.ref for q in inquiries.list_inquiries(store, inc.ref, viewer="Vic Viewer", category="eta")] == [
        "INC-1/Q1"]
    again = inquiries.reopen(store, "Dana", "INC-1/Q1")
    assert not again.answered and again.answer is None
    assert _events(store)[-1][0] == "inquiry.reopened"


def test_who_may_log_and_who_may_answer(store, inc):
    with pytest.raises(NotPermitted):
        inquiries.add_inquiry(store, "Vic Viewer", inc.ref, "Any news?", asked_by="Acme Corp", category="eta")
    q = inquiries.add_inquiry(store, "Lea Braun", inc.ref, "Any news?", asked_by="Acme Corp", category="eta")
    u = _update(store, inc)
    for nobody in ("Lea Braun", "Vic Viewer"):    # legal review, viewer
        with pytest.raises(NotPermitted):
            inquiries.answer(store, nobody, q.ref, u.id)
    for composer in ("Ravi Shah", "Mia Lindqvist", "Sam", "Dana"):
        inquiries.reopen(store, composer, q.ref)
        assert inquiries.answer(store, composer, q.ref, u.id).answered_by == composer
    with pytest.raises(NotPermitted):
        inquiries.add_inquiry(store, "Someone Else", inc.ref, "Any news?", asked_by="Acme Corp", category="eta")


def test_a_confidential_incidents_inquiries_are_read_only_by_its_members(store):
    team(store)
    secret = incidents.open_incident(store, "Dana", title="Payroll export leaked", severity="SEV1",
                                     category="security", confidential=True)
    incidents.set_members(store, "Dana", secret.id, add=["Lea Braun"])
    q = inquiries.add_inquiry(store, "Lea Braun", secret.ref, "Were our salaries exposed?", asked_by="Works council",
                              category="data")
    assert [v.ref for v in inquiries.list_inquiries(store, secret.ref, viewer="Lea Braun")] == [q.ref]
    for outsider in ("Sam", "Ravi Shah", "admin", "Vic Viewer"):
        with pytest.raises(NotFound):
            inquiries.list_inquiries(store, secret.ref, viewer=outsider)
        with pytest.raises(NotFound):
            inquiries.get(store, q.ref, viewer=outsider)
        with pytest.raises(NotFound):
            inquiries.suggestions(store, secret.ref, viewer=outsider)
        with pytest.raises(NotFound):
            inquiries.add_inquiry(store, outsider, secret.ref, "Hello?", asked_by="X", category="data")


@pytest.mark.parametrize("kwargs, field, message", [
    ({"text": "   "}, "text", "empty"),
    ({"text": "x" * (inquiries.MAX_TEXT + 1)}, "text", "keep it under"),
    ({"text": "y" * 100_000}, "text", "keep it under"),
    ({"text": "Why?\x1b[2J"}, "text", "control character"),
    ({"asked_by": " "}, "asked_by", "Say who asked"),
    ({"asked_by": "Acme\nCorp"}, "asked_by", "line break"),
    ({"category": "gossip"}, "category", "Unknown category"),
    ({"channel": "carrier pigeon!"}, "channel", "short word"),
    ({"asked_at": "in 2h"}, "asked_at", "future"),
    ({"asked_at": "yesterday-ish"}, "asked_at", "When asked"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(store, inc, kwargs, field, message):
    args = {"text": "When is it fixed?", "asked_by": "Acme Corp", "category": "eta", **kwargs}
    with pytest.raises(InputError, match=message) as caught:
        inquiries.add_inquiry(store, "Dana", inc.ref, args.pop("text"), **args)
    assert caught.value.field == field
    assert _events(store) == []


def test_an_answer_is_an_update_of_the_same_incident(store, inc):
    other = incidents.open_incident(store, "Dana", title="Search slow", severity="SEV3", category="application")
    q = inquiries.add_inquiry(store, "Dana", inc.ref, "Any news?", asked_by="Acme Corp", category="eta")
    elsewhere = drafts.compose_drafts(store, "Sam", other.ref, ["customers"])[0]
    with pytest.raises(InputError, match="another incident") as caught:
        inquiries.answer(store, "Sam", q.ref, elsewhere.id)
    assert caught.value.field == "update"
    for key in ("INC-1/U9", "INC-1/Q9", "INC-7/Q1"):
        with pytest.raises(NotFound):
            inquiries.answer(store, "Sam", key if "Q" in key else q.ref, key if "U" in key else "INC-1/U1")
    assert _events(store, "inquiry.answered") == []


# -- the FAQ suggestion --------------------------------------------------------------------

def _ask(store, clock, inc, category, minutes_apart, n=None):
    for i, gap in enumerate(minutes_apart):
        clock.advance(timedelta(minutes=gap))
        inquiries.add_inquiry(store, "Dana", inc.ref, f"Question {i} about {category}", asked_by="Acme Corp",
                              category=category)


def test_two_questions_in_thirty_minutes_suggest_nothing_three_do(store, clock, inc):
    _ask(store, clock, inc, "eta", [0, 10])
    assert inquiries.suggestions(store, inc.ref, viewer="Sam") == []
    _ask(store, clock, inc, "eta", [15])                 # the third, 25 minutes after the first
    [s] = inquiries.suggestions(store, inc.ref, viewer="Sam")
    assert (s.category, s.count, s.refs) == ("eta", 3, ("INC-1/Q1", "INC-1/Q2", "INC-1/Q3"))
    assert s.text == "3 questions about ETA in 25 minutes — draft a FAQ"
    # Other categories count on their own.
    _ask(store, clock, inc, "billing", [1, 1])
    assert [x.category for x in inquiries.suggestions(store, inc.ref, viewer="Sam")] == ["eta"]


def test_three_questions_spread_over_forty_minutes_suggest_nothing(store, clock, inc):
    _ask(store, clock, inc, "eta", [0, 20, 20])
    assert inquiries.suggestions(store, inc.ref, viewer="Sam") == []
    # Exactly at the window's edge still counts: 0, 15, 30.
    _ask(store, clock, inc, "impact", [1, 15, 15])
    assert [s.category for s in inquiries.suggestions(store, inc.ref, viewer="Sam")] == ["impact"]


def test_the_threshold_and_window_are_settings(store, clock, inc):
    with pytest.raises(NotPermitted):
        inquiries.set_settings(store, "Dana", threshold=2)
    with pytest.raises(InputError) as caught:
        inquiries.set_settings(store, "admin", threshold=1)
    assert caught.value.field == "threshold"
    with pytest.raises(InputError):
        inquiries.set_settings(store, "admin", window=timedelta(seconds=5))
    inquiries.set_settings(store, "admin", threshold=2, window=timedelta(hours=1),
                           categories=["eta", "Refunds", "other"])
    assert inquiries.get_settings(store).categories == ("eta", "refunds", "other")
    _ask(store, clock, inc, "refunds", [0, 50])
    assert [s.count for s in inquiries.suggestions(store, inc.ref, viewer="Sam")] == [2]
    with pytest.raises(InputError, match="Unknown category"):
        inquiries.add_inquiry(store, "Dana", inc.ref, "x", asked_by="A", category="billing")


def test_answered_questions_no_longer_count(store, clock, inc):
    _ask(store, clock, inc, "eta", [0, 5, 5])
    u = _update(store, inc)
    inquiries.answer(store, "Sam", "INC-1/Q2", u.id)
    assert inquiries.suggestions(store, inc.ref, viewer="Sam") == []


def test_the_journal_alone_rebuilds_the_same_rows(store, clock, inc, tmp_path):
    _ask(store, clock, inc, "eta", [0, 5])
    inquiries.add_inquiry(store, "Sam", inc.ref, "Refund?", asked_by="Walk-in", category="billing")
    inquiries.set_settings(store, "admin", threshold=4)
    u = _update(store, inc)
    inquiries.answer(store, "Sam", "INC-1/Q1", u.id)
    inquiries.answer(store, "Sam", "INC-1/Q2", u.id)
    inquiries.reopen(store, "Sam", "INC-1/Q2")
    other = Store.open(tmp_path / "other.db", clock=clock)
    try:
        assert rebuild(store, other) > 10
        with store.read() as session:
            want = snapshot(session)
        with other.read() as session:
            got = snapshot(session)
            rows = session.scalars(select(Inquiry).order_by(Inquiry.created_at)).all()
            assert [(r.category, r.answer_id) for r in rows] == [("eta", u.id), ("eta", None), ("billing", None)]
        assert len(want["inquiry"]) == 3
        assert differences(want, got) == []
        assert [q.stakeholder for q in inquiries.list_inquiries(other, inc.ref, viewer=SYSTEM)] == [
            "Acme Corp", "Acme Corp", None]
        assert inquiries.get_settings(other).threshold == 4
    finally:
        other.close()


# -- the FAQ bulletin ----------------------------------------------------------------------

def test_a_faq_holds_the_questions_asked_and_answers_them_once_drafted(store, clock, inc):
    _ask(store, clock, inc, "eta", [0, 5, 5])
    inquiries.add_inquiry(store, "Dana", inc.ref, "Was card data exposed?", asked_by="Acme Corp", category="data")
    [s] = inquiries.suggestions(store, inc.ref, viewer="Sam")
    d = inquiries.draft_faq(store, "Sam", inc.ref, s.category)
    assert (d.audience, d.state, d.addressee) == ("customers", "draft", None)      # held for review like any update
    for i in range(3):
        assert f"**Question {i} about eta**" in d.long
    assert "card data" not in d.long and "Acme" not in d.long       # other categories and who asked stay out
    assert "When will it be fixed?" in d.long
    listed = inquiries.list_inquiries(store, inc.ref, viewer="Sam")
    assert [(q.ref, q.answer) for q in listed] == [("INC-1/Q1", "INC-1/U1"), ("INC-1/Q2", "INC-1/U1"),
                                                   ("INC-1/Q3", "INC-1/U1"), ("INC-1/Q4", None)]
    assert inquiries.suggestions(store, inc.ref, viewer="Sam") == []
    with pytest.raises(InputError, match="No open questions about eta") as caught:
        inquiries.draft_faq(store, "Sam", inc.ref, "eta")
    assert caught.value.field == "category"


def test_a_faq_in_german_for_employees(store, clock, inc):
    _ask(store, clock, inc, "impact", [0, 1, 1])
    d = inquiries.draft_faq(store, "Sam", inc.ref, "impact", audience="employees", locale="de")
    assert d.locale == "de" and "Häufige Fragen" in d.long and "Question 2 about impact" in d.long


def test_a_faq_nobody_may_compose_writes_nothing(store, clock, inc):
    _ask(store, clock, inc, "eta", [0, 1, 1])
    with pytest.raises(NotPermitted):
        inquiries.draft_faq(store, "Lea Braun", inc.ref, "eta")
    assert drafts.list_drafts(store, inc.ref, viewer="Dana") == []
    assert _events(store, "inquiry.answered") == []
    assert len(inquiries.suggestions(store, inc.ref, viewer="Dana")) == 1


# -- the command line ----------------------------------------------------------------------

def test_the_command_line_logs_lists_answers_and_drafts_a_faq(cli, db_path):
    from tests.helpers.team import team_file

    team_file(db_path)
    assert cli("incident", "open", "Checkout failing", "-s", "SEV2", "--components", "Checkout",
               "--as", "Dana")[0] == 0
    code, out, err = cli("inquiry", "add", "INC-1", "When is checkout back?", "--from", "Acme Corp", "-c", "eta",
                         "--channel", "phone", "--as", "Ravi Shah")
    assert code == 0 and "Logged INC-1/Q1: eta question from Acme Corp (phone)" in out and err == ""
    for text in ("Any ETA?", "How long?"):
        code, out, err = cli("inquiry", "add", "INC-1", text, "--from", "Jo", "-c", "ETA", "--as", "Sam")
    assert code == 0 and "3 questions about ETA in 1 minute — draft a FAQ (inquiry faq INC-1 eta)" in err
    code, out, _ = cli("inquiry", "list", "INC-1", "--json", "--as", "Vic Viewer")
    data = json.loads(out)
    assert [q["ref"] for q in data["inquiries"]] == ["INC-1/Q1", "INC-1/Q2", "INC-1/Q3"]
    assert data["suggestions"][0]["category"] == "eta" and data["suggestions"][0]["count"] == 3
    code, out, err = cli("inquiry", "add", "INC-1", "x", "--from", "Jo", "-c", "gossip", "--as", "Sam")
    assert code == 2 and "Unknown category" in err
    assert cli("inquiry", "add", "INC-1", "x", "--from", "Jo", "-c", "eta", "--as", "Vic Viewer")[0] == 3
    code, out, err = cli("inquiry", "faq", "INC-1", "eta", "--as", "Sam")
    assert code == 0 and "Drafted INC-1/U1, a FAQ for customers holding 3 questions" in out
    code, out, _ = cli("inquiry", "list", "INC-1", "--as", "Sam")
    assert "answered by INC-1/U1" in out and "0 of 3 open." in out and "draft a FAQ" not in out
    assert cli("inquiry", "reopen", "INC-1/Q2", "--as", "Sam")[0] == 0
    code, out, _ = cli("inquiry", "answer", "INC-1/Q2", "INC-1/U1", "--json", "--as", "Sam")
    assert code == 0 and json.loads(out)["answer"] == "INC-1/U1"
    assert cli("inquiry", "answer", "INC-1/Q2", "INC-1/U1", "--as", "Vic Viewer")[0] == 3
    code, out, _ = cli("inquiry", "settings", "--threshold", "5", "--window", "1h", "--as", "admin")
    assert code == 0 and "after 5 questions in one category within 60 minutes" in out
    assert cli("inquiry", "settings", "--threshold", "5", "--as", "Sam")[0] == 3


def test_a_withdrawn_faq_leaves_its_questions_open_and_suggested_again(store, clock, inc):
    from warroom.services import publishing

    _ask(store, clock, inc, "eta", [0, 5, 5])
    faq = inquiries.draft_faq(store, "Sam", inc.ref, "eta")
    assert inquiries.suggestions(store, inc.ref, viewer="Sam") == []
    publishing.withdraw(store, "Dana", faq.id, "Answers changed: a new ETR")
    listed = inquiries.list_inquiries(store, inc.ref, viewer="Sam", open_only=True)
    assert [(q.ref, q.answer, q.answer_state, q.open) for q in listed] == [
        (f"INC-1/Q{i}", "INC-1/U1", "withdrawn", True) for i in (1, 2, 3)]
    assert [s.count for s in inquiries.suggestions(store, inc.ref, viewer="Sam")] == [3]
    with pytest.raises(InputError, match="withdrawn or retracted"):
        inquiries.answer(store, "Sam", "INC-1/Q1", faq.id)
    again = inquiries.draft_faq(store, "Sam", inc.ref, "eta")
    assert {q.answer_id for q in inquiries.list_inquiries(store, inc.ref, viewer="Sam")} == {again.id}


def test_a_faq_holds_the_latest_questions_once_each_and_answers_them_all(store, clock, inc):
    for i in range(2 * inquiries.MAX_FAQ_QUESTIONS):       # every other one the same words
        clock.advance(30)
        text = "When is it back?" if i % 2 else f"Question {i}: " + "why " * 200
        inquiries.add_inquiry(store, "Dana", inc.ref, text, asked_by="Acme", category="eta")
    d = inquiries.draft_faq(store, "Sam", inc.ref, "eta")
    assert d.long.count("When is it back?") == 1
    assert d.long.count("**Question ") == inquiries.MAX_FAQ_QUESTIONS - 1     # and the repeated one once
    assert "Question 0:" not in d.long and "Question 38:" in d.long        # the latest, not the first
    assert max(len(line) for line in d.long.splitlines()) <= inquiries.MAX_FAQ_QUESTION + 4
    assert all(q.answer_id == d.id for q in inquiries.list_inquiries(store, inc.ref, viewer="Sam"))
