"""Pytest fixtures starting the vendor-like servers; each is stopped after its test.

``fake_slack``, ``fake_teams``, ``fake_statuspage``, ``fake_twilio``, ``fake_webhook``:
HTTP fakes from :mod:`tests.fakes.vendors`. ``fake_smtp`` (STARTTLS on a free port) and
``fake_smtp_tls`` (implicit TLS): :class:`tests.fakes.smtp.FakeSMTP`. For a rate-limited
server, call the class directly, e.g. ``with FakeSlack(rate_per_s=1) as slack: …``.
"""

from __future__ import annotations

import pytest

from tests.fakes.smtp import FakeSMTP
from tests.fakes.vendors import FakeSlack, FakeStatuspage, FakeTeams, FakeTwilio, FakeWebhookReceiver

__all__ = ["fake_slack", "fake_teams", "fake_statuspage", "fake_twilio", "fake_webhook", "fake_smtp",
           "fake_smtp_tls"]


@pytest.fixture
def fake_slack():
    with FakeSlack() as server:
        yield server


@pytest.fixture
def fake_teams():
    with FakeTeams() as server:
        yield server


@pytest.fixture
def fake_statuspage():
    with FakeStatuspage() as server:
        yield server


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def fake_webhook():
    with FakeWebhookReceiver() as server:
        yield server


@pytest.fixture
def fake_smtp(tmp_path):
    with FakeSMTP(tmp_path / "smtp-starttls", mode="starttls") as server:
        yield server


@pytest.fixture
def fake_smtp_tls(tmp_path):
    with FakeSMTP(tmp_path / "smtp-tls", mode="tls") as server:
        yield server
