"""Failover and dead letters (warroom.delivery.failover) against vendor-like servers on
127.0.0.1: a channel down past the failover time hands its queue on along the route,
not while the machine looks offline; what stays undelivered fails with an alert.

A simulated clock drives breakers, failover and dead letters, so the tests are exact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers.delivery import delivery_states, make_dispatcher, publish_overridden, run_passes
from warroom.identity import SYSTEM
from warroom.journal import verify
from warroom.services import channels, incidents, matrix, outbox, stakeholders, timeline


def test_slack_down_fails_over_to_email_after_the_breaker_opens(world, clock, fake_slack, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>email")
    inc, d, _ = publish_overridden(world)
    fake_slack.mode = "500"
    dispatcher = make_dispatcher(world, clock)
    for _ in range(6):           # attempts with back-off until the breaker opens
        dispatcher.run_once()
        clock.advance(20)
    slack = channels.get(world, "slack")
    assert slack.state == "down" and slack.failures >= 3
    assert not fake_smtp.messages                    # not yet: down, but not for long enough
    clock.advance(300)
    summary = dispatcher.run_once()
    assert summary.failed_over == 1
    assert len(fake_smtp.messages) == 3
    states = delivery_states(world)
    assert ("slack", "failed_over") in states and states.count(("email", "delivered")) == 3
    failover = [e for e in timeline.entries(world, inc.id, viewer=SYSTEM) if e.kind.value == "delivery"]
    assert failover and "failed over from slack to email" in failover[-1].text
    # Slack comes back: the failed-over update is not sent there as well.
    fake_slack.mode = "ok"
    clock.advance(60)
    dispatcher.run_once()
    assert fake_slack.messages == []


def test_a_permanent_refusal_fails_over_at_once(world, clock, fake_slack, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>email")
    publish_overridden(world)
    fake_slack.archived = True     # 410 channel_is_archived: retrying will not help
    summary = make_dispatcher(world, clock).run_once()
    assert summary.failed_over == 1 and len(fake_smtp.messages) == 3


def test_a_permanent_refusal_with_no_fallback_is_a_dead_letter_with_an_alert(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc, _, _ = publish_overridden(world)
    fake_slack.archived = True
    assert make_dispatcher(world, clock).run_once().failed == 1
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    assert row.state == "failed" and "410" in row.last_error
    alert = [e for e in timeline.entries(world, inc.id, viewer=SYSTEM) if e.kind.value == "delivery"]
    assert alert and "no fallback" in alert[-1].text
    # Fixed: retried by hand, it goes.
    fake_slack.archived = False
    outbox.retry(world, "Dana", row.id)
    assert make_dispatcher(world, clock).run_once().delivered == 1


def test_undelivered_past_the_dead_letter_time_fails_with_an_alert(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc, _, _ = publish_overridden(world)
    fake_slack.mode = "500"
    dispatcher = make_dispatcher(world, clock)
    dispatcher.run_once()
    clock.advance(timedelta(hours=6, seconds=1))
    dispatcher.run_once()
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    assert row.state == "failed" and row.last_error.startswith("undelivered after 6 h")
    assert any("gave up" in e.text for e in timeline.entries(world, inc.id, viewer=SYSTEM))
    with world.read() as session:
        assert verify(session).ok


def test_a_channel_that_comes_back_is_probed_before_anything_fails_over(world, clock, fake_slack, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>email")
    publish_overridden(world)
    fake_slack.mode = "500"
    d = make_dispatcher(world, clock)
    run_passes(d, clock, 6, every=20)
    clock.advance(300)
    assert d.run_once().failed_over == 1
    fake_slack.mode = "ok"
    for i in range(3):
        clock.advance(3600)
        publish_overridden(world, title=f"Next {i}")
        d.run_once()
    assert len(fake_slack.messages) == 3 and channels.get(world, "slack").state == "ok"
    assert len(fake_smtp.messages) == 3          # only the first update went by e-mail


def test_one_refused_address_fails_over_for_that_recipient_only(world, clock, fake_smtp, fake_twilio):
    channels.add(world, "admin", "sms", "sms", {"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                                                "from_number": "+14155550100"}, secret=fake_twilio.auth_token)
    for i in range(3):
        stakeholders.save(world, "admin", name=f"Customer {i}", audience="customers",
                          email=f"ops{i}@customer{i}.example", phone=f"+49 30 123456{i}")
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email>sms")
    fake_smtp.reject_recipients = {"ops0@customer0.example"}
    publish_overridden(world)
    make_dispatcher(world, clock).run_once()
    assert [m["To"] for m in fake_twilio.messages] == ["+49301234560"]
    assert len(fake_smtp.messages) == 2 and channels.get(world, "email").state == "ok"


def test_failover_follows_the_route_the_delivery_was_planned_on(world, clock, fake_slack, fake_smtp,
                                                                fake_statuspage):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>slack, slack>email")
    publish_overridden(world)
    fake_slack.mode = "500"
    d = make_dispatcher(world, clock)
    run_passes(d, clock, 6, every=20)
    clock.advance(400)
    d.run_once()
    assert len(fake_smtp.messages) == 3


def test_offline_the_queue_waits_and_drains_to_its_own_channels_on_reconnect(world, clock, fake_slack,
                                                                             fake_statuspage, fake_smtp):
    # Two vendors unreachable at once: the network is gone, not the vendors. Moving
    # the queue to e-mail would only move it to the next unreachable server.
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack>email")
    publish_overridden(world)
    fake_slack.mode = fake_statuspage.mode = "drop"
    d = make_dispatcher(world, clock)
    run_passes(d, clock, 20, every=30)
    assert delivery_states(world) == [("slack", "queued"), ("statuspage", "queued")]
    assert fake_smtp.messages == []
    fake_slack.mode = fake_statuspage.mode = "ok"
    clock.advance(600)
    d.run_once()
    assert delivery_states(world) == [("slack", "delivered"), ("statuspage", "delivered")]
    assert len(fake_slack.messages) == 1 and fake_smtp.messages == []


@pytest.mark.parametrize("fallback", ["email", "site"])
def test_one_unreachable_vendor_fails_over_to_its_fallback(world, clock, fake_slack, fake_smtp, tmp_path, fallback):
    # Slack's servers drop the connection and nothing else is failing: from here that
    # is Slack's outage, and the route's fallback takes the update, whether it is an
    # unused e-mail server or the local status page.
    matrix.set_cell(world, "admin", "customers", "SEV1", channels=f"slack>{fallback}")
    publish_overridden(world)
    fake_slack.mode = "drop"
    d = make_dispatcher(world, clock)
    run_passes(d, clock, 20, every=30)
    states = delivery_states(world)
    assert ("slack", "failed_over") in states and fake_slack.messages == []
    if fallback == "email":
        assert sorted(s for c, s in states if c == "email") == ["delivered"] * 3
        assert len(fake_smtp.messages) == 3
    else:
        assert ("site", "delivered") in states
        assert "Checkout" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_a_channel_left_down_with_nothing_to_send_is_no_evidence_of_being_offline(world, clock, fake_slack,
                                                                                  fake_statuspage, fake_smtp):
    # Yesterday Statuspage was unreachable and its update went to the local page; its
    # breaker stays open, as nothing is queued there to probe it.
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>site")
    publish_overridden(world, title="Yesterday")
    fake_statuspage.mode = "drop"
    d = make_dispatcher(world, clock)
    run_passes(d, clock, 20, every=30)
    assert ("statuspage", "failed_over") in delivery_states(world) and channels.get(world, "statuspage").state == "down"
    clock.advance(24 * 3600)
    # Today only Slack is unreachable: one vendor, so its update fails over to e-mail.
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>email")
    publish_overridden(world, title="Today")
    fake_slack.mode = "drop"
    run_passes(d, clock, 20, every=30)
    assert ("slack", "failed_over") in delivery_states(world) and len(fake_smtp.messages) == 3


def test_a_failover_copy_of_an_exercise_delivery_stays_an_exercise(world, clock, fake_twilio, fake_smtp):
    from warroom.store.models import Stakeholder

    channels.add(world, "admin", "sms", "sms", {"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                                                "from_number": "+14155550100"}, secret=fake_twilio.auth_token)
    stakeholders.save(world, "admin", name="Exec", audience="executives", phone="+49 30 1234560",
                      email="exec@example.com")
    with world.write("t") as tx:     # an old row with a number the SMS channel refuses
        tx.session.query(Stakeholder).filter(Stakeholder.name == "Exec").one().phone = "0049 30 1234560"
    matrix.set_cell(world, "admin", "executives", "SEV1", channels="sms>email")
    inc, _, _ = publish_overridden(world, title="Tabletop", exercise=True, audience="executives")
    incidents.update_incident(world, "Dana", inc.id, exercise=False)     # the flag edited after publishing
    make_dispatcher(world, clock).run_once()
    assert not fake_smtp.messages and not fake_twilio.messages
