"""Jira two-way: an update published on an incident linked to a Jira issue becomes a
comment on that issue, through the outbox and a Jira channel, against a fake Jira
on 127.0.0.1 (basic auth with the token from the keyring)."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.jira import FakeJira
from warroom.channels import jira as jira_channel
from warroom.channels.base import ChannelError, SendContext
from warroom.delivery.dispatcher import Dispatcher
from warroom.errors import InputError
from warroom.inbound import handle, sources
from warroom.services import channels, drafts, incidents, matrix, outbox, publishing, review


@pytest.fixture
def fake_jira():
    with FakeJira(issues=("OPS-12", "OPS-13")) as server:
        yield server


def _publish(store, inc_ref):
    [d] = drafts.compose_drafts(store, "Dana", inc_ref, ["employees"])
    review.submit(store, "Dana", d.id)
    review.override(store, "Dana", d.id, "Engineering must know now")
    publishing.publish(store, "Dana", d.id)
    return d


def test_a_published_update_is_commented_on_the_linked_jira_issue(inbound, fake_jira):
    sources.add(inbound, "admin", "jira", "jira", secret="webhook-secret")
    channels.add(inbound, "admin", "jira", "jira", {"base_url": fake_jira.url, "email": fake_jira.email},
                 secret=fake_jira.token)
    matrix.set_cell(inbound, "admin", "employees", "SEV2", channels="jira")
    inc = incidents.open_incident(inbound, "Dana", title="Checkout failing", severity="SEV2",
                                  components=["Checkout"])
    handle.link(inbound, "Dana", inc.ref, "jira", "OPS-12", url="https://acme.atlassian.net/browse/OPS-12")
    assert handle.issue_keys(inbound, inc.id) == ["OPS-12"]
    _publish(inbound, inc.ref)
    with httpx.Client() as client:
        summary = Dispatcher(inbound, parallel=False, client=client).run_once()
    assert summary.delivered == 1, summary.errors
    [comment] = fake_jira.comments["OPS-12"]
    texts = [n["text"] for p in comment["content"] for n in p["content"]]
    assert texts[0].startswith(f"{inc.ref} · ") and "SEV2" in texts[0]
    assert "OPS-13" not in fake_jira.comments
    [dl] = outbox.list_deliveries(inbound, viewer="Dana", incident_id=inc.id)
    assert dl.state == "delivered"


def test_no_linked_issue_sends_nothing_and_a_wrong_token_is_refused(fake_jira):
    msg_payload = {"incident_id": "00000000-0000-7000-8000-000000000000", "body": {"type": "doc", "version": 1,
                                                                                   "content": []}}
    ctx = SendContext(channel="jira", config={"base_url": fake_jira.url, "email": fake_jira.email},
                      secret="not-the-token", hook=lambda incident_id, source: [])
    assert jira_channel.send(msg_payload, ctx)["comments"] == []
    assert fake_jira.requests == []
    ctx.hook = lambda incident_id, source: ["OPS-12"]
    with pytest.raises(ChannelError) as caught:
        jira_channel.send(msg_payload, ctx)
    assert caught.value.status == 401 and not caught.value.transient
    assert "not-the-token" not in str(caught.value)
    with pytest.raises(InputError, match="https"):
        jira_channel.validate_config({"base_url": "http://jira.example.com", "email": "a@b.example"})
