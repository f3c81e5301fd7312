"""Follow-up actions: added, changed, done and reopened through the service, each a
journal event; who may; confidentiality; what is refused; overdue; and the same rows
rebuilt on another database from the journal alone."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.helpers.team import team
from warroom.changes import Change, collect
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import followups, incidents
from warroom.store import Store
from warroom.store.models import Followup, JournalEvent
from warroom.sync.apply import rebuild
from warroom.sync.apply_compare import differences, snapshot

DUE = "2026-12-20"


@pytest.fixture
def inc(store):
    team(store)
    return incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV2",
                                   category="application", components=["Checkout"])


def _events(store, prefix="followup.") -> list[tuple[str, str, dict]]:
    with store.read() as session:
        rows = session.scalars(select(JournalEvent).where(JournalEvent.kind.like(prefix + "%"))
                               .order_by(JournalEvent.seq))
        return [(r.kind, r.actor, json.loads(r.payload)) for r in rows]


def test_add_edit_done_reopen_each_write_one_journal_event(store, clock, inc):
    with collect() as seen:
        f = followups.add_followup(store, "Dana", inc.ref, "  Alert on   expiring certificates ", owner="Ravi Shah",
                                   due=DUE)
    assert seen.flags == Change.FOLLOWUPS
    assert (f.ref, f.text, f.owner, f.due, f.done, f.overdue) == (
        "INC-1/F1", "Alert on expiring certificates", "Ravi Shah", date(2026, 12, 20), False, False)
    second = followups.add_followup(store, "Sam", inc.id, "Runbook for the payment gateway", owner="Sam",
                                    due="14d")
    assert second.ref == "INC-1/F2" and second.due == date(2026, 12, 7)      # 14 days after 23 November

    clock.advance(60)
    edited = followups.edit_followup(store, "Dana", "INC-1/F1", text="Alert 30 days before a certificate expires",
                                     due="2027-01-15")
    assert edited.text == "Alert 30 days before a certificate expires" and edited.due == date(2027, 1, 15)
    assert edited.owner == "Ravi Shah" and edited.updated_at == clock.now()
    # Nothing new said: nothing journaled.
    followups.edit_followup(store, "Dana", "INC-1/F1", owner="Ravi Shah")

    done = followups.mark_done(store, "Ravi Shah", "inc-1/f1")            # the owner closes their own
    assert done.done and done.done_by == "Ravi Shah" and done.done_at == clock.now()
    followups.mark_done(store, "Ravi Shah", "INC-1/F1")                  # already done: nothing more
    again = followups.reopen(store, "Dana", edited.id)
    assert not again.done and again.done_by is None

    kinds = [(k, actor) for k, actor, _ in _events(store)]
    assert kinds == [("followup.added", "Dana"), ("followup.added", "Sam"), ("followup.changed", "Dana"),
                     ("followup.done", "Ravi Shah"), ("followup.reopened", "Dana")]
    changed = _events(store)[2][2]
    assert changed["changes"] == {"text": ["Alert on expiring certificates",
                                           "Alert 30 days before a certificate expires"],
                                  "due": ["2026-12-20", "2027-01-15"]}
    listed = followups.list_followups(store, inc.ref, viewer="Vic Viewer")
    assert [(v.ref, v.done) for v in listed] == [("INC-1/F1", False), ("INC-1/F2", False)]


def test_a_viewer_cannot_add_and_nobody_outside_the_rule_can(store, inc):
    for actor in ("Vic Viewer", "Ravi Shah", "Mia Lindqvist"):
        with pytest.raises(NotPermitted, match="Only ") as caught:
            followups.add_followup(store, actor, inc.ref, "Rotate the keys", owner="Dana", due=DUE)
        assert caught.value.field == "actor" and caught.value.exit_code == 3
    with pytest.raises(NotPermitted, match="not in the people register"):
        followups.add_followup(store, "Stranger", inc.ref, "Rotate the keys", owner="Dana", due=DUE)
    assert _events(store) == []


def test_only_the_owner_or_a_lead_marks_one_done(store, inc):
    f = followups.add_followup(store, "Dana", inc.ref, "Load test the checkout", owner="Ravi Shah", due=DUE)
    for actor in ("Mia Lindqvist", "Vic Viewer", "Lea Braun"):
        with pytest.raises(NotPermitted, match=r"Only the follow-up's owner \(Ravi Shah\)"):
            followups.mark_done(store, actor, f.ref)
    assert not followups.get(store, f.ref, viewer=SYSTEM).done
    followups.mark_done(store, "Sam", f.ref)                # a communications owner may
    with pytest.raises(NotPermitted):
        followups.reopen(store, "Mia Lindqvist", f.ref)
    followups.reopen(store, "Ravi Shah", f.ref)
    # Changing the words is for the commander and communications owners, not the owner.
    with pytest.raises(NotPermitted):
        followups.edit_followup(store, "Ravi Shah", f.ref, text="Load test later")


def test_a_confidential_incidents_follow_ups_are_not_found_by_outsiders(store):
    team(store)
    secret = incidents.open_incident(store, "Dana", title="Payroll export leaked", severity="SEV1",
                                     category="security", confidential=True)
    incidents.set_members(store, "Dana", secret.id, add=["Lea Braun"])
    f = followups.add_followup(store, "Dana", secret.ref, "Notify the works council", owner="Lea Braun", due=DUE)
    assert [v.text for v in followups.list_followups(store, secret.ref, viewer="Lea Braun")] == [f.text]
    for outsider in ("Sam", "Ravi Shah", "admin"):
        with pytest.raises(NotFound):
            followups.list_followups(store, secret.ref, viewer=outsider)
        with pytest.raises(NotFound):
            followups.get(store, f.ref, viewer=outsider)
        with pytest.raises(NotFound):
            followups.mark_done(store, outsider, f.ref)
        assert followups.overdue(store, viewer=outsider) == []
    # Not even the owner sees it once they are no longer a member.
    incidents.set_members(store, "Dana", secret.id, remove=["Lea Braun"])
    with pytest.raises(NotFound):
        followups.list_followups(store, secret.ref, viewer="Lea Braun")


@pytest.mark.parametrize("kwargs, field, message", [
    ({"owner": "Nobody Known"}, "owner", "not in the people register"),
    ({"owner": "  "}, "owner", "needs an owner"),
    ({"owner": "Dana\x1b[2J"}, "owner", "control character"),
    ({"due": "next tuesday"}, "due", "Cannot read the due date"),
    ({"due": "2026-02-30"}, "due", "Cannot read the due date"),
    ({"due": "1999-12-31"}, "due", "not a year"),
    ({"due": ""}, "due", "Give a due date"),
    ({"text": "   "}, "text", "empty"),
    ({"text": "x" * (followups.MAX_TEXT + 1)}, "text", "keep it under"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(store, inc, kwargs, field, message):
    args = {"text": "Rotate the keys", "owner": "Dana", "due": DUE, **kwargs}
    with pytest.raises(InputError, match=message) as caught:
        followups.add_followup(store, "Dana", inc.ref, args.pop("text"), **args)
    assert caught.value.field == field
    assert _events(store) == []
    f = followups.add_followup(store, "Dana", inc.ref, "Rotate the keys", owner="Dana", due=DUE)
    if field != "text":
        with pytest.raises(InputError) as caught:
            followups.edit_followup(store, "Dana", f.ref, **{field: kwargs[field]})
        assert caught.value.field == field


def test_unknown_references_are_not_found(store, inc):
    for key in ("INC-1/F1", "INC-9/F1", "0000000000"):
        with pytest.raises(NotFound):
            followups.mark_done(store, "Dana", key)


def test_a_due_date_past_is_allowed_overdue_and_warned(store, clock, inc):
    late = followups.add_followup(store, "Dana", inc.ref, "Write the customer credit policy", owner="Sam",
                                  due="2026-11-01")
    assert late.overdue and "already passed" in followups.due_warning(late)
    soon = followups.add_followup(store, "Dana", inc.ref, "Review alert thresholds", owner="Sam", due="2026-11-24")
    assert not soon.overdue and followups.due_warning(soon) is None
    assert [v.ref for v in followups.overdue(store, viewer="Sam")] == [late.ref]
    clock.advance(timedelta(days=1))
    assert [v.ref for v in followups.overdue(store, viewer="Sam")] == [late.ref]   # due today is not overdue yet
    clock.advance(timedelta(days=1))
    assert [v.ref for v in followups.overdue(store, viewer="Sam")] == [late.ref, soon.ref]
    followups.mark_done(store, "Sam", late.ref)
    listed = followups.list_followups(store, inc.ref, viewer="Sam")
    assert [(v.ref, v.overdue) for v in listed] == [(late.ref, False), (soon.ref, True)]
    # Read in another's session (the retrospective does): overdue as of the time given.
    with store.read() as session:
        views = followups.list_followups(session, inc.id, viewer="Sam", now=clock.now())
        plain = followups.list_followups(session, inc.id, viewer="Sam")
    assert [v.overdue for v in views] == [False, True] and [v.overdue for v in plain] == [False, False]


def test_the_journal_alone_rebuilds_the_same_rows(store, clock, inc, tmp_path):
    f = followups.add_followup(store, "Dana", inc.ref, "Alert on expiring certificates", owner="Ravi Shah", due=DUE)
    g = followups.add_followup(store, "Sam", inc.ref, "Runbook for the gateway", owner="Sam", due="2026-11-01")
    clock.advance(120)
    followups.edit_followup(store, "Sam", f.ref, owner="Mia Lindqvist", due="2027-02-01", text="Alert early")
    followups.mark_done(store, "Sam", g.ref)
    clock.advance(120)
    followups.mark_done(store, "Mia Lindqvist", f.ref)
    followups.reopen(store, "Dana", f.ref)
    followups.mark_done(store, "Dana", f.ref)
    other = Store.open(tmp_path / "other.db", clock=clock)
    try:
        assert rebuild(store, other) > 10
        with store.read() as session:
            want = snapshot(session)
        with other.read() as session:
            got = snapshot(session)
            rows = session.scalars(select(Followup).order_by(Followup.created_at)).all()
            assert [(r.text, r.owner, r.done_by) for r in rows] == [
                ("Alert early", "Mia Lindqvist", "Dana"), ("Runbook for the gateway", "Sam", "Sam")]
        assert len(want["followup"]) == 2
        assert differences(want, got) == []
        assert [v.ref for v in followups.list_followups(other, inc.ref, viewer=SYSTEM)] == ["INC-1/F1", "INC-1/F2"]
    finally:
        other.close()


# -- the command line ----------------------------------------------------------------------

def test_the_command_line_adds_lists_closes_reopens_and_edits(cli, db_path):
    from tests.helpers.team import team_file

    team_file(db_path)
    assert cli("incident", "open", "Checkout failing", "-s", "SEV2", "--as", "Dana")[0] == 0
    code, out, err = cli("followup", "add", "INC-1", "Alert on expiring certificates", "--owner", "Ravi Shah",
                         "--due", "2026-12-20", "--as", "Dana")
    assert code == 0 and "Added INC-1/F1" in out and err == ""
    code, out, err = cli("followup", "add", "INC-1", "Credit policy for customers", "--owner", "Sam",
                         "--due", "2020-01-31")
    assert code == 0 and "already passed" in err
    code, out, _ = cli("followup", "list", "INC-1")
    lines = out.splitlines()
    assert lines[0].startswith("INC-1/F1") and " open " in lines[0] and "Ravi Shah" in lines[0]
    assert "OVERDUE" in lines[1] and lines[-1] == "1 overdue."
    code, out, _ = cli("followup", "list", "INC-1", "--json")
    data = json.loads(out)
    assert [(d["ref"], d["overdue"], d["due"]) for d in data] == [("INC-1/F1", False, "2026-12-20"),
                                                                 ("INC-1/F2", True, "2020-01-31")]
    assert cli("followup", "done", "INC-1/F2", "--as", "Sam")[0] == 0
    code, out, _ = cli("followup", "done", "inc-1/f1", "--as", "Mia Lindqvist")
    assert code == 3
    assert cli("followup", "reopen", "INC-1/F2", "--as", "Dana")[0] == 0
    code, out, _ = cli("followup", "edit", data[0]["id"][:12], "--owner", "Mia Lindqvist", "--due", "2027-01-10",
                       "--as", "Dana")
    assert code == 0 and "Mia Lindqvist" in out and "2027-01-10" in out
    code, _, err = cli("followup", "add", "INC-1", "Rotate keys", "--owner", "Nobody", "--due", "2026-12-20")
    assert code == 2 and "not in the people register" in err
    code, _, err = cli("followup", "add", "INC-1", "Rotate keys", "--owner", "Sam", "--due", "soonish")
    assert code == 2 and "Cannot read the due date" in err
    code, _, err = cli("followup", "edit", "INC-1/F1")
    assert code == 2 and "--text, --owner or --due" in err
    code, _, err = cli("followup", "done", "INC-1/F9")
    assert code == 2 and "No follow-up INC-1/F9" in err


def test_the_markdown_export_has_a_follow_up_section_with_overdue_ones_marked(store, inc):
    from warroom.services import export

    assert "## Follow-up actions\n\nNone recorded." in export.export_incident(store, inc.ref, "markdown",
                                                                            viewer="Dana")
    f = followups.add_followup(store, "Dana", inc.ref, "Alert on expiring certificates | soon", owner="Ravi Shah",
                               due=DUE)
    late = followups.add_followup(store, "Dana", inc.ref, "Credit policy", owner="Sam", due="2026-11-01")
    done = followups.add_followup(store, "Dana", inc.ref, "Rotate the keys", owner="Sam", due=DUE)
    followups.mark_done(store, "Sam", done.ref)
    text = export.export_incident(store, inc.ref, "markdown", viewer="Vic Viewer")
    section = text.split("## Follow-up actions", 1)[1].split("## Timeline", 1)[0]
    assert f"| {f.ref} | open | 2026-12-20 | Ravi Shah | Alert on expiring certificates \\| soon |" in section
    assert f"| {late.ref} | **overdue** | 2026-11-01 | Sam | Credit policy |" in section
    assert f"| {done.ref} | done 2026-11-23 by Sam | 2026-12-20 | Sam | Rotate the keys |" in section
    doc = json.loads(export.export_incident(store, inc.ref, "json", viewer="Dana"))
    assert [(d["ref"], d["overdue"], d["done"]) for d in doc["followups"]] == [
        (f.ref, False, False), (late.ref, True, False), (done.ref, False, True)]
