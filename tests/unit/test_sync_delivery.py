"""Deliveries in a synced room: every laptop holds every delivery row, and each is sent
by the one device that queued it (or adopted it), so a room of laptops each running a
dispatcher sends every message once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.fakes.vendors import FakeWebhookReceiver
from tests.helpers.bundles import told
from tests.helpers.delivery import make_dispatcher
from warroom.app import open_store
from warroom.errors import InputError, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import channels, drafts, incidents, matrix, outbox, people, publishing, review
from warroom.store import Store
from warroom.sync import bundle


def _send_over(source: Store, target: Store, tmp_path, name: str) -> int:
    """What ``target`` lacks of ``source``'s journal, carried in a bundle."""
    path = tmp_path / f"{name}.wrb"
    bundle.export(source, path, since=bundle.parse_heads(json.dumps(bundle.heads(target))))
    return bundle.import_(target, path, signer=told(path)).events


def _publish(store: Store, inc_id, text: str):
    d = drafts.compose_drafts(store, "Alice", inc_id, ["executives"])[0]
    drafts.save_revision(store, "Alice", d.id, subject=d.subject, long=text)
    review.submit(store, "Alice", d.id, acknowledge=True)
    review.override(store, "Alice", d.id, "The board meets in five minutes", acknowledge=True)
    publishing.publish(store, "Alice", d.id, acknowledge=True)
    return d


def _states(store: Store) -> list[str]:
    return sorted(r.state for r in outbox.list_deliveries(store, viewer=SYSTEM))


@pytest.fixture
def room(tmp_path, clock, memory_keyring):
    """Alice's laptop with a webhook channel for executives, and Bob's laptop holding
    all of it through a bundle; both with a dispatcher."""
    with FakeWebhookReceiver() as hook:
        a = open_store(tmp_path / "a.db", clock=clock)
        b = Store.open(tmp_path / "b.db", clock=clock)
        try:
            people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
            people.save(a, "Alice", "Bob", roles="incident_commander")
            people.save(a, "Alice", "Vic", roles="viewer")
            channels.add(a, "Alice", "hook", "webhook", {"url": hook.hook_url}, secret=hook.key)
            matrix.set_cell(a, "Alice", "executives", "all", channels="hook")
            inc = incidents.open_incident(a, "Alice", title="Checkout failing", severity="SEV1")
            _send_over(a, b, tmp_path, "setup")
            yield a, b, inc, hook
        finally:
            a.close()
            b.close()


def test_an_update_published_on_one_laptop_is_sent_once_though_both_run_dispatchers(room, tmp_path, clock):
    a, b, inc, hook = room
    _publish(a, inc.id, "Checkout fails for some card payments. Next update by 10:00 UTC.")
    assert _send_over(a, b, tmp_path, "published") > 0
    assert _states(b) == ["queued"]                        # Bob's laptop holds the row…
    assert make_dispatcher(b, clock).run_once().delivered == 0
    assert hook.received == []                               # …and leaves it to Alice's
    # Bob's dispatcher settles nothing of Alice's either: no dead letter past the dead-letter time.
    clock.advance(timedelta(hours=3))
    make_dispatcher(b, clock).run_once()
    assert _states(b) == ["queued"]
    assert make_dispatcher(a, clock).run_once().delivered == 1
    assert len(hook.received) == 1 and hook.duplicates == 0
    _send_over(a, b, tmp_path, "delivered")
    assert _states(b) == ["delivered"]
    make_dispatcher(b, clock).run_once()
    assert len(hook.received) == 1 and hook.duplicates == 0


def test_a_lost_laptops_queue_is_adopted_and_then_sent_by_the_adopter_alone(room, tmp_path, clock):
    a, b, inc, hook = room
    hook.fail_next(1, "500")                                   # Alice's try fails: it waits to be retried
    _publish(a, inc.id, "Checkout fails for some card payments. Next update by 10:00 UTC.")
    make_dispatcher(a, clock).run_once()
    assert hook.received == []
    _send_over(a, b, tmp_path, "queued")
    # Alice's laptop is lost. A viewer may not take its deliveries over; a commander may.
    with pytest.raises(NotPermitted):
        outbox.adopt(b, "Vic")
    with pytest.raises(InputError, match="beginning 'ffff'"):
        outbox.adopt(b, "Bob", device="ffff")
    assert outbox.adopt(b, "Bob", device=str(a.device_id)[:8]) == 1
    with pytest.raises(InputError, match="No queued delivery of another laptop"):
        outbox.adopt(b, "Bob")
    clock.advance(timedelta(minutes=5))
    assert make_dispatcher(b, clock).run_once().delivered == 1
    # Alice's laptop turns up again: it learns Bob's laptop took them, and sends nothing.
    _send_over(b, a, tmp_path, "adopted")
    make_dispatcher(a, clock).run_once()
    assert _states(a) == ["delivered"]
    assert len(hook.received) == 1 and hook.duplicates == 0


def test_the_outbox_names_the_laptop_that_sends_a_delivery(room, tmp_path, clock, cli):
    a, b, inc, _hook = room
    _publish(a, inc.id, "Checkout fails for some card payments. Next update by 10:00 UTC.")
    _send_over(a, b, tmp_path, "published")
    code, out, _ = cli("--db", str(b.path), "--as", "Bob", "outbox", "list", db=False)
    assert code == 0 and "sent by" in out and str(a.device_id)[:8] in out
    code, out, _ = cli("--db", str(b.path), "--as", "Bob", "outbox", "adopt", db=False)
    assert code == 0 and "now sends 1" in out
