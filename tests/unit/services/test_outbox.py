"""The outbox (warroom.services.outbox): listing deliveries, cancel and retry, and
secrets that stay out of the database."""

from __future__ import annotations

import pytest

from tests.helpers.delivery import make_dispatcher, publish_overridden
from tests.helpers.team import team
from warroom.app import open_store
from warroom.errors import InputError
from warroom.identity import SYSTEM
from warroom.services import channels, matrix, outbox


def test_cancel_and_retry(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_overridden(world)
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    outbox.cancel(world, "Dana", row.id.hex[:8])
    assert make_dispatcher(world, clock).run_once().sent == 0 and fake_slack.messages == []
    with pytest.raises(InputError, match="only a queued one"):
        outbox.cancel(world, "Dana", row.id)
    outbox.retry(world, "Dana", str(row.id))
    assert make_dispatcher(world, clock).run_once().delivered == 1


def test_the_outbox_lists_the_newest_deliveries(world, clock):
    from warroom.ids import uuid7
    from warroom.store.models import Delivery

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_overridden(world)
    with world.write("t") as tx:
        src = tx.session.query(Delivery).one()
        for _ in range(1000):
            tx.session.add(Delivery(**{c.name: getattr(src, c.name) for c in Delivery.__table__.columns}
                                    | {"id": uuid7(), "state": "delivered"}))
    clock.advance(10)
    inc, _, _ = publish_overridden(world, title="Newest")
    rows = outbox.list_deliveries(world, viewer=SYSTEM)
    assert len(rows) == 1000 and rows[-1].incident_id == inc.id


def test_a_delivery_on_a_removed_channel_is_not_retried(world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_overridden(world)
    fake_slack.archived = True
    make_dispatcher(world, clock).run_once()
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email")
    channels.remove(world, "admin", "slack")
    with pytest.raises(InputError, match="removed"):
        outbox.retry(world, "Dana", row.id)


def test_secrets_stay_out_of_the_database(world, db_path, fake_slack, fake_statuspage, fake_smtp):
    world.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    for secret in (fake_slack.token, fake_statuspage.api_key, fake_smtp.password):
        assert secret.encode() not in raw


@pytest.fixture
def no_keyring(db_path, clock, monkeypatch):
    """A machine without a keyring, its secrets file locked: the store opened on it."""
    import keyring
    from keyring.backends import fail

    from warroom import secrets

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets.lock()
    monkeypatch.delenv("WARROOM_KEY_PASSPHRASE", raising=False)
    store = open_store(db_path, clock=clock)
    try:
        yield store
    finally:
        secrets.lock()
        store.close()
        keyring.set_keyring(previous)


def test_without_a_keyring_secrets_go_to_an_encrypted_file_never_plain_text(no_keyring, clock, monkeypatch,
                                                                            fake_slack, tmp_path):
    from warroom import secrets

    store = no_keyring
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
    publish_overridden(store)
    summary = make_dispatcher(store, clock).run_once()
    assert summary.retrying == 1 and summary.failed == summary.failed_over == 0
    assert secrets.unlock("correct horse battery") is True
    clock.advance(61)
    assert make_dispatcher(store, clock).run_once().delivered == 1 and len(fake_slack.messages) == 1


def test_a_channel_that_needs_no_secret_sends_while_the_secrets_file_is_locked(no_keyring):
    """An e-mail relay that takes mail without a login needs no password: reading its
    secret must not stop at a locked secrets file (the demo's relay waited for ever)."""
    from dataclasses import replace

    from warroom import secrets

    store = no_keyring
    relay = {"host": "127.0.0.1", "port": 2525, "security": "none", "from_addr": "incidents@example.com"}
    channels.add(store, "admin", "relay", "email", relay)
    [view] = channels.list_channels(store)
    assert channels.read_secret(view) is None                      # no login: nothing to unlock
    with pytest.raises(secrets.SecretsLocked):                     # a login's password still waits
        channels.read_secret(replace(view, config=dict(view.config, username="ops")))
