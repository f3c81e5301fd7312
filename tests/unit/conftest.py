"""Fixtures shared by the unit tests of several packages."""

from __future__ import annotations

import pytest

from tests.helpers.team import team
from warroom.app import open_store
from warroom.services import channels, outbox, stakeholders


@pytest.fixture
def world(db_path, clock, memory_keyring, tmp_path, fake_statuspage, fake_slack, fake_smtp):
    """The delivery cast: a team, three customers with e-mail and one without, and the
    channels statuspage, slack, email and a self-hosted page (site) on vendor-like
    servers; breaker, failover and dead-letter settings the tests count on. Modules
    with a world of their own define it themselves."""
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
