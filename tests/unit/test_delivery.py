"""The outbox and the dispatcher against vendor-like servers on 127.0.0.1.

A simulated clock drives back-off, breakers, failover and dead letters, so the
tests are exact; the servers are real HTTP and SMTP servers.
"""

from __future__ import annotations

import json
import random
from email.utils import parseaddr
import threading
from datetime import timedelta

import pytest

from warroom.app import open_store
from warroom.delivery import planning
from warroom.delivery.dispatcher import Dispatcher, backoff, rate_check
from warroom.errors import InputError
from warroom.journal import verify
from warroom.services import (
    channels, drafts, incidents, matrix, outbox, publishing, review, stakeholders, timeline,
)
from warroom.identity import SYSTEM
from tests.helpers.team import team


@pytest.fixture
def world(db_path, clock, memory_keyring, tmp_path, fake_statuspage, fake_slack, fake_smtp):
    store = open_store(db_path, clock=clock)
    team(store, Sam_Writer="communications_owner")
    for i in range(3):
        stakeholders.save(store, "admin", name=f"Customer {i}", audience="customers", email=f"ops{i}@customer{i}.example")
    stakeholders.save(store, "admin", name="No Mail Ltd", audience="customers")
    channels.add(store, "admin", "statuspage", "statuspage",
                 {"page_id": fake_statuspage.page_id, "base_url": fake_statuspage.base_url,
                  "components": {"Checkout": "8kbf7d35c070"}}, secret=fake_statuspage.api_key)
    channels.add(store, "admin", "slack", "slack", {}, secret=fake_slack.webhook_url)
    channels.add(store, "admin", "email", "email", fake_smtp.config(), secret=fake_smtp.password)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(tmp_path / "site"), "components": "Checkout"})
    outbox.set_settings(store, "admin", timeout_s=5, failover_after_s=300, breaker_failures=3,
                        breaker_cooldown_s=30, dead_after_s=6 * 3600)
    yield store
    store.close()


def _publish(store, *, title="Checkout failing", exercise=False, audience="customers"):
    inc = incidents.open_incident(store, "Dana", title=title, severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True, exercise=exercise)
    d = drafts.compose_drafts(store, "Sam Writer", inc.id, [audience])[0]
    review.submit(store, "Dana", d.id)
    review.override(store, "Dana", d.id, "Reviewers unreachable at night")
    planned = publishing.publish(store, "Dana", d.id)
    return inc, d, planned


def _dispatcher(store, clock, **kw):
    return Dispatcher(store, sleep=clock.advance, rate_clock=clock.now, rng=random.Random(7), parallel=False, **kw)


def _passes(d, clock, n: int, *, every: float) -> None:
    """``n`` dispatcher passes, ``every`` simulated seconds apart."""
    for _ in range(n):
        d.run_once()
        clock.advance(every)


def _states(store, **kw):
    return sorted((r.channel, r.state) for r in outbox.list_deliveries(store, **kw, viewer=SYSTEM))


def test_publish_writes_one_delivery_per_channel_and_recipient_in_its_transaction(world):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack>email, email, site")
    inc, d, planned = _publish(world)
    # Three customers have e-mail, the fourth has none: three e-mails, and one each elsewhere.
    assert planned.deliveries == 6 and planned.channels == ("statuspage", "slack", "email", "site")
    rows = outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)
    assert sorted(r.address for r in rows if r.channel == "email") == [
        "ops0@customer0.example", "ops1@customer1.example", "ops2@customer2.example"]
    assert all(r.state == "queued" and r.subject == rows[0].subject for r in rows)
    with world.read() as session:
        assert verify(session).ok
        event = [e for e in session.execute(
            __import__("sqlalchemy").text("SELECT kind, payload FROM journal_event")).all()
            if e[0] == "update.published"][-1]
    assert json.loads(event[1])["deliveries"] == 6


def test_a_refused_publish_queues_nothing(world):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1")
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(world, "Dana", d.id)
    with pytest.raises(InputError, match="needs its reviews"):
        publishing.publish(world, "Dana", d.id)
    assert outbox.list_deliveries(world, viewer=SYSTEM) == []


def test_an_approved_customer_update_reaches_every_channel(world, clock, fake_statuspage, fake_slack, fake_smtp,
                                                           tmp_path):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack, email, site")
    inc, d, _ = _publish(world)
    summary = _dispatcher(world, clock).run_once()
    assert summary.delivered == 6 and not summary.errors
    assert {s for _, s in _states(world)} == {"delivered"}
    # Statuspage: one incident, with its component marked.
    (sp,) = fake_statuspage.incidents.values()
    # Its name is the reviewed public title, never the internal one.
    assert sp["name"] == "Service disruption: Checkout" and sp["status"] == "investigating"
    assert fake_statuspage.components["8kbf7d35c070"]["status"] != "operational"
    # Slack: one Block Kit message with a fallback text.
    assert len(fake_slack.messages) == 1 and fake_slack.messages[0]["text"]
    # E-mail: one per customer, each with the delivery's id in its Message-ID.
    assert len(fake_smtp.messages) == 3
    ids = {r.address: r.id for r in outbox.list_deliveries(world, viewer=SYSTEM) if r.channel == "email"}
    for m in fake_smtp.messages:
        to = parseaddr(str(m.message["To"]))[1]
        assert str(ids[to]) in str(m.message["Message-ID"])
    # The self-hosted page carries the update in Statuspage's public shape.
    summary_json = json.loads((tmp_path / "site" / "api" / "v2" / "summary.json").read_text())
    assert [i["name"] for i in summary_json["incidents"]] == ["Service disruption: Checkout"]
    assert summary_json["status"]["indicator"] != "none"
    # The internal title reached no channel and no page.
    site_text = "".join(p.read_text() for p in (tmp_path / "site").rglob("*") if p.is_file())
    outside = json.dumps(fake_statuspage.incidents) + json.dumps(fake_slack.messages) + site_text + "".join(
        str(m.message) for m in fake_smtp.messages)
    assert "Checkout failing" not in outside
    # Every delivery is in the journal, and the journal still verifies.
    with world.read() as session:
        assert verify(session).ok


