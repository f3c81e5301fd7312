"""State is a function of the journal: a broad flow on database A through the
services, then database B rebuilt from A's journal alone through the appliers,
compared row by row (only the device-local columns named in one list left out)."""

from __future__ import annotations

import ast
import base64
import dataclasses
import json
import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from tests.fakes.vendors import FakeWebhookReceiver
from warroom import demo
from warroom.app import open_store
from warroom.delivery import records
from warroom.delivery.dispatcher import Dispatcher
from warroom.identity import SYSTEM
from warroom.journal import canonical_json, verify
from warroom.services import (
    audiences, cadence, channels, drafts, incidents, matrix, outbox, people, publishing, review, review_rules,
    reviewers, settings, stakeholders, templates, timeline, trust,
)
from warroom.store import Store
from warroom.store.models import Delivery, JournalEvent, TimelineEntry
from warroom.sync.apply import (
    APPLIERS, NOTHING_TO_APPLY, apply_event, defer_references, ingest, ingest_all, journal_rows, rebuild,
)
from warroom.sync.apply_base import Event, EventRefused
from warroom.sync.apply_compare import differences, snapshot

IC = "Dana Okafor"
TECH = "Ravi Shah"
COMMS = "Mia Lindqvist"
ARBITER = "Sam Porter"


def _dispatch(store, clock):
    return Dispatcher(store, sleep=clock.advance, rate_clock=clock.now, rng=random.Random(7),
                      parallel=False).run_once()


def _template(name: str, **kw):
    base = dict(name=name, locale="en", category="other", audience="partners", phase="update",
                subject="{{ title }}", long="We are working on {{ incident.ref }}. Next update by {{ update.next_at }}.",
                short="{{ incident.ref }}: working on it.", chat="*{{ incident.ref }}* working on it")
    base.update(kw)
    return base


def _reviewed(store, clock, inc_id, long: str):
    """A partners' update taken through both reviews: one given, one handed on when
    its window lapsed and given by the backup."""
    d = drafts.compose_drafts(store, COMMS, inc_id, ["partners"], template="partners-update")[0]
    d = drafts.save_revision(store, COMMS, d.id, subject=d.subject, long=long)
    review.submit(store, COMMS, d.id, acknowledge=True)
    review.decide(store, TECH, d.id, "approve", acknowledge=True)
    clock.advance(timedelta(minutes=6))
    assert reviewers.sweep(store)               # the comms review was handed on
    pending = [r for r in review.requests(store, d.id, viewer=SYSTEM) if r.state == "pending"]
    review.decide(store, pending[0].assignee or ARBITER, d.id, "approve", acknowledge=True)
    return d


