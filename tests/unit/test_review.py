"""Review: the reviews an update needs, bound to its exact revision, and who may decide."""

from __future__ import annotations

import json

import pytest

from warroom.app import open_store
from warroom.errors import InputError, NotPermitted
from warroom.journal import verify
from warroom.services import drafts, incidents, people, publishing, review, review_rules, reviewers
from warroom.identity import SYSTEM
from tests.helpers.team import team as register_team
from tests.helpers.team import team_file


@pytest.fixture
def team(db_path, clock):
    store = open_store(db_path, clock=clock)
    register_team(store, Sam_Writer="communications_owner")
    yield store
    store.close()


def _draft(store, audience="customers", category="application"):
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1", category=category)
    return drafts.compose_drafts(store, "Sam Writer", inc.id, [audience])[0]


def test_a_customer_update_needs_technical_then_comms(team):
    d = _draft(team)
    asked = review.submit(team, "Dana", d.id)
    assert [r.role.value for r in asked] == ["technical_reviewer", "comms_reviewer"]
    assert review.decide(team, "Ravi Shah", d.id, "approve") == "in_review"
    assert review.decide(team, "Mia Lindqvist", d.id, "approve") == "approved"
    with team.read() as session:
        assert verify(session).ok


def test_a_breach_needs_legal_too(team):
    d = _draft(team, category="security")
    assert [r.role.value for r in review.submit(team, "Dana", d.id)] == [
        "technical_reviewer", "comms_reviewer", "legal_reviewer"]
    review.decide(team, "Ravi Shah", d.id, "approve")
    assert review.decide(team, "Mia Lindqvist", d.id, "approve") == "in_review"
    assert review.decide(team, "Lea Braun", d.id, "approve") == "approved"


def test_an_edit_voids_approvals(team):
    d = _draft(team)
    review.submit(team, "Dana", d.id)
    review.decide(team, "Ravi Shah", d.id, "approve")
    drafts.save_revision(team, "Dana", d.id, subject=d.subject, long=d.long + "\nOne more line.", short=d.short,
                         chat=d.chat)
    live = review.requests(team, d.id, viewer=SYSTEM)
    assert {r.revision for r in live} == {2} and all(r.state == "pending" for r in live)
    assert review.decide(team, "Mia Lindqvist", d.id, "approve") == "in_review"  # Ravi must look again


@pytest.mark.parametrize("who, message", [
    ("Vic Viewer", "cannot decide"),
    ("Lea Braun", "cannot decide"),   # legal is not asked for an application incident
    ("Stranger", "not in the people register"),        # not known at all
])
def test_those_who_may_not_decide_are_refused(team, who, message):
    d = _draft(team)
    review.submit(team, "Dana", d.id)
    with pytest.raises(NotPermitted, match=message):
        review.decide(team, who, d.id, "approve")
    assert all(r.state == "pending" for r in review.requests(team, d.id, viewer=SYSTEM))


def test_nobody_reviews_their_own_words(team):
    d = _draft(team)
    drafts.save_revision(team, "Ravi Shah", d.id, subject=d.subject, long=d.long + "\nRavi's line.",
                         short=d.short, chat=d.chat)
    review.submit(team, "Dana", d.id)
    with pytest.raises(NotPermitted, match="own words"):
        review.decide(team, "Ravi Shah", d.id, "approve")


def test_changes_requested_and_disputes(team):
    d = _draft(team)
    review.submit(team, "Dana", d.id)
    with pytest.raises(InputError, match="comment"):
        review.decide(team, "Ravi Shah", d.id, "request_changes")
    assert review.decide(team, "Ravi Shah", d.id, "approve") == "in_review"
    assert review.decide(team, "Mia Lindqvist", d.id, "reject", comment="Tone is off") == "disputed"


def test_review_from_the_command_line(cli, db_path, clock):
    team_file(db_path, Tess_Tester="incident_commander,communications_owner")
    cli("incident", "open", "Checkout failing", "--severity", "SEV1")
    code, out, _ = cli("update", "new", "INC-1", "--audience", "customers", "--json")
    draft_id = json.loads(out)[0]["id"]
    assert cli("update", "submit", draft_id)[0] == 0
    code, _, err = cli("update", "approve", draft_id, "--as", "Nobody")
    assert code == 3 and "not in the people register" in err
    assert cli("update", "approve", draft_id, "--as", "Ravi Shah")[0] == 0
    code, out, _ = cli("update", "approve", draft_id, "--as", "Mia Lindqvist", "--json")
    assert json.loads(out)["state"] == "approved"
    code, out, _ = cli("draft", "reviews", draft_id)
    assert "Ravi Shah" in out and "Mia Lindqvist" in out