def test_a_second_update_updates_the_same_statuspage_incident(world, clock, fake_statuspage):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage")
    inc, d, _ = _publish(world)
    dispatcher = _dispatcher(world, clock)
    dispatcher.run_once()
    incidents.set_status(world, "Dana", inc.id, "identified")
    d2 = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(world, "Dana", d2.id)
    review.override(world, "Dana", d2.id, "Same reason")
    publishing.publish(world, "Dana", d2.id)
    clock.advance(2)
    dispatcher.run_once()
    (sp,) = fake_statuspage.incidents.values()
    assert sp["status"] == "identified" and len(sp["incident_updates"]) == 2
    assert [r.method for r in fake_statuspage.requests] == ["POST", "PATCH"]


def test_retry_after_is_honoured_and_the_delivery_goes_once_the_vendor_is_back(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world)
    fake_slack.fail_next(1, "429", retry_after=120)
    dispatcher = _dispatcher(world, clock)
    assert dispatcher.run_once().retrying == 1
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    assert row.state == "queued" and row.next_attempt_at >= clock.now() + timedelta(seconds=119)
    assert "429" in row.last_error
    clock.advance(60)
    assert dispatcher.run_once().sent == 0          # not before the vendor said
    clock.advance(61)
    assert dispatcher.run_once().delivered == 1
    assert len(fake_slack.messages) == 1 and outbox.list_deliveries(world, viewer=SYSTEM)[0].attempts == 2