def broad_flow(store, clock, hook, spare, tmp_path: Path) -> None:
    """Every kind of change War room journals, through the services."""
    demo.create(store)
    main = incidents.list_incidents(store, viewer=SYSTEM)[0]
    # People and roles.
    people.save(store, IC, "Nina Noor", roles="comms_reviewer", email="nina@example.com")
    people.save(store, IC, "Nina Noor", roles="comms_reviewer,legal_reviewer")
    people.save(store, IC, "Mia Lindqvist", backups={"comms_reviewer": "Sam Porter"})
    # Audiences, stakeholders, settings, policies, trust.
    audiences.save(store, IC, "partners", label="Partners", external=True, locale="en", timezone="Europe/Berlin")
    audiences.save(store, IC, "partners", label="Our partners")
    audiences.save(store, IC, "suppliers", label="Suppliers", external=True)
    stakeholders.save(store, IC, name="Partner One", audience="partners", email="ops@partner-one.example")
    stakeholders.save(store, IC, name="Partner One", audience="partners", email="noc@partner-one.example",
                      phone="+44 20 7946 0001")
    settings.set_lint_domains(store, IC, internal_domains=["corp.example.com"])
    outbox.set_settings(store, IC, dead_after_s=3600, failover_after_s=60)
    cadence.set_update_interval(store, IC, "SEV3", timedelta(minutes=45))
    review_rules.set_window(store, IC, "SEV2", timedelta(minutes=5))
    review_rules.set_window(store, IC, "SEV1", timedelta(minutes=5))
    review_rules.set_policy(store, IC, "partners", "technical_reviewer,comms_reviewer")
    review_rules.set_arbiter(store, IC, ARBITER)
    trust.trust(store, IC, base64.b64encode(b"\x07" * 32).decode(), "Legal's laptop")
    trust.trust(store, IC, base64.b64encode(b"\x08" * 32).decode(), "Old laptop")
    trust.distrust(store, IC, base64.b64encode(b"\x08" * 32).decode())
    # Channels (secrets go to the keyring only), the matrix.
    channels.add(store, IC, "hook", "webhook", {"url": hook.hook_url}, secret="not the receiver's key")
    channels.add(store, IC, "spare", "webhook", {"url": spare.hook_url}, secret=spare.key)
    channels.update(store, IC, "spare", rename="backup-hook", config={"rate_per_s": 1000})
    channels.add(store, IC, "old-page", "sitepage", {"out_dir": str(tmp_path / "old-page")})
    channels.remove(store, IC, "old-page")
    channels.add(store, IC, "nowhere", "webhook", {"url": "http://127.0.0.1:9/hooks"}, secret="k")
    matrix.set_cell(store, IC, "partners", "all", channels="hook>backup-hook", cadence=timedelta(minutes=30))
    matrix.set_cell(store, IC, "executives", "all", channels="nowhere")
    # Templates, saved and approved.
    templates.save(store, COMMS, **_template("partners-update"))
    templates.save(store, COMMS, **_template("partners-update", chat="*{{ incident.ref }}*: still on it"))
    templates.save(store, COMMS, **_template("partners-holding", phase="holding", preapproved=True))
    templates.approve_version(store, ARBITER, "partners-holding", "en")
    templates.approve_version(store, "Priya Nair", "partners-holding", "en")

    # An incident through its life: facts, members, status, severity, reopening, the log.
    inc = incidents.open_incident(store, IC, title="Card payments declined", severity="SEV3",
                                  category="application", components=["Payments"], commander=TECH,
                                  confidential=True, customer_facing=True)
    incidents.update_incident(store, TECH, inc.id, title="Card payments declined for some issuers",
                              components=["Payments", "Checkout"], impact="partial_outage")
    incidents.set_members(store, TECH, inc.id, add=[COMMS, ARBITER])
    entry = timeline.log(store, TECH, inc.id, "Issuer BIN range 4571 returning code 05.", kind="note")
    timeline.edit(store, TECH, entry.id, "Issuer BIN range 4571 returning code 05 since 09:02.")
    incidents.set_status(store, TECH, inc.id, "identified", note="Tokenisation service rejects a new key.")
    incidents.set_severity(store, TECH, inc.id, "SEV2", note="More issuers affected.")
    incidents.set_status(store, TECH, inc.id, "resolved")
    incidents.reopen(store, TECH, inc.id, "Declines are back.")
    incidents.set_severity(store, TECH, inc.id, "SEV1")

    # Reviewed, handed over, published; delivered after a retry and a failover.
    first = _reviewed(store, clock, inc.id, "Some card payments are declined. We believe a key rotation caused it.")
    publishing.publish(store, TECH, first.id, acknowledge=True)
    spare.fail_next(1, "500")
    _dispatch(store, clock)                      # hook refuses (a wrong key): over to backup-hook, which fails once
    channels.test(store, IC, "backup-hook")      # it works: what waits on it goes now
    assert _dispatch(store, clock).delivered == 1
    # Disputed and settled by the arbiter.
    second = drafts.compose_drafts(store, COMMS, inc.id, ["partners"], template="partners-update")[0]
    review.submit(store, COMMS, second.id, acknowledge=True)
    review.decide(store, TECH, second.id, "approve", acknowledge=True)
    review.decide(store, ARBITER, second.id, "reject", comment="Too vague for partners.")
    review.decide_dispute(store, ARBITER, second.id, "approve", "Vague is right while we know little.")
    publishing.publish(store, TECH, second.id, acknowledge=True)
    # Overridden, then withdrawn; another overridden, published, retracted and corrected.
    third = drafts.compose_drafts(store, COMMS, inc.id, ["partners"], template="partners-update")[0]
    review.submit(store, COMMS, third.id, acknowledge=True)
    review.override(store, TECH, third.id, "Partners must hear now", acknowledge=True)
    publishing.withdraw(store, TECH, third.id, "Superseded by a call with each partner.")
    _dispatch(store, clock)
    publishing.retract(store, TECH, second.id, "It named the wrong issuer.")
    correction = publishing.correct(store, COMMS, second.id)
    drafts.save_revision(store, COMMS, correction, subject="Card payments: correction",
                         long="Some card payments were declined. Next update by {{ update.next_at }}.")
    _dispatch(store, clock)
    # A channel nobody can reach: a delivery retried, then dead, then sent again and cancelled.
    exec_draft = drafts.compose_drafts(store, IC, main.id, ["executives"])[0]
    review.submit(store, IC, exec_draft.id, acknowledge=True)
    review.override(store, IC, exec_draft.id, "Board call in five minutes", acknowledge=True)
    publishing.publish(store, IC, exec_draft.id, acknowledge=True)
    _dispatch(store, clock)
    clock.advance(timedelta(hours=2))
    _dispatch(store, clock)
    dead = outbox.list_deliveries(store, viewer=SYSTEM, states=("failed",))
    assert dead, "a delivery to the unreachable channel went dead"
    outbox.retry(store, IC, dead[0].id)
    outbox.cancel(store, IC, dead[0].id)
    # An exercise: delivered as "would have been sent".
    drill = incidents.open_incident(store, IC, title="Tabletop: payments outage", severity="SEV2",
                                    exercise=True, customer_facing=True)
    drill_draft = drafts.compose_drafts(store, COMMS, drill.id, ["partners"], template="partners-update")[0]
    review.submit(store, COMMS, drill_draft.id, acknowledge=True)
    review.override(store, IC, drill_draft.id, "Drill", acknowledge=True)
    publishing.publish(store, IC, drill_draft.id, acknowledge=True)
    _dispatch(store, clock)