def test_dispute_goes_to_the_commander(team):
    people.save(team, "admin", "Dana", roles="incident_commander")
    d = _draft(team)
    review.submit(team, "Dana", d.id)
    review.decide(team, "Ravi Shah", d.id, "approve")
    review.decide(team, "Mia Lindqvist", d.id, "reject", comment="Too much detail")
    with pytest.raises(NotPermitted, match="settled by Dana"):
        review.decide_dispute(team, "Ravi Shah", d.id, "approve", "I wrote it")
    with pytest.raises(InputError, match="reason"):
        review.decide_dispute(team, "Dana", d.id, "approve", " ")
    assert review.decide_dispute(team, "Dana", d.id, "approve", "Accuracy matters more here") == "approved"


def test_override_publish_and_the_cadence(team, clock):
    from datetime import timedelta

    from warroom.services import publishing, timeline

    people.save(team, "admin", "Dana", roles="incident_commander")
    d = _draft(team)
    review.submit(team, "Dana", d.id)
    with pytest.raises(InputError, match="needs its reviews"):
        publishing.publish(team, "Dana", d.id)
    with pytest.raises(NotPermitted, match=r"Only the incident's commander \(Dana\)"):
        review.override(team, "Mia Lindqvist", d.id, "hurry")
    assert review.override(team, "Dana", d.id, "Reviewers unreachable; customers need to hear now") == "overridden"
    clock.advance(600)
    publishing.publish(team, "Dana", d.id)
    assert drafts.get(team, d.id, viewer=SYSTEM).state == "published"
    inc = incidents.get(team, d.incident_id, viewer=SYSTEM)
    assert inc.last_update_at == clock.now()
    assert inc.next_update_due == clock.now() + timedelta(minutes=30)  # SEV1 cadence restarts
    last = timeline.entries(team, d.incident_id, viewer=SYSTEM)[-1]
    assert last.kind.value == "published" and "OVERRIDE" in last.text
    with team.read() as session:
        assert verify(session).ok


def test_an_unchanged_holding_statement_needs_no_review_once_comms_and_legal_reviewed_its_version(team):
    from warroom.services import templates

    inc = incidents.open_incident(team, "Dana", title="Card data exposure", severity="SEV1", category="security")
    holding = drafts.compose_drafts(team, "Dana", inc.id, ["customers"], phase="holding")[0]
    assert holding.template == "security-customers-holding" and not holding.preapproved
    with pytest.raises(InputError, match="needs its reviews"):  # shipped, but nobody here reviewed it
        publishing.publish(team, "Dana", holding.id)
    with pytest.raises(NotPermitted):
        templates.approve_version(team, "Dana", "security-customers-holding", "en")   # a commander, not a reviewer
    templates.approve_version(team, "Mia Lindqvist", "security-customers-holding", "en")
    with pytest.raises(NotPermitted, match="already"):
        templates.approve_version(team, "Mia Lindqvist", "security-customers-holding", "en")
    assert not templates.get(team, "security-customers-holding", "en").reviewed   # legal has not yet
    templates.approve_version(team, "Lea Braun", "security-customers-holding", "en")
    assert templates.get(team, "security-customers-holding", "en").reviewed
    assert drafts.get(team, holding.id, viewer=SYSTEM).preapproved
    publishing.publish(team, "Dana", holding.id)
    assert drafts.get(team, holding.id, viewer=SYSTEM).state == "published"
    edited = drafts.compose_drafts(team, "Dana", inc.id, ["customers"], phase="holding")[0]
    drafts.save_revision(team, "Dana", edited.id, subject=edited.subject, long=edited.long + " More.")
    with pytest.raises(InputError, match="unchanged"):
        publishing.publish(team, "Dana", edited.id)


