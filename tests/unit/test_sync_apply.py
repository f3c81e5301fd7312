"""State is a function of the journal: a broad flow on database A through the
services, then database B rebuilt from A's journal alone through the appliers,
compared row by row (only the device-local columns named in one list left out)."""

from __future__ import annotations

import ast
import base64
import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.fakes.vendors import FakeWebhookReceiver
from warroom import demo
from warroom.app import open_store
from warroom.dispatch import Dispatcher
from warroom.identity import SYSTEM
from warroom.journal import verify
from warroom.services import (
    audiences, channels, drafts, incidents, matrix, outbox, people, policy, publishing, review, review_rules,
    reviewers, settings, stakeholders, templates, timeline, trust,
)
from warroom.store import Store
from warroom.store.models import JournalEvent
from warroom.sync.apply import APPLIERS, NOTHING_TO_APPLY, apply_event, defer_references, journal_rows, rebuild
from warroom.sync.apply_base import Event, EventRefused
from warroom.sync.apply_compare import DEVICE_LOCAL, differences, snapshot

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
    policy.set_update_interval(store, IC, "SEV3", timedelta(minutes=45))
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
    finally:
        b.close()



