"""The dispatcher (warroom.delivery.dispatcher) against vendor-like servers on 127.0.0.1:
sending, retries and back-off, leases, rates, and what survives a killed process.

A simulated clock drives back-off and breakers, so the tests are exact; the servers
are real HTTP and SMTP servers."""

from __future__ import annotations

import json
import random
import threading
from datetime import timedelta
from email.utils import parseaddr

import pytest

from tests.helpers.delivery import delivery_states, make_dispatcher, publish_overridden, run_passes
from tests.helpers.team import team
from warroom.app import open_store
from warroom.delivery.dispatcher import Dispatcher, backoff, rate_check
from warroom.identity import SYSTEM
from warroom.journal import verify
from warroom.services import channels, drafts, incidents, matrix, outbox, publishing, review, stakeholders


def test_an_approved_customer_update_reaches_every_channel(world, clock, fake_statuspage, fake_slack, fake_smtp,
                                                           tmp_path):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack, email, site")
    inc, d, _ = publish_overridden(world)
    summary = make_dispatcher(world, clock).run_once()
    assert summary.delivered == 6 and not summary.errors
    assert {s for _, s in delivery_states(world)} == {"delivered"}
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
    inc, d, _ = publish_overridden(world)
    dispatcher = make_dispatcher(world, clock)
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
    publish_overridden(world)
    fake_slack.fail_next(1, "429", retry_after=120)
    dispatcher = make_dispatcher(world, clock)
    assert dispatcher.run_once().retrying == 1
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    assert row.state == "queued" and row.next_attempt_at >= clock.now() + timedelta(seconds=119)
    assert "429" in row.last_error
    clock.advance(60)
    assert dispatcher.run_once().sent == 0          # not before the vendor said
    clock.advance(61)
    assert dispatcher.run_once().delivered == 1
    assert len(fake_slack.messages) == 1 and outbox.list_deliveries(world, viewer=SYSTEM)[0].attempts == 2