@pytest.fixture
def flown(tmp_path, clock, memory_keyring, fake_webhook):
    """Database A after the broad flow."""
    store = open_store(tmp_path / "a.db", clock=clock)
    with FakeWebhookReceiver() as spare:
        broad_flow(store, clock, fake_webhook, spare, tmp_path)
    yield store
    store.close()


def _empty(path: Path, clock) -> Store:
    return Store.open(path, clock=clock)     # no shipped templates: everything comes from the journal


def _kinds(store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(JournalEvent.kind).distinct()))


def test_a_database_rebuilt_from_the_journal_alone_equals_the_one_that_wrote_it(flown, tmp_path, clock):
    b = _empty(tmp_path / "b.db", clock)
    try:
        applied = rebuild(flown, b)
        with flown.read() as session:
            want = snapshot(session)
        with b.read() as session:
            got = snapshot(session)
            report = verify(session)
        assert applied > 100
        assert differences(want, got) == []
        assert report.ok, report.problems or report.mismatches
        # The rebuilt database goes on working: its own chain continues beside the other's.
        main = incidents.list_incidents(b, viewer=SYSTEM)[0]
        timeline.log(b, IC, main.id, "Logged on the second laptop.")
        with b.read() as session:
            assert verify(session).ok
    finally:
        b.close()





def test_the_rows_are_compared_in_full_and_a_difference_is_named(flown, tmp_path, clock):
    b = _empty(tmp_path / "b.db", clock)
    try:
        rebuild(flown, b)
        with b.write(SYSTEM) as tx:
            entry = tx.session.scalars(select(TimelineEntry).where(TimelineEntry.edited_at.is_not(None))).one()
            before, entry.text = entry.text, "changed on one side only"
        with flown.read() as session:
            want = snapshot(session)
        with b.read() as session:
            got = snapshot(session)
        assert differences(want, got) == [f"timeline_entry ({entry.id!r},).text: {before!r} != "
                                          "'changed on one side only'"]
    finally:
        b.close()


def test_applying_the_journal_again_changes_nothing(flown, tmp_path, clock):
    b = _empty(tmp_path / "b.db", clock)
    try:
        rebuild(flown, b)
        with b.read() as session:
            once = snapshot(session)
        assert rebuild(flown, b) == 0                     # every event is known: none is applied again
        with flown.read() as session:
            rows = journal_rows(session)
        # Each applier on its own, over events it has applied already: nothing moves.
        with b.write(SYSTEM, warn_ms=None) as tx:
            defer_references(tx.session)
            for row in rows:
                event = Event.from_row(row)
                apply_event(tx.session, event)
                apply_event(tx.session, event)
        with b.read() as session:
            assert differences(once, snapshot(session)) == []
    finally:
        b.close()


def test_a_publish_journaled_with_every_delivery_whole_as_before_gives_the_same_rows(flown, tmp_path, clock):
    """A publish journals its deliveries grouped by channel (what they share once, then
    each one's own); events written before that carry every row whole, and still apply."""
    b = _empty(tmp_path / "b.db", clock)
    try:
        rebuild(flown, b)
        with flown.read() as session:
            want = snapshot(session)
            rows = journal_rows(session)
        whole = 0
        with b.write(SYSTEM, warn_ms=None) as tx:
            defer_references(tx.session)
            tx.session.execute(delete(Delivery))
            for row in rows:
                event = Event.from_row(row)
                if "delivery_groups" in event.payload:
                    payload = {k: v for k, v in event.payload.items() if k != "delivery_groups"}
                    payload["delivery_rows"] = json.loads(canonical_json(records.published(event.payload)))
                    event = dataclasses.replace(event, payload=payload)
                    whole += len(payload["delivery_rows"])
                apply_event(tx.session, event)
        assert whole >= 4
        with b.read() as session:
            assert differences(want, snapshot(session)) == []
    finally:
        b.close()


