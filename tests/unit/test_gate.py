"""The words' gate at the service level: every step that passes words on lints the
exact revision (public title, subject, every channel's text), whoever calls it;
what a draft allows is the core's answer; reviews that can never be given are
said at once; a secret never follows a changed address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers.team import team
from warroom.app import open_store
from warroom.delivery import planning
from warroom.errors import InputError, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import (
    channels, drafts, incidents, matrix, outbox, people, publishing, review, reviewers, settings, stakeholders,
)
from warroom.services.wording import WordsRefused
from warroom.store.models import JournalEvent, ReviewRequest
from warroom.text.render import NEXT_UPDATE

LEAKY = "The load balancer 10.20.30.40 at lb-7.corp.example.com failed. Key AKIAIOSFODNN7EXAMPLE rotated."


@pytest.fixture
def world(db_path, clock):
    store = open_store(db_path, clock=clock)
    team(store)
    settings.set_lint_domains(store, "admin", internal_domains=["corp.example.com"])
    yield store
    store.close()


def _draft(store, audience="customers", **kw):
    inc = incidents.open_incident(store, "Dana", title=kw.pop("title", "Checkout failing"), severity="SEV1",
                                  category=kw.pop("category", "application"), components=["Checkout"], **kw)
    if inc.confidential:
        incidents.set_members(store, "Dana", inc.id, add=["Sam", "Ravi Shah", "Mia Lindqvist", "Lea Braun"])
    return inc, drafts.compose_drafts(store, "Sam", inc.id, [audience])[0]


def _events(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(JournalEvent))


def test_submit_refuses_blocking_words_in_any_field_and_changes_nothing(world):
    for field in ("long", "short", "chat", "subject", "title"):
        _inc, d = _draft(world)
        words = {"subject": d.subject, "long": d.long}
        words[field] = (words.get(field) or "") + " " + LEAKY if field in ("long", "subject") else LEAKY
        d = drafts.save_revision(world, "Sam", d.id, **words)
        before = _events(world)
        with pytest.raises(WordsRefused, match="linter blocks") as caught:
            review.submit(world, "Sam", d.id, acknowledge=True)
        assert caught.value.exit_code == 1 and caught.value.field == field
        assert {f.finding.rule for f in caught.value.flags} >= {"ip-address"} or field == "title"
        assert _events(world) == before and drafts.get(world, d.id, viewer=SYSTEM).state == "draft"


def test_an_override_skips_reviews_never_the_linter_and_publish_lints_again(world):
    _inc, d = _draft(world)
    review.submit(world, "Sam", d.id, acknowledge=True)
    review.override(world, "Dana", d.id, "Reviewers asleep", acknowledge=True)
    # Publishing checks the exact words again, under today's rules: the org now calls
    # a host in the words internal.
    drafts_before = drafts.get(world, d.id, viewer=SYSTEM)
    settings.set_lint_domains(world, "admin", internal_domains=["corp.example.com", "example.org"])
    assert drafts_before.state == "overridden"
    _inc2, d2 = _draft(world)
    review.submit(world, "Sam", d2.id, acknowledge=True)
    d2 = drafts.save_revision(world, "Sam", d2.id, subject=d2.subject, long=d2.long + "\nSee db1.example.org.")
    assert d2.state == "in_review"   # new words, asked again
    with pytest.raises(WordsRefused, match="never this"):
        review.override(world, "Dana", d2.id, "Publish it anyway")
    assert drafts.get(world, d2.id, viewer=SYSTEM).state == "in_review"
    assert outbox.list_deliveries(world, viewer=SYSTEM, draft_id=d2.id) == []


def test_warnings_need_an_acknowledgement_recorded_on_the_revision(world):
    _inc, d = _draft(world)
    d = drafts.save_revision(world, "Sam", d.id, subject=d.subject,
                             long="We think a faulty router is to blame. We are investigating.")
    with pytest.raises(WordsRefused, match="acknowledge") as caught:
        review.submit(world, "Sam", d.id)
    assert {f.finding.rule for f in caught.value.flags} >= {"speculation"}
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "draft"
    review.submit(world, "Sam", d.id, acknowledge=True)
    view = drafts.get(world, d.id, viewer=SYSTEM)
    assert view.state == "in_review" and any(k.startswith("speculation:long:") for k in view.acknowledged)
    with world.read() as session:
        ack = [e for e in session.scalars(select(JournalEvent).where(JournalEvent.kind == "draft.warnings_acknowledged"))]
    assert len(ack) == 1 and ack[0].actor == "Sam"
    # Acknowledged once on these words: the reviewers approve without asking again.
    review.decide(world, "Ravi Shah", d.id, "approve")
    assert review.decide(world, "Mia Lindqvist", d.id, "approve") == "approved"


def test_the_public_title_is_reviewed_linted_and_is_all_an_outsider_sees(world, clock):
    inc, d = _draft(world, title="CONFIDENTIAL: ransomware on payroll-db01.corp.example.com", category="security",
                    confidential=True)
    assert "ransomware" not in d.title + d.subject + d.long + d.short + d.chat
    assert d.title == "Service disruption: Checkout"
    d = drafts.save_revision(world, "Sam", d.id, subject=d.subject, long=d.long,
                             title="Ransomware on payroll-db01.corp.example.com")
    with pytest.raises(WordsRefused) as caught:
        review.submit(world, "Sam", d.id, acknowledge=True)
    assert caught.value.field == "title"


def test_a_new_long_text_rederives_the_sms_and_chat_unless_written_on_their_own(world):
    _inc, d = _draft(world)
    new_long = ("**Identified** · Impact: partial outage\n\nWe found the cause: a failed network link at our "
                "provider.\n\n- Checkout is slow\n\nNext update by {next_update}.")
    d = drafts.save_revision(world, "Sam", d.id, subject=d.subject, long=new_long)
    assert d.short.startswith("Identified · Impact: partial outage. We found the cause")
    assert "**" not in d.short and NEXT_UPDATE in d.short and len(d.short) <= 306
    assert d.chat.startswith("*Identified*") and not d.short_own and not d.chat_own
    d = drafts.save_revision(world, "Sam", d.id, subject=d.subject, long=new_long, short="Checkout slow; fixing.")
    assert d.short_own and d.short == "Checkout slow; fixing."
    d = drafts.save_revision(world, "Sam", d.id, subject=d.subject, long=new_long + "\n\nThank you.")
    assert d.short == "Checkout slow; fixing." and d.chat.rstrip().endswith("Thank you.")


def test_what_a_draft_allows_is_the_cores_answer(world):
    _inc, d = _draft(world)
    viewer = review.allowed(world, d.id, "Vic Viewer")
    assert not viewer.can_edit and not viewer.can_submit and not viewer.can_publish
    assert "Only" in viewer.why_not_submit and "viewer" in viewer.why_not_submit
    sam = review.allowed(world, d.id, "Sam")
    assert sam.can_edit and sam.can_submit and not sam.can_publish and "needs its reviews" in sam.why_not_publish
    drafts.save_revision(world, "Sam", d.id, subject=d.subject, long=d.long + "\n" + LEAKY)
    sam = review.allowed(world, d.id, "Sam")
    assert sam.blocking and not sam.can_submit and "linter blocks" in sam.why_not_submit
    with pytest.raises(WordsRefused):   # and the service says the same when called anyway
        review.submit(world, "Sam", d.id, acknowledge=True)


def test_a_review_nobody_may_give_is_said_at_submit_with_who_can_unblock_it(world):
    # Mia is the only comms reviewer; she wrote the words.
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1")
    people.save(world, "admin", "Mia Lindqvist", roles="comms_reviewer,communications_owner")
    d = drafts.compose_drafts(world, "Mia Lindqvist", inc.id, ["customers"])[0]
    made = review.submit(world, "Mia Lindqvist", d.id, acknowledge=True)
    assert any("comms reviewer" in p and "wrote these words" in p and "admin" in p and "Dana" in p
               for p in made.problems)
    # Two reviews need two people: one person with both roles cannot give both.
    people.save(world, "admin", "Ravi Shah", roles="technical_reviewer,comms_reviewer")
    people.save(world, "admin", "Mia Lindqvist", roles="communications_owner")
    d2 = drafts.compose_drafts(world, "Sam", inc.id, ["customers"])[0]
    made = review.submit(world, "Sam", d2.id, acknowledge=True)
    assert any("2 different people" in p for p in made.problems)
    assert {r.assignee for r in made} == {"Ravi Shah", None}   # and the same person is not asked twice


def test_hand_overs_skip_people_who_may_not_give_the_review_and_every_dispatcher_sweeps(world, clock):
    from warroom.delivery.dispatcher import Dispatcher

    people.save(world, "admin", "Tom Berg", roles="comms_reviewer")
    people.save(world, "admin", "Mia Lindqvist", backups={"comms_reviewer": "Tom Berg"})
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1")
    d = drafts.compose_drafts(world, "Tom Berg", inc.id, ["customers"])[0]   # Tom wrote it
    review.submit(world, "Dana", d.id, acknowledge=True)
    clock.advance(timedelta(minutes=11))                                    # SEV1: a 10-minute window
    Dispatcher(world, parallel=False).run_once()                           # the dispatcher hands it on
    comms = [r for r in review.requests(world, d.id, viewer=SYSTEM) if r.role.value == "comms_reviewer"][0]
    assert comms.assignee == "Dana" and comms.level == 2                   # not Tom: he wrote it


def test_a_secret_never_follows_a_changed_address(world, memory_keyring, fake_statuspage):
    channels.add(world, "admin", "statuspage", "statuspage",
                 {"page_id": fake_statuspage.page_id, "base_url": fake_statuspage.base_url},
                 secret=fake_statuspage.api_key)
    with pytest.raises(InputError, match="changes where statuspage's secret goes") as caught:
        channels.update(world, "admin", "statuspage", config={"base_url": "https://attacker.example/v1"})
    assert caught.value.field == "secret"
    assert channels.get(world, "statuspage").config["base_url"] == fake_statuspage.base_url
    channels.update(world, "admin", "statuspage", config={"components": {"Checkout": "abc123"}})  # not an address
    channels.update(world, "admin", "statuspage", config={"base_url": "https://api.example.net/v1"}, secret="new")
    assert channels.read_secret(channels.get(world, "statuspage")) == "new"
    assert channels.needs_secret("email", {"username": "bot"}) and not channels.needs_secret("email", {})


def test_an_internal_incident_owes_customers_nothing(world):
    channels.add(world, "admin", "site", "sitepage", {"out_dir": "/tmp/warroom-test-site-unused"})
    matrix.set_cell(world, "admin", "customers", "all", channels="site", only_customer_facing=True)
    matrix.set_cell(world, "admin", "employees", "all", channels="site")
    internal = incidents.open_incident(world, "Dana", title="Payroll batch late", severity="SEV2")
    facing = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV2",
                                     customer_facing=True)
    owed = matrix.update_dues(world, internal.id, viewer=SYSTEM)
    assert [x.audience for x in owed] == ["employees"] and owed.unowed == ("customers",)
    assert {x.audience for x in matrix.update_dues(world, facing.id, viewer=SYSTEM)} == {"customers", "employees"}
    d = drafts.compose_drafts(world, "Sam", internal.id, ["customers"])[0]
    planned = planning.preview(world, d.id, viewer=SYSTEM)
    assert planned.deliveries == 0 and "only about customer-facing incidents" in planned.notes[0]


def test_one_message_per_address_however_many_stakeholders_share_it(world, memory_keyring, fake_twilio):
    channels.add(world, "admin", "sms", "sms", {"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                                                "from_number": "+14155550100"}, secret=fake_twilio.auth_token)
    for name in ("Night desk", "On-call phone", "NOC"):
        stakeholders.save(world, "admin", name=name, audience="customers", phone="+49 30 1234567")
    stakeholders.save(world, "admin", name="Other", audience="customers", phone="+49 30 7654321")
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="sms")
    _inc, d = _draft(world)
    assert planning.preview(world, d.id, viewer=SYSTEM).deliveries == 2
    review.submit(world, "Sam", d.id, acknowledge=True)
    review.override(world, "Dana", d.id, "Now", acknowledge=True)
    assert publishing.publish(world, "Dana", d.id, acknowledge=True).deliveries == 2
    assert sorted(r.address for r in outbox.list_deliveries(world, viewer=SYSTEM)) == ["+49301234567",
                                                                                      "+49307654321"]


def test_a_retraction_notice_is_reviewed_afterwards(world):
    channels.add(world, "admin", "site", "sitepage", {"out_dir": "/tmp/warroom-test-site-unused2"})
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="site")
    _inc, d = _draft(world, category="security")
    review.submit(world, "Sam", d.id, acknowledge=True)
    review.override(world, "Dana", d.id, "Now", acknowledge=True)
    publishing.publish(world, "Dana", d.id, acknowledge=True)
    with pytest.raises(NotPermitted):
        publishing.retract(world, "Ravi Shah", d.id, "Leaked a host name")   # a reviewer, not a sender
    done = publishing.retract(world, "Sam", d.id, "Leaked a host name")
    notice = drafts.get(world, done.notice_id, viewer=SYSTEM)
    assert notice.kind == "retraction" and notice.state == "published"
    asked = review.requests(world, notice.id, viewer=SYSTEM)
    assert {r.role.value for r in asked} == {"comms_reviewer", "legal_reviewer"}   # security: legal too
    assert any(q.request.draft_id == notice.id for q in review.queue(world, "Mia Lindqvist"))
    review.decide(world, "Mia Lindqvist", notice.id, "approve")
    with world.read() as session:
        states = {r.role: r.state for r in session.scalars(select(ReviewRequest).where(
            ReviewRequest.draft_id == notice.id))}
    assert states == {"comms_reviewer": "approved", "legal_reviewer": "pending"}
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "retracted"
    with pytest.raises(InputError, match="only a published one"):
        publishing.retract(world, "Sam", d.id, "again")
    assert reviewers.sweep(world) == []   # after-the-fact reviews have no window to lapse