def test_slack_down_fails_over_to_email_after_the_breaker_opens(world, clock, fake_slack, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>email")
    inc, d, _ = _publish(world)
    fake_slack.mode = "500"
    dispatcher = _dispatcher(world, clock)
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
    states = _states(world)
    assert ("slack", "failed_over") in states and states.count(("email", "delivered")) == 3
    failover = [e for e in timeline.entries(world, inc.id, viewer=SYSTEM) if e.kind.value == "delivery"]
    assert failover and "failed over from slack to email" in failover[-1].text
    # Slack comes back: the failed-over update is not sent there as well.
    fake_slack.mode = "ok"
    clock.advance(60)
    dispatcher.run_once()
    assert fake_slack.messages == []


def test_with_every_server_down_it_waits_and_is_delivered_once_they_return_across_a_restart(
        db_path, world, clock, fake_statuspage, fake_slack, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack, email")
    _publish(world)
    fake_statuspage.mode = "drop"
    fake_slack.mode = "500"
    fake_smtp.fail_next(100, 421)
    dispatcher = _dispatcher(world, clock)
    for _ in range(5):
        dispatcher.run_once()
        clock.advance(45)
    assert {s for _, s in _states(world)} == {"queued"}
    assert {c.state for c in outbox.channel_states(world, viewer=SYSTEM) if c.name != "site"} == {"down"}
    # The app is closed and started again; the vendors come back.
    world.close()
    fake_statuspage.mode = "ok"
    fake_slack.mode = "ok"
    fake_smtp.fail_next(0, 421)
    with fake_smtp._lock:
        fake_smtp._failures.clear()
    again = open_store(db_path, clock=clock)
    try:
        clock.advance(600)
        _dispatcher(again, clock).run_once()
        assert {s for _, s in _states(again)} == {"delivered"}
        assert len(fake_statuspage.incidents) == 1 and len(fake_slack.messages) == 1
        assert len(fake_smtp.messages) == 3
        assert {c.state for c in outbox.channel_states(again, viewer=SYSTEM) if c.name != "site"} == {"ok"}
    finally:
        again.close()


def test_a_permanent_refusal_fails_over_at_once(world, clock, fake_slack, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>email")
    _publish(world)
    fake_slack.archived = True     # 410 channel_is_archived: retrying will not help
    summary = _dispatcher(world, clock).run_once()
    assert summary.failed_over == 1 and len(fake_smtp.messages) == 3


def test_a_permanent_refusal_with_no_fallback_is_a_dead_letter_with_an_alert(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc, _, _ = _publish(world)
    fake_slack.archived = True
    assert _dispatcher(world, clock).run_once().failed == 1
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    assert row.state == "failed" and "410" in row.last_error
    alert = [e for e in timeline.entries(world, inc.id, viewer=SYSTEM) if e.kind.value == "delivery"]
    assert alert and "no fallback" in alert[-1].text
    # Fixed: retried by hand, it goes.
    fake_slack.archived = False
    outbox.retry(world, "Dana", row.id)
    assert _dispatcher(world, clock).run_once().delivered == 1


def test_undelivered_past_the_dead_letter_time_fails_with_an_alert(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc, _, _ = _publish(world)
    fake_slack.mode = "500"
    dispatcher = _dispatcher(world, clock)
    dispatcher.run_once()
    clock.advance(timedelta(hours=6, seconds=1))
    dispatcher.run_once()
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    assert row.state == "failed" and row.last_error.startswith("undelivered after 6 h")
    assert any("gave up" in e.text for e in timeline.entries(world, inc.id, viewer=SYSTEM))
    with world.read() as session:
        assert verify(session).ok


def test_cancel_and_retry(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world)
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    outbox.cancel(world, "Dana", row.id.hex[:8])
    assert _dispatcher(world, clock).run_once().sent == 0 and fake_slack.messages == []
    with pytest.raises(InputError, match="only a queued one"):
        outbox.cancel(world, "Dana", row.id)
    outbox.retry(world, "Dana", str(row.id))
    assert _dispatcher(world, clock).run_once().delivered == 1


def test_exercise_incidents_never_reach_a_channel(world, clock, fake_slack, fake_statuspage, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack, email")
    _publish(world, title="Tabletop: payments down", exercise=True)
    summary = _dispatcher(world, clock).run_once()
    assert summary.simulated == 5 and summary.delivered == 0
    assert fake_slack.requests == [] and fake_statuspage.requests == [] and fake_smtp.messages == []
    shown = {r.channel: r.receipt for r in outbox.list_deliveries(world, viewer=SYSTEM)}
    assert shown["slack"]["payload"]["text"]                    # as it would have been sent
    name = shown["statuspage"]["payload"]["body"]["incident"]["name"]
    assert name == "[EXERCISE] Service disruption: Checkout"   # marked, and the public title only


def test_a_lease_keeps_a_second_dispatcher_off_until_it_expires(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world)
    first, second = _dispatcher(world, clock, owner="first"), _dispatcher(world, clock, owner="second")
    settings = outbox.settings(world)
    claim = first._claim(channels.get(world, "slack").id, settings)     # ... and then the first one is killed
    assert claim is not None
    claim.marker.drop()                # as the system does for a process that dies
    assert second.run_once().sent == 0
    clock.advance(settings.lease_s + 1)
    assert second.run_once().delivered == 1 and len(fake_slack.messages) == 1


def test_a_kill_between_send_and_record_records_the_receipt_and_sends_nothing_twice(world, clock, fake_webhook,
                                                                                     monkeypatch):
    channels.add(world, "admin", "hook", "webhook", {"url": fake_webhook.hook_url}, secret=fake_webhook.key)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="hook")
    for n in range(5):
        _publish(world, title=f"Incident {n}")
    victim = _dispatcher(world, clock, owner="victim")
    real_record = Dispatcher._record
    calls = {"n": 0}

    class Killed(BaseException):
        pass

    def dying_record(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed()          # the process dies after sending the third, before writing it down
        return real_record(self, *args, **kwargs)

    monkeypatch.setattr(Dispatcher, "_record", dying_record)
    with pytest.raises(Killed):
        victim.run_once()
    monkeypatch.setattr(Dispatcher, "_record", real_record)
    assert len(fake_webhook.received) == 3
    clock.advance(outbox.settings(world).lease_s + 1)
    _dispatcher(world, clock, owner="survivor").run_once()
    assert {s for _, s in _states(world)} == {"delivered"}
    # Nothing lost, nothing sent twice: the receipt the victim kept beside the database
    # was recorded by the survivor instead of sending the third update again.
    assert len(fake_webhook.requests) == 5 and len(fake_webhook.received) == 5 and fake_webhook.duplicates == 0


def test_two_dispatchers_on_one_database_never_send_twice(db_path, world, clock, fake_webhook):
    channels.add(world, "admin", "hook", "webhook", {"url": fake_webhook.hook_url, "rate_per_s": 1000},
                 secret=fake_webhook.key)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="hook")
    for n in range(20):
        _publish(world, title=f"Incident {n}")
    other = open_store(db_path, clock=clock)
    try:
        a = Dispatcher(world, owner="window", sleep=clock.advance, rate_clock=clock.now, parallel=False)
        b = Dispatcher(other, owner="cli", sleep=clock.advance, rate_clock=clock.now, parallel=False)
        threads = [threading.Thread(target=x.run_once) for x in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other.close()
    assert {s for _, s in _states(world)} == {"delivered"}
    assert len(fake_webhook.requests) == 20 and fake_webhook.duplicates == 0


def test_the_rate_check_spaces_sends_and_allows_the_vendor_burst():
    def sends(rate, burst, times):
        tat, went = None, []
        for t in times:
            new, wait = rate_check(tat, t, rate, burst)
            if wait is None:
                tat = new
                went.append(t)
        return went

    # Slack: one a second. Asked ten times in half a second: one goes.
    assert sends(1.0, 1, [i * 0.05 for i in range(10)]) == [0.0]
    # Teams: four a second, a burst of four at once, then one every quarter second.
    assert sends(4.0, 4, [0.0] * 6 + [0.25, 0.3, 0.5]) == [0.0] * 4 + [0.25, 0.5]
    tat, wait = rate_check(None, 100.0, 1.0, 1)
    assert wait is None and rate_check(tat, 100.4, 1.0, 1)[1] == pytest.approx(0.6)


def test_two_dispatchers_together_keep_the_vendor_rate(db_path, world, clock, fake_webhook):
    """The rate lives in the database: the window's dispatcher and the command
    line's never send faster together than the vendor allows."""
    channels.add(world, "admin", "hook", "webhook", {"url": fake_webhook.hook_url, "rate_per_s": 2},
                 secret=fake_webhook.key)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="hook")
    for n in range(6):
        _publish(world, title=f"Incident {n}")
    other = open_store(db_path, clock=clock)
    sent_at = []
    real = Dispatcher._send

    def timed(self, *args, **kwargs):
        sent_at.append(clock.now())
        return real(self, *args, **kwargs)

    try:
        Dispatcher._send = timed
        a = Dispatcher(world, owner="window", sleep=clock.advance, rate_clock=clock.now, parallel=False)
        b = Dispatcher(other, owner="cli", sleep=clock.advance, rate_clock=clock.now, parallel=False)
        for _ in range(10):
            a.run_once()
            b.run_once()
    finally:
        Dispatcher._send = real
        other.close()
    assert len(fake_webhook.received) == 6
    gaps = [(y - x).total_seconds() for x, y in zip(sorted(sent_at), sorted(sent_at)[1:])]
    assert all(g >= 0.5 - 1e-6 for g in gaps[4:])          # after the vendor's burst, 2 a second at most


def test_backoff_grows_with_jitter_and_is_capped():
    rng = random.Random(3)
    delays = [backoff(n, 2.0, 300.0, rng) for n in range(1, 12)]
    assert 1.0 <= delays[0] <= 2.0 and 8.0 <= delays[3] <= 16.0
    assert all(150.0 <= d <= 300.0 for d in delays[-3:])
    assert len({round(backoff(3, 2.0, 300.0, rng), 6) for _ in range(20)}) > 10   # spread, not in lockstep


def test_secrets_stay_out_of_the_database(world, db_path, fake_slack, fake_statuspage, fake_smtp):
    world.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    for secret in (fake_slack.token, fake_statuspage.api_key, fake_smtp.password):
        assert secret.encode() not in raw


def test_the_matrix_plan_for_an_incident(world):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>site, email",
                    cadence=timedelta(minutes=20), owner="Dana")
    matrix.set_cell(world, "admin", "executives", "all", told=False)
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1")
    plan = {p.audience: p for p in matrix.plan(world, inc.id, viewer=SYSTEM)}
    assert plan["customers"].cadence == timedelta(minutes=20)
    assert plan["customers"].next_due == inc.declared_at + timedelta(minutes=20)
    assert [(n, have, missing) for n, _, _, have, missing in plan["customers"].channels] == [
        ("statuspage", 1, 0), ("site", 1, 0), ("email", 3, 1)]
    assert not plan["executives"].cell.told and plan["executives"].next_due is None


def test_matrix_refuses_unknown_channels_and_double_routes(world):
    with pytest.raises(InputError, match="No channel named pager"):
        matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>pager")
    with pytest.raises(InputError, match="twice"):
        matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>slack")
    with pytest.raises(InputError, match="not in the people register"):
        matrix.set_cell(world, "admin", "customers", "SEV1", owner="Nobody")


def test_a_channel_in_use_or_with_queued_deliveries_cannot_be_removed(world):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    with pytest.raises(InputError, match="used in the matrix"):
        channels.remove(world, "admin", "slack")
    _publish(world)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email")
    with pytest.raises(InputError, match="still wait"):
        channels.remove(world, "admin", "slack")


def test_the_matrix_template_audience_picks_whose_words_are_used(world):
    from warroom.services import compose, templates

    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application")
    own = compose.render_update(world, inc.id, audience="executives", viewer=SYSTEM)
    matrix.set_cell(world, "admin", "executives", "SEV1", template_audience="customers")
    borrowed = compose.render_update(world, inc.id, audience="executives", viewer=SYSTEM)
    assert own.template.audience == "executives" and borrowed.template.audience == "customers"
    assert borrowed.audience == "executives"          # still addressed to the executives
    assert templates.get(world, borrowed.template.name, "en").audience == "customers"


def test_killing_a_dispatcher_process_mid_drain_loses_nothing(tmp_path, memory_keyring, fake_webhook):
    """A real ``warroom-cli dispatch`` process is killed (SIGKILL) while it drains the
    queue; a second one finishes it. Every update arrives, none twice."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from warroom.clock import SystemClock
    from warroom.services.channels import secret_key

    db = tmp_path / "kill.db"
    store = open_store(db, clock=SystemClock())
    try:
        team(store, Sam_Writer="communications_owner")
        ch = channels.add(store, "admin", "hook", "webhook", {"url": fake_webhook.hook_url, "rate_per_s": 4},
                          secret=fake_webhook.key)
        matrix.set_cell(store, "admin", "customers", "SEV1", channels="hook")
        outbox.set_settings(store, "admin", lease_s=1, timeout_s=0.3)
        for n in range(12):
            _publish(store, title=f"Incident {n}")
    finally:
        store.close()
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.fakes.envkeyring.EnvKeyring",
               WARROOM_TEST_KEYRING=json.dumps({secret_key(ch.id): fake_webhook.key}),
               PYTHONPATH=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    cmd = [sys.executable, "-c", "import sys; from warroom.cli import main; sys.exit(main(sys.argv[1:]))",
           "--db", str(db), "dispatch"]
    child = subprocess.Popen(cmd + ["--idle", "0.2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while len(fake_webhook.received) < 4 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        assert child.poll() is None, child.stderr.read().decode()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stderr.close()
    got_before = len(fake_webhook.received)
    assert 4 <= got_before < 12
    time.sleep(2.2)                                      # the killed one's lease runs out (2 x 3 x 0.3 s)
    done = subprocess.run(cmd + ["--once"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    check = open_store(db, clock=SystemClock())
    try:
        assert {r.state for r in outbox.list_deliveries(check, viewer=SYSTEM)} == {"delivered"}
        with check.read() as session:
            assert verify(session).ok
    finally:
        check.close()
    assert sorted(r["incident"]["ref"] for r in fake_webhook.received) == sorted(f"INC-{n}" for n in range(1, 13))
    assert fake_webhook.duplicates <= 1


def test_an_interrupted_multi_part_sms_resumes_where_it_stopped(world, clock, fake_twilio):
    channels.add(world, "admin", "sms", "sms", {"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                                                "from_number": "+14155550100", "max_segments": 1},
                 secret=fake_twilio.auth_token)
    stakeholders.save(world, "admin", name="On-call exec", audience="executives", phone="+49 30 1234567")
    matrix.set_cell(world, "admin", "executives", "SEV1", channels="sms")
    inc, d, _ = _publish(world, audience="executives")
    drafts_row = drafts.get(world, d.id, viewer=SYSTEM)
    with world.write("test") as tx:       # a long text: three SMS
        from warroom.store.models import Delivery

        row = tx.session.query(Delivery).one()
        row.message = dict(row.message, short=("Payments are failing for some customers in Europe. " * 8).strip())
    del drafts_row
    real = fake_twilio.answer
    calls = {"n": 0}

    def flaky(rec):
        calls["n"] += 1
        if calls["n"] == 2:
            return fake_twilio.server_error()
        return real(rec)

    fake_twilio.answer = flaky
    dispatcher = _dispatcher(world, clock)
    assert dispatcher.run_once().retrying == 1
    assert len(fake_twilio.messages) == 1
    clock.advance(60)
    assert dispatcher.run_once().delivered == 1
    bodies = [m["Body"] for m in fake_twilio.messages]
    assert len(bodies) == len(set(bodies)) >= 3            # every part once, none twice
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    assert len(row.receipt["sids"]) == len(bodies)


def test_the_next_update_time_is_written_in_at_publish_from_the_cadence_then_in_force(world, clock):
    from warroom.text.render import NEXT_UPDATE

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="site")
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application")
    clock.advance(timedelta(hours=2))                       # the 30-minute promise is long past
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    assert NEXT_UPDATE in d.long and "09:30" not in d.long  # reviewed with a placeholder, not a stale time
    review.submit(world, "Dana", d.id)
    review.override(world, "Dana", d.id, "Reviewers asleep")
    clock.advance(timedelta(minutes=20))                    # it waited; meanwhile the matrix changed
    matrix.set_cell(world, "admin", "customers", "SEV1", cadence=timedelta(minutes=15))
    publishing.publish(world, "Dana", d.id)
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM, draft_id=d.id)
    with world.read() as session:
        from warroom.store.models import Delivery
        message = session.get(Delivery, row.id).message
    assert "11:35 UTC" in message["long"] and NEXT_UPDATE not in message["long"] + message["short"]
    assert drafts.get(world, d.id, viewer=SYSTEM).next_update_at == clock.now() + timedelta(minutes=15)
    assert NEXT_UPDATE in drafts.get(world, d.id, viewer=SYSTEM).long   # the reviewed words are kept as reviewed


def test_a_promise_of_a_next_update_is_not_published_once_resolved(world, clock):
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application")
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(world, "Dana", d.id)
    review.override(world, "Dana", d.id, "Reviewers asleep")
    incidents.set_status(world, "Dana", inc.id, "resolved")
    with pytest.raises(InputError, match="promise a next update"):
        publishing.publish(world, "Dana", d.id)


def test_rate_limits_run_on_real_time_when_the_store_clock_stands_still(world, fake_webhook):
    """An exercise's simulated clock may not move: the dispatcher must still finish
    its pass, spacing sends by real seconds."""
    channels.add(world, "admin", "hook", "webhook", {"url": fake_webhook.hook_url, "rate_per_s": 20},
                 secret=fake_webhook.key)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="hook")
    for n in range(8):
        _publish(world, title=f"Incident {n}")
    done = threading.Event()
    result = {}

    def run():
        result["summary"] = Dispatcher(world, parallel=False).run_once()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(20), "the pass never ended"
    assert result["summary"].delivered == 8
    gaps = [b.at - a.at for a, b in zip(fake_webhook.requests, fake_webhook.requests[1:])]
    assert sum(gaps) >= (8 - 5) / 20 * 0.9      # a burst of 5, then 20 a second


def test_without_a_keyring_secrets_go_to_an_encrypted_file_never_plain_text(db_path, clock, monkeypatch,
                                                                            fake_slack, tmp_path):
    import keyring
    from keyring.backends import fail

    from warroom import secrets

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets.lock()
    monkeypatch.delenv("WARROOM_KEY_PASSPHRASE", raising=False)
    store = open_store(db_path, clock=clock)
    try:
        with pytest.raises(secrets.SecretsLocked, match="no keyring"):
            channels.add(store, "admin", "slack", "slack", {}, secret=fake_slack.webhook_url)
        assert channels.list_channels(store) == []                     # nothing half-written
        monkeypatch.setenv("WARROOM_KEY_PASSPHRASE", "correct horse battery")
        channels.add(store, "admin", "slack", "slack", {}, secret=fake_slack.webhook_url)
        raw = secrets.vault_path().read_bytes()
        assert fake_slack.token.encode() not in raw and (secrets.vault_path().stat().st_mode & 0o777) == 0o600
        # A new process (the lock forgets the key): the wrong passphrase opens nothing ...
        secrets.lock()
        monkeypatch.delenv("WARROOM_KEY_PASSPHRASE")
        assert secrets.unlock("wrong passphrase!") is False
        # ... and while locked, the dispatcher waits instead of failing over.
        matrix.set_cell(store, "admin", "customers", "SEV1", channels="slack")
        team(store, Sam_Writer="communications_owner")
        _publish(store)
        summary = _dispatcher(store, clock).run_once()
        assert summary.retrying == 1 and summary.failed == summary.failed_over == 0
        assert secrets.unlock("correct horse battery") is True
        clock.advance(61)
        assert _dispatcher(store, clock).run_once().delivered == 1 and len(fake_slack.messages) == 1
    finally:
        secrets.lock()
        store.close()
        keyring.set_keyring(previous)


# -- regressions found in review ----------------------------------------------------------


def test_a_channel_that_comes_back_is_probed_before_anything_fails_over(world, clock, fake_slack, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>email")
    _publish(world)
    fake_slack.mode = "500"
    d = _dispatcher(world, clock)
    _passes(d, clock, 6, every=20)
    clock.advance(300)
    assert d.run_once().failed_over == 1
    fake_slack.mode = "ok"
    for i in range(3):
        clock.advance(3600)
        _publish(world, title=f"Next {i}")
        d.run_once()
    assert len(fake_slack.messages) == 3 and channels.get(world, "slack").state == "ok"
    assert len(fake_smtp.messages) == 3          # only the first update went by e-mail


def test_a_successful_channel_test_closes_the_breaker(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world)
    fake_slack.mode = "500"
    d = _dispatcher(world, clock)
    _passes(d, clock, 4, every=20)
    assert channels.get(world, "slack").state == "down"
    fake_slack.mode = "ok"
    channels.test(world, SYSTEM, "slack")
    assert channels.get(world, "slack").state == "ok"


def test_one_refused_address_fails_over_for_that_recipient_only(world, clock, fake_smtp, fake_twilio):
    channels.add(world, "admin", "sms", "sms", {"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                                                "from_number": "+14155550100"}, secret=fake_twilio.auth_token)
    for i in range(3):
        stakeholders.save(world, "admin", name=f"Customer {i}", audience="customers",
                          email=f"ops{i}@customer{i}.example", phone=f"+49 30 123456{i}")
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email>sms")
    fake_smtp.reject_recipients = {"ops0@customer0.example"}
    _publish(world)
    _dispatcher(world, clock).run_once()
    assert [m["To"] for m in fake_twilio.messages] == ["+49301234560"]
    assert len(fake_smtp.messages) == 2 and channels.get(world, "email").state == "ok"


def test_refused_addresses_do_not_mark_a_working_server_down(world, clock, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email")
    fake_smtp.reject_recipients = {f"ops{i}@customer{i}.example" for i in range(3)}
    _publish(world)
    assert _dispatcher(world, clock).run_once().failed == 3
    assert channels.get(world, "email").state == "ok"


def test_a_delivery_waiting_behind_another_does_not_make_the_loop_spin(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world, title="one")
    _publish(world, title="two")
    fake_slack.fail_next(1, "429", retry_after=120)
    d = _dispatcher(world, clock)
    d.run_once()
    assert d.next_due_in() > 100


def test_retry_after_pauses_the_whole_channel_and_does_not_trip_the_breaker(world, clock, fake_twilio):
    channels.add(world, "admin", "sms", "sms", {"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                                                "from_number": "+14155550100"}, secret=fake_twilio.auth_token)
    for i in range(4):
        stakeholders.save(world, "admin", name=f"Customer {i}", audience="customers", phone=f"+49 30 123456{i}")
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="sms")
    _publish(world)
    fake_twilio.fail_next(1, "429", retry_after=120)
    d = _dispatcher(world, clock)
    d.run_once()
    sms = channels.get(world, "sms")
    # Limited, with the vendor's words: never "ok", and not a failure that opens the breaker.
    assert len(fake_twilio.requests) == 1 and sms.state == "limited" and "429" in sms.last_error
    assert sms.failures == 0
    clock.advance(121)
    assert d.run_once().delivered == 4
    assert channels.get(world, "sms").state == "ok"


def test_a_lease_outlives_a_slow_send(tmp_path, memory_keyring, fake_slack):
    from warroom.clock import SystemClock

    store = open_store(tmp_path / "x.db", clock=SystemClock())
    try:
        team(store, Sam_Writer="communications_owner")
        channels.add(store, "admin", "slack", "slack", {}, secret=fake_slack.webhook_url)
        matrix.set_cell(store, "admin", "customers", "SEV1", channels="slack")
        outbox.set_settings(store, "admin", lease_s=1, timeout_s=5)      # a lease shorter than a request
        _publish(store)
        fake_slack.mode = "slow"                                          # answers after 1.5 s
        a, b = Dispatcher(store, owner="a", parallel=False), Dispatcher(store, owner="b", parallel=False)
        ta = threading.Thread(target=a.run_once)
        ta.start()
        __import__("time").sleep(1.2)
        tb = threading.Thread(target=b.run_once)
        tb.start()
        ta.join(10)
        tb.join(10)
        assert len(fake_slack.messages) == 1 and {s for _, s in _states(store)} == {"delivered"}
    finally:
        store.close()


def test_the_public_page_shows_only_what_was_published_to_it(world, clock, tmp_path):
    channels.add(world, "admin", "internal", "sitepage", {"out_dir": str(tmp_path / "internal")})
    matrix.set_cell(world, "admin", "executives", "SEV1", channels="internal")
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="site")
    _publish(world, title="Internal only: payroll DB breach", audience="executives")
    inc, _, _ = _publish(world, title="Checkout failing")
    d = _dispatcher(world, clock)
    d.run_once()
    incidents.update_incident(world, "Dana", inc.id, title="Checkout failing: root cause is vendor X's fraud")
    incidents.set_status(world, "Dana", inc.id, "resolved")
    clock.advance(60)
    _publish(world, title="Another incident")          # rebuilds the whole page
    d.run_once()
    public = json.loads((tmp_path / "site" / "api" / "v2" / "incidents.json").read_text())
    # Only what went to the customers' page, under its public titles; the status follows the incident.
    assert sorted((i["name"], i["status"]) for i in public["incidents"]) == [
        ("Service disruption: Checkout", "investigating"), ("Service disruption: Checkout", "resolved")]
    built = "".join(p.read_text() for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert "payroll" not in built and "fraud" not in built and "Checkout failing" not in built


def test_the_page_shows_an_update_whatever_route_carried_it(world, clock, tmp_path, fake_statuspage):
    # Statuspage first, the self-hosted page as its fallback: Statuspage took it, and
    # the self-hosted page shows it too (a reader of either sees the same words).
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>site")
    _publish(world)
    assert _dispatcher(world, clock).run_once().delivered == 1
    from warroom.services import site

    built = site.build(world, tmp_path / "site", channels.get(world, "site").config,
                       channel_id=channels.get(world, "site").id)
    assert built
    page = (tmp_path / "site" / "index.html").read_text()
    assert "Service disruption: Checkout" in page and "**" not in page


def test_failover_follows_the_route_the_delivery_was_planned_on(world, clock, fake_slack, fake_smtp,
                                                                fake_statuspage):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>slack, slack>email")
    _publish(world)
    fake_slack.mode = "500"
    d = _dispatcher(world, clock)
    _passes(d, clock, 6, every=20)
    clock.advance(400)
    d.run_once()
    assert len(fake_smtp.messages) == 3


def test_offline_the_queue_waits_and_drains_to_its_own_channels_on_reconnect(world, clock, fake_slack,
                                                                             fake_statuspage, fake_smtp):
    # Two vendors unreachable at once: the network is gone, not the vendors. Moving
    # the queue to e-mail would only move it to the next unreachable server.
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack>email")
    _publish(world)
    fake_slack.mode = fake_statuspage.mode = "drop"
    d = _dispatcher(world, clock)
    _passes(d, clock, 20, every=30)
    assert _states(world) == [("slack", "queued"), ("statuspage", "queued")]
    assert fake_smtp.messages == []
    fake_slack.mode = fake_statuspage.mode = "ok"
    clock.advance(600)
    d.run_once()
    assert _states(world) == [("slack", "delivered"), ("statuspage", "delivered")]
    assert len(fake_slack.messages) == 1 and fake_smtp.messages == []


@pytest.mark.parametrize("fallback", ["email", "site"])
def test_one_unreachable_vendor_fails_over_to_its_fallback(world, clock, fake_slack, fake_smtp, tmp_path, fallback):
    # Slack's servers drop the connection and nothing else is failing: from here that
    # is Slack's outage, and the route's fallback takes the update, whether it is an
    # unused e-mail server or the local status page.
    matrix.set_cell(world, "admin", "customers", "SEV1", channels=f"slack>{fallback}")
    _publish(world)
    fake_slack.mode = "drop"
    d = _dispatcher(world, clock)
    _passes(d, clock, 20, every=30)
    states = _states(world)
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
    _publish(world, title="Yesterday")
    fake_statuspage.mode = "drop"
    d = _dispatcher(world, clock)
    _passes(d, clock, 20, every=30)
    assert ("statuspage", "failed_over") in _states(world) and channels.get(world, "statuspage").state == "down"
    clock.advance(24 * 3600)
    # Today only Slack is unreachable: one vendor, so its update fails over to e-mail.
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>email")
    _publish(world, title="Today")
    fake_slack.mode = "drop"
    _passes(d, clock, 20, every=30)
    assert ("slack", "failed_over") in _states(world) and len(fake_smtp.messages) == 3


def test_a_locked_keyring_is_waited_for(world, clock, fake_slack, memory_keyring, monkeypatch):
    from keyring.errors import KeyringLocked

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world)

    def locked(*a, **k):
        raise KeyringLocked("the login keyring is locked")

    monkeypatch.setattr(memory_keyring, "get_password", locked)
    s = _dispatcher(world, clock).run_once()
    assert s.failed == 0 and s.retrying == 1 and channels.get(world, "slack").state == "ok"


def test_the_outbox_lists_the_newest_deliveries(world, clock):
    from warroom.ids import uuid7
    from warroom.store.models import Delivery

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world)
    with world.write("t") as tx:
        src = tx.session.query(Delivery).one()
        for _ in range(1000):
            tx.session.add(Delivery(**{c.name: getattr(src, c.name) for c in Delivery.__table__.columns}
                                    | {"id": uuid7(), "state": "delivered"}))
    clock.advance(10)
    inc, _, _ = _publish(world, title="Newest")
    rows = outbox.list_deliveries(world, viewer=SYSTEM)
    assert len(rows) == 1000 and rows[-1].incident_id == inc.id


def test_a_delivery_on_a_removed_channel_is_not_retried(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world)
    fake_slack.archived = True
    _dispatcher(world, clock).run_once()
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email")
    channels.remove(world, "admin", "slack")
    with pytest.raises(InputError, match="removed"):
        outbox.retry(world, "Dana", row.id)


def test_a_failover_copy_of_an_exercise_delivery_stays_an_exercise(world, clock, fake_twilio, fake_smtp):
    from warroom.store.models import Stakeholder

    channels.add(world, "admin", "sms", "sms", {"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                                                "from_number": "+14155550100"}, secret=fake_twilio.auth_token)
    stakeholders.save(world, "admin", name="Exec", audience="executives", phone="+49 30 1234560",
                      email="exec@example.com")
    with world.write("t") as tx:     # an old row with a number the SMS channel refuses
        tx.session.query(Stakeholder).filter(Stakeholder.name == "Exec").one().phone = "0049 30 1234560"
    matrix.set_cell(world, "admin", "executives", "SEV1", channels="sms>email")
    inc, _, _ = _publish(world, title="Tabletop", exercise=True, audience="executives")
    incidents.update_incident(world, "Dana", inc.id, exercise=False)     # the flag edited after publishing
    _dispatcher(world, clock).run_once()
    assert not fake_smtp.messages and not fake_twilio.messages


def test_a_vendor_that_enforces_its_rate_never_has_to_say_429(tmp_path, memory_keyring):
    """Slack allows one message a second per webhook; its stand-in here answers 429
    to anything faster. Three updates go out on real time, none refused."""
    from tests.fakes.vendors import FakeSlack
    from warroom.clock import SystemClock

    store = open_store(tmp_path / "rate.db", clock=SystemClock())
    try:
        with FakeSlack(rate_per_s=1) as slack:
            team(store, Sam_Writer="communications_owner")
            channels.add(store, "admin", "slack", "slack", {}, secret=slack.webhook_url)
            matrix.set_cell(store, "admin", "customers", "SEV1", channels="slack")
            for n in range(3):
                _publish(store, title=f"Incident {n}")
            summary = Dispatcher(store, parallel=False).run_once()
            assert summary.delivered == 3 and slack.rate_limited == 0 and len(slack.messages) == 3
            gaps = [b.at - a.at for a, b in zip(slack.requests, slack.requests[1:])]
            assert all(g >= 0.95 for g in gaps)
    finally:
        store.close()


def test_each_audience_is_due_its_own_cadence_from_its_own_last_update(world, clock):
    from warroom.services.matrix import update_dues

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack", cadence=timedelta(hours=2))
    matrix.set_cell(world, "admin", "partners", "SEV1", channels="email")           # the SEV1 default, 30 min
    matrix.set_cell(world, "admin", "executives", "SEV1", channels="email", told=False)
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    declared = clock.now()
    assert [(d.audience, d.at - declared) for d in update_dues(world, inc.id, viewer=SYSTEM)] == [
        ("partners", timedelta(minutes=30)), ("customers", timedelta(hours=2))]
    clock.advance(600)
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["partners"])[0]
    review.submit(world, "Dana", d.id)
    review.override(world, "Dana", d.id, "Reviewers unreachable at night")
    publishing.publish(world, "Dana", d.id)
    dues = {d.audience: d for d in update_dues(world, inc.id, viewer=SYSTEM)}
    assert dues["partners"].at == clock.now() + timedelta(minutes=30) and dues["partners"].last_update_at
    assert dues["customers"].at == declared + timedelta(hours=2) and dues["customers"].last_update_at is None
    incidents.set_severity(world, "Dana", inc.id, "SEV3")                   # the matrix routes nobody at SEV3
    assert update_dues(world, inc.id, viewer=SYSTEM) == []


def test_the_preview_of_a_publish_is_what_the_publish_queues_and_writes_nothing(world, clock):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>site, slack, email")
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(world, "Dana", d.id)
    review.override(world, "Dana", d.id, "Reviewers unreachable at night")
    before = world.data_version()
    preview = planning.preview(world, d.id, viewer=SYSTEM)
    assert world.data_version() == before and outbox.list_deliveries(world, viewer=SYSTEM) == []
    assert preview.channels == ("statuspage", "slack", "email") and preview.counts == (1, 1, 3)
    assert publishing.publish(world, "Dana", d.id) == preview