def test_with_every_server_down_it_waits_and_is_delivered_once_they_return_across_a_restart(
        db_path, world, clock, fake_statuspage, fake_slack, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack, email")
    publish_overridden(world)
    fake_statuspage.mode = "drop"
    fake_slack.mode = "500"
    fake_smtp.fail_next(100, 421)
    dispatcher = make_dispatcher(world, clock)
    for _ in range(5):
        dispatcher.run_once()
        clock.advance(45)
    assert {s for _, s in delivery_states(world)} == {"queued"}
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
        make_dispatcher(again, clock).run_once()
        assert {s for _, s in delivery_states(again)} == {"delivered"}
        assert len(fake_statuspage.incidents) == 1 and len(fake_slack.messages) == 1
        assert len(fake_smtp.messages) == 3
        assert {c.state for c in outbox.channel_states(again, viewer=SYSTEM) if c.name != "site"} == {"ok"}
    finally:
        again.close()


def test_exercise_incidents_never_reach_a_channel(world, clock, fake_slack, fake_statuspage, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack, email")
    publish_overridden(world, title="Tabletop: payments down", exercise=True)
    summary = make_dispatcher(world, clock).run_once()
    assert summary.simulated == 5 and summary.delivered == 0
    assert fake_slack.requests == [] and fake_statuspage.requests == [] and fake_smtp.messages == []
    shown = {r.channel: r.receipt for r in outbox.list_deliveries(world, viewer=SYSTEM)}
    assert shown["slack"]["payload"]["text"]                    # as it would have been sent
    name = shown["statuspage"]["payload"]["body"]["incident"]["name"]
    assert name == "[EXERCISE] Service disruption: Checkout"   # marked, and the public title only


def test_a_lease_keeps_a_second_dispatcher_off_until_it_expires(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_overridden(world)
    first, second = make_dispatcher(world, clock, owner="first"), make_dispatcher(world, clock, owner="second")
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
        publish_overridden(world, title=f"Incident {n}")
    victim = make_dispatcher(world, clock, owner="victim")
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
    make_dispatcher(world, clock, owner="survivor").run_once()
    assert {s for _, s in delivery_states(world)} == {"delivered"}
    # Nothing lost, nothing sent twice: the receipt the victim kept beside the database
    # was recorded by the survivor instead of sending the third update again.
    assert len(fake_webhook.requests) == 5 and len(fake_webhook.received) == 5 and fake_webhook.duplicates == 0


def test_two_dispatchers_on_one_database_never_send_twice(db_path, world, clock, fake_webhook):
    channels.add(world, "admin", "hook", "webhook", {"url": fake_webhook.hook_url, "rate_per_s": 1000},
                 secret=fake_webhook.key)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="hook")
    for n in range(20):
        publish_overridden(world, title=f"Incident {n}")
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
    assert {s for _, s in delivery_states(world)} == {"delivered"}
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
        publish_overridden(world, title=f"Incident {n}")
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
            publish_overridden(store, title=f"Incident {n}")
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
    inc, d, _ = publish_overridden(world, audience="executives")
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
    dispatcher = make_dispatcher(world, clock)
    assert dispatcher.run_once().retrying == 1
    assert len(fake_twilio.messages) == 1
    clock.advance(60)
    assert dispatcher.run_once().delivered == 1
    bodies = [m["Body"] for m in fake_twilio.messages]
    assert len(bodies) == len(set(bodies)) >= 3            # every part once, none twice
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    assert len(row.receipt["sids"]) == len(bodies)


def test_rate_limits_run_on_real_time_when_the_store_clock_stands_still(world, fake_webhook):
    """An exercise's simulated clock may not move: the dispatcher must still finish
    its pass, spacing sends by real seconds."""
    channels.add(world, "admin", "hook", "webhook", {"url": fake_webhook.hook_url, "rate_per_s": 20},
                 secret=fake_webhook.key)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="hook")
    for n in range(8):
        publish_overridden(world, title=f"Incident {n}")
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


def test_a_successful_channel_test_closes_the_breaker(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_overridden(world)
    fake_slack.mode = "500"
    d = make_dispatcher(world, clock)
    run_passes(d, clock, 4, every=20)
    assert channels.get(world, "slack").state == "down"
    fake_slack.mode = "ok"
    channels.test(world, SYSTEM, "slack")
    assert channels.get(world, "slack").state == "ok"


def test_refused_addresses_do_not_mark_a_working_server_down(world, clock, fake_smtp):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email")
    fake_smtp.reject_recipients = {f"ops{i}@customer{i}.example" for i in range(3)}
    publish_overridden(world)
    assert make_dispatcher(world, clock).run_once().failed == 3
    assert channels.get(world, "email").state == "ok"


def test_a_delivery_waiting_behind_another_does_not_make_the_loop_spin(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_overridden(world, title="one")
    publish_overridden(world, title="two")
    fake_slack.fail_next(1, "429", retry_after=120)
    d = make_dispatcher(world, clock)
    d.run_once()
    assert d.next_due_in() > 100


def test_retry_after_pauses_the_whole_channel_and_does_not_trip_the_breaker(world, clock, fake_twilio):
    channels.add(world, "admin", "sms", "sms", {"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                                                "from_number": "+14155550100"}, secret=fake_twilio.auth_token)
    for i in range(4):
        stakeholders.save(world, "admin", name=f"Customer {i}", audience="customers", phone=f"+49 30 123456{i}")
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="sms")
    publish_overridden(world)
    fake_twilio.fail_next(1, "429", retry_after=120)
    d = make_dispatcher(world, clock)
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
        publish_overridden(store)
        fake_slack.mode = "slow"                                          # answers after 1.5 s
        a, b = Dispatcher(store, owner="a", parallel=False), Dispatcher(store, owner="b", parallel=False)
        ta = threading.Thread(target=a.run_once)
        ta.start()
        __import__("time").sleep(1.2)
        tb = threading.Thread(target=b.run_once)
        tb.start()
        ta.join(10)
        tb.join(10)
        assert len(fake_slack.messages) == 1 and {s for _, s in delivery_states(store)} == {"delivered"}
    finally:
        store.close()


def test_a_locked_keyring_is_waited_for(world, clock, fake_slack, memory_keyring, monkeypatch):
    from keyring.errors import KeyringLocked

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_overridden(world)

    def locked(*a, **k):
        raise KeyringLocked("the login keyring is locked")

    monkeypatch.setattr(memory_keyring, "get_password", locked)
    s = make_dispatcher(world, clock).run_once()
    assert s.failed == 0 and s.retrying == 1 and channels.get(world, "slack").state == "ok"


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
                publish_overridden(store, title=f"Incident {n}")
            summary = Dispatcher(store, parallel=False).run_once()
            assert summary.delivered == 3 and slack.rate_limited == 0 and len(slack.messages) == 3
            gaps = [b.at - a.at for a, b in zip(slack.requests, slack.requests[1:])]
            assert all(g >= 0.95 for g in gaps)
    finally:
        store.close()


def test_the_teams_shared_rate_is_asked_outside_any_write_transaction(world, clock, fake_slack, db_path):
    """A slow team server must never hold this laptop's write lock: the shared bucket is
    asked after the claim is written, and its waits are waited before the send."""
    import sqlite3

    class Bucket:
        """The team's bucket, answering 'wait' twice for every send, then 'go'."""

        def __init__(self) -> None:
            self.asked, self.lock_free, self.answers = 0, [], []

        def ready(self) -> bool:
            return True

        def take(self, channel_id, rate, burst):
            self.asked += 1
            other = sqlite3.connect(db_path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")     # fails at once while a writer holds the lock
                other.rollback()
                self.lock_free.append(True)
            except sqlite3.OperationalError:
                self.lock_free.append(False)
            finally:
                other.close()
            answer = 0.25 if self.asked % 3 else 0.0
            self.answers.append(answer)
            return answer

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_overridden(world)
    bucket = Bucket()
    slept = []
    d = Dispatcher(world, sleep=lambda s: (slept.append(s), clock.advance(s)), rate_clock=clock.now,
                   rng=random.Random(7), parallel=False, shared_rates=bucket)
    summary = d.run_once()
    assert summary.delivered == 1 and len(fake_slack.messages) == 1
    assert bucket.asked == 3 and all(bucket.lock_free)              # never inside the claim's transaction
    assert slept[:2] == [0.25, 0.25]                                  # the team's waits, before the send