def test_a_template_imported_under_a_pre_approved_name_is_a_new_unreviewed_version(team):
    from warroom.services import templates

    name = "security-customers-holding"
    for who in ("Mia Lindqvist", "Lea Braun"):
        templates.approve_version(team, who, name, "en")
    t = templates.get(team, name, "en")
    forged = templates.save(team, "admin", **{**t.as_dict(), "long": "All clear, nothing was taken."})
    assert forged.version == t.version + 1 and not forged.reviewed
    inc = incidents.open_incident(team, "Dana", title="Card data exposure", severity="SEV1", category="security")
    d = drafts.compose_drafts(team, "Dana", inc.id, ["customers"], phase="holding")[0]
    assert d.template_version == forged.version and not d.preapproved
    with pytest.raises(InputError, match="needs its reviews"):
        publishing.publish(team, "Dana", d.id)
    with pytest.raises(NotPermitted):
        templates.approve_version(team, "admin", name, "en")
    with pytest.raises(NotPermitted, match="already"):   # the old version's reviews stay with it
        templates.approve_version(team, "Mia Lindqvist", name, "en", version=t.version)
    for who in ("Mia Lindqvist", "Lea Braun"):   # the new words reviewed on their own
        templates.approve_version(team, who, name, "en")
    publishing.publish(team, "Dana", d.id, acknowledge=True)   # "All clear" promises no next update: a warning
def test_withdraw(team):
    d = _draft(team)
    review.submit(team, "Dana", d.id)
    assert publishing.withdraw(team, "Dana", d.id, "Superseded by the next update") == "withdrawn"
    assert review.requests(team, d.id, viewer=SYSTEM) == []
    with pytest.raises(InputError, match="withdrawn"):
        publishing.withdraw(team, "Dana", d.id, "again")


def test_a_lapsed_review_goes_to_the_backup_then_the_commander(team, clock):
    from datetime import timedelta

    people.save(team, "admin", "Tom Berg", roles="technical_reviewer")
    people.save(team, "admin", "Ravi Shah", backups={"technical_reviewer": "Tom Berg"})
    d = _draft(team)  # SEV1: a 10-minute window; commander Dana
    review.submit(team, "Dana", d.id)
    tech = next(r for r in review.requests(team, d.id, viewer=SYSTEM) if r.role.value == "technical_reviewer")
    assert (tech.assignee, tech.due_at) == ("Ravi Shah", clock.now() + timedelta(minutes=10))
    clock.advance(timedelta(minutes=9))
    assert reviewers.sweep(team) == []
    clock.advance(timedelta(minutes=2))
    moved = reviewers.sweep(team)
    tech = next(r for r in moved if r.role.value == "technical_reviewer")
    assert (tech.assignee, tech.level) == ("Tom Berg", 1)
    comms = next(r for r in moved if r.role.value == "comms_reviewer")
    assert (comms.assignee, comms.level) == ("Dana", 2)  # Mia has no backup: straight to the commander
    clock.advance(timedelta(minutes=11))
    moved = reviewers.sweep(team)
    assert [(r.role.value, r.assignee, r.level) for r in moved] == [("technical_reviewer", "Dana", 2)]
    clock.advance(timedelta(hours=1))
    assert reviewers.sweep(team) == []
    # the commander decides what was handed to them, without holding the review roles
    review.decide(team, "Dana", d.id, "approve")
    assert review.decide(team, "Dana", d.id, "approve") == "approved"
    with team.read() as session:
        from warroom.store.models import JournalEvent

        handed = session.query(JournalEvent).filter(JournalEvent.kind == "review.handed_over").count()
        assert handed == 3 and verify(session).ok


def test_the_reviews_of_an_overridden_update_lapse_without_being_handed_on(team, clock):
    from datetime import timedelta

    d = _draft(team)
    review.submit(team, "Dana", d.id)
    review.override(team, "Dana", d.id, "Customers must hear now")
    clock.advance(timedelta(hours=1))
    assert reviewers.sweep(team) == []
    assert all(r.level == 0 for r in review.requests(team, d.id, viewer=SYSTEM))   # still with whom it was asked


def test_an_unavailable_reviewer_is_skipped(team, clock):

    people.save(team, "admin", "Tom Berg", roles="technical_reviewer")
    people.save(team, "admin", "Ravi Shah", availability="off_duty")
    d = _draft(team)
    review.submit(team, "Dana", d.id)
    tech = next(r for r in review.requests(team, d.id, viewer=SYSTEM) if r.role.value == "technical_reviewer")
    assert tech.assignee == "Tom Berg"


def test_reviews_and_sweep_on_the_command_line(cli, db_path):
    team_file(db_path, Sam_Writer="communications_owner", Ravi_Shah="technical_reviewer,comms_reviewer")
    cli("incident", "open", "Checkout failing", "--severity", "SEV1", "--as", "Dana")
    code, out, _ = cli("update", "new", "INC-1", "--audience", "it", "--json", "--as", "Sam Writer")
    draft_id = json.loads(out)[0]["id"]
    cli("update", "submit", draft_id)
    code, out, _ = cli("update", "reviews", draft_id)
    assert "waiting for Ravi Shah until" in out
    code, out, _ = cli("update", "sweep")
    assert code == 0 and "No review window has lapsed." in out