def test_a_group_of_deliveries_expands_to_the_records_of_its_rows():
    from warroom.ids import uuid7

    message = {"delivery_id": None, "subject": "Payments", "long": "Declined."}
    shared = {name: f"{name} value" for name in records.RECORD_COLUMNS} | {"message": message}
    rows = [{"id": uuid7(), "recipient": f"R{i}", "address": f"r{i}@example.com"} for i in range(3)]
    grouped = records.group(shared, rows)
    assert "recipient" not in grouped["shared"] and grouped["shared"]["message"]["delivery_id"] is None
    assert list(records.expand(grouped)) == [
        dict(shared, **row, message=dict(message, delivery_id=str(row["id"]))) for row in rows]
    assert records.published({"delivery_groups": [grouped, grouped]}) == list(records.expand(grouped)) * 2
    assert records.published({"delivery_rows": [{"id": "x"}]}) == [{"id": "x"}]
    assert records.published({}) == []


def test_every_kind_recorded_anywhere_has_exactly_one_applier_or_says_it_has_none():
    root = Path(__file__).resolve().parents[2] / "warroom"
    recorded: set[str] = {"database.created"}          # written by the store itself when it makes a device
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name == "record" and node.args:
                kind = node.args[0]
            elif name in ("_alert", "alert") and len(node.args) > 2:   # the dispatcher's alerts name their kind
                kind = node.args[2]
            else:
                continue
            recorded |= {c.value for c in ast.walk(kind) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert {"incident.reopened", "incident.status_changed", "delivery.simulated", "delivery.delivered",
            "delivery.dead", "delivery.failed_over"} <= recorded
    assert recorded == set(APPLIERS)
    assert {k for k, fn in APPLIERS.items() if fn is None} == set(NOTHING_TO_APPLY)


def test_an_unknown_kind_is_refused_by_name(store):
    from warroom.ids import uuid7

    event = Event(uuid7(), store.device_id, 2, store.clock.now(), "Dana", None, "incident.teleported", {})
    with store.write(SYSTEM) as tx, pytest.raises(EventRefused, match="incident.teleported"):
        apply_event(tx.session, event)


def test_a_payload_without_what_its_kind_needs_is_refused_by_name(store):
    from warroom.ids import uuid7

    event = Event(uuid7(), store.device_id, 2, store.clock.now(), "Dana", None, "review.decided",
                  {"draft_id": str(uuid7())})
    with store.write(SYSTEM) as tx, pytest.raises(EventRefused, match="lacks 'request_id'"):
        apply_event(tx.session, event)


def test_no_secret_reaches_a_payload(flown, memory_keyring):
    with flown.read() as session:
        text = "\n".join(session.scalars(select(JournalEvent.payload)))
    secrets = [v for (service, user), v in memory_keyring.items.items() if user.startswith("channel/")]
    assert "not the receiver's key" in secrets and len(secrets) >= 2     # the channels' secrets, still there
    assert [s for s in secrets if len(s) > 1 and s in text] == []


def _first_device_work(store) -> None:
    """One device runs an incident (its own rows only)."""
    from tests.helpers.team import team

    team(store)
    inc = incidents.open_incident(store, "Dana", title="Search is slow", severity="SEV2", components=["Search"])
    timeline.log(store, "Dana", inc.id, "Index rebuild running on two nodes.")
    incidents.set_status(store, "Dana", inc.id, "identified", note="A node lost its disk.")
    d = drafts.compose_drafts(store, "Sam", inc.id, ["customers"])[0]
    drafts.save_revision(store, "Sam", d.id, subject=d.subject, long=d.long + "\nWe are rebuilding the index.")
    review.submit(store, "Sam", d.id, acknowledge=True)
    review.decide(store, "Ravi Shah", d.id, "approve", acknowledge=True)


def _second_device_work(store) -> None:
    """Another device, at the same time, configures (other rows than the first's)."""
    people.save(store, SYSTEM, "Zoe Admin", roles="administrator")
    people.save(store, SYSTEM, "Yann Reviewer", roles="comms_reviewer")
    audiences.save(store, "Zoe Admin", "suppliers", label="Suppliers", external=True)
    stakeholders.save(store, "Zoe Admin", name="Supplier One", audience="suppliers", email="ops@supplier.example")
    templates.save(store, "Zoe Admin", **_template("suppliers-update", audience="suppliers"))
    cadence.set_update_interval(store, "Zoe Admin", "SEV4", timedelta(hours=8))
    settings.set_org(store, "Zoe Admin", name="Example Corp")


def _orders(chains: list[list[dict]], n: int, seed: int = 11):
    """``n`` interleavings of the chains, each keeping every chain's own order."""
    rng = random.Random(seed)
    yield [row for chain in chains for row in chain]
    yield [row for chain in reversed(chains) for row in chain]
    for _ in range(n):
        left = [list(chain) for chain in chains]
        order = []
        while any(left):
            order.append(rng.choice([c for c in left if c]).pop(0))
        yield order


def test_two_devices_interleaved_in_any_order_that_keeps_each_ones_order_give_one_state(tmp_path, clock):
    first = open_store(tmp_path / "first.db", clock=clock)
    second = Store.open(tmp_path / "second.db", clock=clock)
    try:
        _first_device_work(first)
        _second_device_work(second)
        chains = []
        for source in (first, second):
            with source.read() as session:
                chains.append(journal_rows(session))
        states = []
        for i, order in enumerate(_orders(chains, 4)):
            b = _empty(tmp_path / f"b{i}.db", clock)
            try:
                assert ingest_all(b, order) == len(order)
                with b.read() as session:
                    states.append(snapshot(session))
                    assert verify(session).ok
            finally:
                b.close()
        for state in states[1:]:
            assert differences(states[0], state) == []
        with first.read() as session:
            mine = snapshot(session)
        assert mine["incident"].keys() == states[0]["incident"].keys()
        assert len(states[0]["person"]) == len(mine["person"]) + 2
    finally:
        first.close()
        second.close()


def test_an_altered_event_or_a_gap_is_refused_and_named(flown, tmp_path, clock):
    with flown.read() as session:
        rows = [r for r in journal_rows(session)]
    b = _empty(tmp_path / "b.db", clock)
    try:
        payload = json.loads(rows[5]["payload"])
        payload["forged"] = True
        altered = dict(rows[5], payload=canonical_json(payload))
        with pytest.raises(EventRefused, match=f"event {rows[5]['id']}.*changed"):
            with b.write(SYSTEM) as tx:
                defer_references(tx.session)
                for row in rows[:5] + [altered]:
                    ingest(tx.session, row)
        with pytest.raises(EventRefused, match="does not continue its device's chain"):
            with b.write(SYSTEM) as tx:
                ingest(tx.session, rows[3])
        with b.read() as session:
            assert session.scalar(select(JournalEvent.id).where(JournalEvent.id == rows[0]["id"])) is None
    finally:
        b.close()


def test_a_pull_writes_many_entries_without_a_flush_each_and_finds_what_it_wrote(tmp_path, clock):
    """``timeline.logged`` looks its entry up without flushing (apply.QUICK_KINDS): an
    entry put earlier in the same transaction is still found, so applying its event
    twice, or editing it, in one pull writes one row with the last words."""
    from warroom.sync.apply import QUICK_KINDS

    assert "timeline.logged" in QUICK_KINDS
    a = open_store(tmp_path / "a.db", clock=clock)
    inc = incidents.open_incident(a, IC, title="Checkout errors", severity="SEV2", category="application")
    entry = timeline.log(a, IC, inc.id, "Error rate at 38%")
    timeline.edit(a, IC, entry.id, "Error rate at 41%")
    timeline.log(a, IC, inc.id, "Rolled back 2.4.1")
    rows = [r for r in journal_rows_of(a) if r["kind"] != "database.created"]
    a.close()
    b = open_store(tmp_path / "b.db", clock=clock)
    try:
        with b.write(SYSTEM) as tx:
            defer_references(tx.session)
            for row in rows + rows:   # the whole pull twice in one transaction: no flush in between
                apply_event(tx.session, Event.from_row(row))
        with b.read() as session:
            texts = sorted(e.text for e in session.scalars(select(TimelineEntry)
                                                           .where(TimelineEntry.incident_id == inc.id)))
        assert len(texts) == 3                          # declared, and the two logged: once each
        assert "Error rate at 41%" in texts and "Rolled back 2.4.1" in texts and "Error rate at 38%" not in texts
    finally:
        b.close()


def journal_rows_of(store) -> list[dict]:
    with store.read() as session:
        return journal_rows(session)
