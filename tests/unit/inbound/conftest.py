"""An inbound world: a team, a self-hosted status page channel the matrix routes
customers to at SEV1 and SEV2, a PagerDuty source and an Alertmanager source, and a
receiver running on 127.0.0.1 (an ephemeral port) in front of the database."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.helpers.team import team
from warroom.app import open_store
from warroom.inbound import sources
from warroom.inbound.receiver import Receiver
from warroom.services import channels, matrix

PD_SECRET = "pd-signing-secret-1"
AM_TOKEN = "am-bearer-token"


@pytest.fixture
def inbound(db_path, clock, memory_keyring, tmp_path):
    store = open_store(db_path, clock=clock)
    team(store)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(tmp_path / "site"), "components": "Checkout"})
    matrix.set_cell(store, "admin", "customers", "SEV1,SEV2", channels="site")
    sources.add(store, "admin", "pd", "pagerduty", secret=PD_SECRET, settings={
        "commander": "Dana", "components": {"Checkout API": ["Checkout"]}, "customer_facing": ["Checkout"],
        "rules": [{"match": "payments", "category": "application"}]})
    sources.add(store, "admin", "am", "alertmanager", secret=AM_TOKEN, settings={
        "label_rules": [{"label": "service", "value": "checkout", "component": "Checkout"},
                        {"label": "service", "value": "search", "component": "Search"}],
        "customer_facing": ["Search"]})
    yield store
    store.close()


@pytest.fixture
def receiver(inbound):
    server = Receiver(inbound, ("127.0.0.1", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        server.client = client
        yield server
    server.shutdown()
    server.server_close()
    thread.join(5)