def test_one_reviewer_cannot_fill_two_roles_or_review_an_earlier_revision_of_theirs(team):
    people.save(team, "admin", "Alex Both", roles="technical_reviewer,comms_reviewer")
    d = _draft(team)
    review.submit(team, "Sam Writer", d.id)
    review.decide(team, "Alex Both", d.id, "approve")
    with pytest.raises(NotPermitted, match="already decided"):
        review.decide(team, "Alex Both", d.id, "approve")
    # someone who wrote an earlier revision is an author too
    d2 = _draft(team)
    drafts.save_revision(team, "Ravi Shah", d2.id, subject=d2.subject, long=d2.long + " x", short=d2.short,
                         chat=d2.chat)
    drafts.save_revision(team, "Sam Writer", d2.id, subject=d2.subject, long=d2.long + " y", short=d2.short,
                         chat=d2.chat)
    review.submit(team, "Sam Writer", d2.id)
    with pytest.raises(NotPermitted, match="own words"):
        review.decide(team, "Ravi Shah", d2.id, "approve")


def test_only_this_incidents_commander_overrides_and_viewers_do_not_publish(team):
    people.save(team, "admin", "Frank Other", roles="incident_commander")
    d = _draft(team)
    with pytest.raises(InputError, match="submitted for review"):
        review.override(team, "Dana", d.id, "too early")
    review.submit(team, "Sam Writer", d.id)
    with pytest.raises(NotPermitted, match=r"Only the incident's commander \(Dana\)"):
        review.override(team, "Frank Other", d.id, "I command another incident")
    review.override(team, "Dana", d.id, "Reviewers unreachable")
    with pytest.raises(NotPermitted, match="may publish an update"):
        publishing.publish(team, "Vic Viewer", d.id)
    publishing.publish(team, "Mia Lindqvist", d.id)
    assert drafts.get(team, d.id, viewer=SYSTEM).state == "published"


def test_the_review_policy_is_stored_and_editable(team, clock):
    from datetime import timedelta

    assert [r.value for r in review_rules.policy(team)["employees"]] == ["technical_reviewer", "comms_reviewer"]
    review_rules.set_policy(team, "admin", "employees", "comms_reviewer")
    review_rules.set_window(team, "admin", "SEV1", timedelta(minutes=3))
    d = _draft(team, audience="employees")
    asked = review.submit(team, "Sam Writer", d.id)
    assert [r.role.value for r in asked] == ["comms_reviewer"]
    assert asked[0].due_at == clock.now() + timedelta(minutes=3)
    with pytest.raises(InputError, match="at least one review"):
        review_rules.set_policy(team, "admin", "employees", "")
    with pytest.raises(InputError, match="Reviews are"):
        review_rules.set_policy(team, "admin", "employees", "viewer")


def test_policy_on_the_command_line(cli):
    code, out, _ = cli("policy", "reviews", "it", "technical_reviewer,comms_reviewer")
    assert code == 0 and "it           technical reviewer, comms reviewer" in out
    code, out, _ = cli("policy", "window", "SEV2", "15m")
    assert code == 0


