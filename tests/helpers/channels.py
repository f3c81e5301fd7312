"""A published message, a send context and checks shared by the channel tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from warroom.channels.base import ChannelError, Message, SendContext


PUBLISHED = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)

LONG = ("We have identified the cause of failing card payments in checkout & are rolling out a fix.\n\n"
        "Affected:\n- Card payments <all brands>\n- Saved payment methods\n\n"
        "Next update by 10:30 UTC.")


def message(**changes) -> Message:
    base = Message(
        delivery_id="dlv-01JD5Q8Z", incident_id="inc-7f3a", incident_ref="INC-2026-042",
        title="Checkout payments failing", status="identified", statuspage_status="identified",
        impact="major", component_status="partial_outage", severity="SEV2",
        components=("Checkout", "Payments", "Not on the page"), audience="customers", locale="en",
        subject="Payments: card payments failing", long=LONG,
        short="Card payments in checkout fail. Fix in progress. Next update 10:30 UTC.",
        chat="Card payments fail in checkout; cause found & fix rolling out. <Next update 10:30 UTC>",
        published_at=PUBLISHED, status_url="https://status.example.com/incidents/42?x=1&y=2")
    return replace(base, **changes)


def ctx_for(config, secret, *, timeout=2.0, client=None) -> SendContext:
    return SendContext(channel="test-channel", config=config, secret=secret, client=client, timeout=timeout)


def send_error(module, payload, ctx) -> ChannelError:
    with pytest.raises(ChannelError) as info:
        module.send(payload, ctx)
    return info.value


def assert_secret_hidden(exc: Exception, *secrets: str) -> None:
    text = f"{exc} {exc!r} {exc.args!r}"
    for secret in secrets:
        assert secret not in text


STATUSPAGE_COMPONENTS = {"Checkout": "8kbf7d35c070", "payments": "vtnh60py4yd7"}


#: The words of a retraction notice, and of the correction that follows it.
NOTICE = "We withdrew our update of 09:30 UTC: it named the wrong cause. A corrected update follows."
CORRECTED = "The cause is an expired certificate at our payment partner; a new one is live."


def retraction(receipt, **changes) -> Message:
    """A retraction of the update ``receipt`` (its delivery's receipt on this channel)."""
    return message(kind="retraction", long=NOTICE, retracts={
        "delivery_id": "dlv-01JD5Q00", "draft_id": "drf-01JD5Q00", "published_at": PUBLISHED.isoformat(),
        "receipt": receipt}, **changes)


def correction(receipt, **changes) -> Message:
    """A correction of the update ``receipt`` (its delivery's receipt on this channel) put on the page."""
    return message(kind="correction", long=CORRECTED, retracts={
        "draft_id": "drf-01JD5Q00", "delivery_id": "dlv-01JD5Q00", "receipt": receipt}, **changes)