def test_review_rules_by_severity_and_category_the_most_specific_applies(team):
    from warroom.domain import Category, Severity

    def needs(audience, severity, category):
        inc = incidents.open_incident(team, "Dana", title="Checkout failing", severity=severity, category=category)
        return [r.value for r in review_rules.required_roles(audience, incidents.get(team, inc.id, viewer=SYSTEM), review_rules.policy(team))]

    review_rules.set_policy(team, "admin", "customers", "comms_reviewer", severity="SEV4")
    review_rules.set_policy(team, "admin", "customers", "technical_reviewer", category="network")
    review_rules.set_policy(team, "admin", "customers", "technical_reviewer,comms_reviewer", severity="SEV4",
                      category="network")
    assert needs("customers", "SEV1", "application") == ["technical_reviewer", "comms_reviewer"]   # the audience's
    assert needs("customers", "SEV4", "application") == ["comms_reviewer"]                         # by severity
    assert needs("customers", "SEV1", "network") == ["technical_reviewer"]                          # by category
    assert needs("customers", "SEV4", "network") == ["technical_reviewer", "comms_reviewer"]        # both: it wins
    assert needs("employees", "SEV4", "network") == ["technical_reviewer", "comms_reviewer"]        # other audiences
    # A security incident still needs legal, whatever a rule says.
    review_rules.set_policy(team, "admin", "customers", "comms_reviewer", category=Category.SECURITY)
    assert needs("customers", "SEV2", "security") == ["comms_reviewer", "legal_reviewer"]
    # Submitting asks for what the rule says.
    inc = incidents.open_incident(team, "Dana", title="Mail delayed", severity=Severity.SEV4, category="application")
    d = drafts.compose_drafts(team, "Sam Writer", inc.id, ["customers"])[0]
    assert [r.role.value for r in review.submit(team, "Sam Writer", d.id)] == ["comms_reviewer"]
    # Removing a rule falls back to the next most specific; the audience's own cannot go.
    review_rules.set_policy(team, "admin", "customers", None, severity="SEV4")
    assert needs("customers", "SEV4", "application") == ["technical_reviewer", "comms_reviewer"]
    with pytest.raises(InputError, match="no rule for customers at SEV4"):
        review_rules.set_policy(team, "admin", "customers", None, severity="SEV4")
    with pytest.raises(InputError, match="needs a rule of its own"):
        review_rules.set_policy(team, "admin", "customers", None)
    with pytest.raises(InputError, match="Unknown severity"):
        review_rules.set_policy(team, "admin", "customers", "comms_reviewer", severity="SEV9")
    with team.read() as session:
        assert verify(session).ok


def test_review_rules_on_the_command_line(cli):
    code, out, _ = cli("policy", "reviews", "customers", "comms_reviewer", "--severity", "4")
    assert code == 0 and "customers at SEV4" in out and "most specific rule applies" in out
    code, out, _ = cli("policy", "reviews", "customers", "technical_reviewer", "--category", "network", "--json")
    assert code == 0 and json.loads(out)["customers|*|network"] == ["technical_reviewer"]
    code, out, _ = cli("policy", "reviews", "customers", "--severity", "SEV4", "--remove")
    assert code == 0 and "customers at SEV4" not in out
    code, _, err = cli("policy", "reviews", "customers", "--remove")
    assert code == 2 and "--remove takes" in err
    code, _, err = cli("policy", "reviews", "customers")
    assert code == 2 and "Give an audience and the reviews" in err


def test_the_arbiter_can_be_someone_else(team):
    people.save(team, "admin", "Eve Legal", roles="legal_reviewer")
    review_rules.set_arbiter(team, "admin", "Eve Legal")
    d = _draft(team)
    review.submit(team, "Sam Writer", d.id)
    review.decide(team, "Ravi Shah", d.id, "approve")
    review.decide(team, "Mia Lindqvist", d.id, "reject", comment="Too much detail")
    with pytest.raises(NotPermitted, match="settled by Eve Legal"):
        review.decide_dispute(team, "Dana", d.id, "approve", "I command")
    assert review.decide_dispute(team, "Eve Legal", d.id, "reject", "Say less") == "changes_requested"
    with pytest.raises(InputError, match="No person"):
        review_rules.set_arbiter(team, "admin", "Nobody")
    with pytest.raises(NotPermitted, match="administrator"):
        review_rules.set_arbiter(team, "Dana", "Dana")


def test_update_new_with_a_body_and_edit_from_the_command_line(cli, tmp_path, db_path):
    team_file(db_path, Tess_Tester="incident_commander")
    cli("incident", "open", "Checkout failing", "--severity", "SEV2", "--category", "network")
    body = tmp_path / "body.md"
    body.write_text("We are investigating problems with checkout. Next update by 15:00 UTC.", encoding="utf-8")
    code, out, _ = cli("update", "new", "INC-1", "--audience", "customers", "--template",
                       "any-customers-update", "--body-file", str(body), "--json", "--as", "Sam")
    d = json.loads(out)[0]
    assert code == 0 and d["template"] == "any-customers-update" and d["long"].startswith("We are investigating")
    cli("update", "submit", d["id"], "--as", "Sam")
    assert cli("update", "approve", d["id"], "--as", "Ravi Shah")[0] == 0
    body.write_text("We have found the cause. Next update by 15:00 UTC.", encoding="utf-8")
    code, out, _ = cli("update", "edit", d["id"], "--body-file", str(body), "--as", "Sam")
    assert code == 0 and "no longer count" in out
    code, out, _ = cli("update", "reviews", d["id"], "--json")
    assert {r["state"] for r in json.loads(out)} == {"pending"}
