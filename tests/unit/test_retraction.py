"""Taking back a published update, against the vendor-like servers: the words leave
every page War room controls at once, Statuspage's incident update is edited in
place, channels that cannot unsend get a correction to the same recipients ahead
of everything else, and the record keeps what was said, who took it back and why."""

from __future__ import annotations

import json
import random

import pytest

from tests.helpers.team import team
from warroom.app import open_store
from warroom.delivery.dispatcher import Dispatcher
from warroom.identity import SYSTEM
from warroom.services import (
    audit, channels, drafts, incidents, matrix, outbox, publishing, review, stakeholders, timeline,
)

#: Words the linter has no rule for, which a person later sees should never have gone out.
SECRET_WORDS = "The outage began when the Orion contract renewal script ran at midnight."


@pytest.fixture
def world(db_path, clock, memory_keyring, tmp_path, fake_statuspage, fake_slack, fake_smtp):
    store = open_store(db_path, clock=clock)
    team(store)
    for i in range(2):
        stakeholders.save(store, "admin", name=f"Customer {i}", audience="customers",
                          email=f"ops{i}@customer{i}.example")
    channels.add(store, "admin", "statuspage", "statuspage",
                 {"page_id": fake_statuspage.page_id, "base_url": fake_statuspage.base_url},
                 secret=fake_statuspage.api_key)
    channels.add(store, "admin", "slack", "slack", {}, secret=fake_slack.webhook_url)
    channels.add(store, "admin", "email", "email", fake_smtp.config(), secret=fake_smtp.password)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(tmp_path / "site")})
    matrix.set_cell(store, "admin", "customers", "SEV1", channels="statuspage, slack, email, site")
    yield store
    store.close()


def _dispatch(store, clock):
    return Dispatcher(store, sleep=clock.advance, rate_clock=clock.now, rng=random.Random(7), parallel=False).run_once()


def _published(store, inc, long: str):
    """An update whose words slipped past the reviewers (the linter knows no rule for them)."""
    d = drafts.compose_drafts(store, "Sam", inc.id, ["customers"])[0]
    d = drafts.save_revision(store, "Sam", d.id, subject=d.subject, long=long + "\n\nNext update by {next_update}.")
    review.submit(store, "Sam", d.id, acknowledge=True)
    review.override(store, "Dana", d.id, "Customers must hear now", acknowledge=True)
    publishing.publish(store, "Dana", d.id, acknowledge=True)
    return d


def _site_text(tmp_path) -> str:
    return "".join(p.read_text() for p in (tmp_path / "site").rglob("*") if p.is_file())


def test_a_retraction_takes_the_words_off_every_page_and_corrects_the_rest(world, clock, tmp_path,
                                                                             fake_statuspage, fake_slack, fake_smtp):
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", components=["Checkout"],
                                  customer_facing=True)
    words = "Checkout is failing because the payment gateway in rack 7 lost power."
    first = _published(world, inc, words)
    assert _dispatch(world, clock).delivered == 5
    assert words in _site_text(tmp_path)
    (sp_incident,) = fake_statuspage.incidents.values()
    assert any(words in u["body"] for u in fake_statuspage.updates(sp_incident["id"]))
    # A second update waits in the queue when the first is taken back.
    second = _published(world, inc, "We are moving traffic to a second gateway.")
    clock.advance(1)

    done = publishing.retract(world, "Sam", first.id, "Named the rack: security asked us to take it back")
    # At once, before any dispatcher runs: the self-hosted page has no word of it.
    site = _site_text(tmp_path)
    assert words not in site and "was withdrawn on" in site
    assert done.rebuilt == ("site",) and done.cancelled == 0 and done.retractions == 5
    assert sorted(done.channels) == ["email", "site", "slack", "statuspage"]

    slack_before, mails_before = len(fake_slack.messages), len(fake_smtp.messages)
    _dispatch(world, clock)
    # Statuspage: the retracted update's text replaced in place; the incident keeps its other updates.
    bodies = [u["body"] for u in fake_statuspage.updates(sp_incident["id"])]
    assert not any(words in b for b in bodies) and any("withdrawn our update" in b for b in bodies)
    # Slack and e-mail cannot unsend: a correction to the same recipients, before the queued second update.
    new_slack = [m for m in fake_slack.messages[slack_before:]]
    assert "withdrawn" in json.dumps(new_slack[0]) and "second gateway" in json.dumps(new_slack[1])
    mails = fake_smtp.messages[mails_before:]
    notices = [m for m in mails if "withdrawn" in str(m.message["Subject"]).lower() or
               "withdrawn" in m.message.get_body(("plain",)).get_content()]
    from email.utils import parseaddr

    assert sorted(parseaddr(str(m.message["To"]))[1] for m in notices) == ["ops0@customer0.example",
                                                                          "ops1@customer1.example"]
    assert not any(words in json.dumps(new_slack) + str(m.message) for m in mails)
    # The page keeps the second update, and never the words taken back.
    site = _site_text(tmp_path)
    assert "second gateway" in site and words not in site
    assert drafts.get(world, second.id, viewer=SYSTEM).state == "published"

    # The record keeps the words, the retraction, who and why.
    entries = [e.text for e in timeline.entries(world, inc.id, viewer=SYSTEM)]
    assert any("retracted by Sam: Named the rack" in t for t in entries)
    path = tmp_path / "inc.zip"
    audit.export(world, "Dana", inc.id, path)
    import zipfile

    with zipfile.ZipFile(path) as z:
        archive = "".join(z.read(n).decode() for n in z.namelist() if n.endswith((".json", ".jsonl")))
    assert words in archive and "update.retracted" in archive and "Named the rack" in archive


def test_queued_deliveries_of_a_retracted_update_never_go_out(world, clock, tmp_path, fake_slack):
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", customer_facing=True)
    d = _published(world, inc, SECRET_WORDS)
    done = publishing.retract(world, "Dana", d.id, "A key in the text")
    assert done.cancelled == 5 and done.retractions == 0     # nothing had gone out: nothing to correct
    _dispatch(world, clock)
    assert fake_slack.messages == []
    assert {r.state for r in outbox.list_deliveries(world, viewer=SYSTEM, draft_id=d.id)} == {"cancelled"}
    assert SECRET_WORDS not in _site_text(tmp_path) if (tmp_path / "site").exists() else True


def test_a_correction_is_reviewed_and_replaces_the_words_where_a_page_allows(world, clock, tmp_path,
                                                                               fake_statuspage):
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", components=["Checkout"],
                                  customer_facing=True)
    words = "Checkout is failing because the payment gateway in rack 7 lost power."
    first = _published(world, inc, words)
    _dispatch(world, clock)
    publishing.retract(world, "Sam", first.id, "Too much detail")
    _dispatch(world, clock)
    fixed_id = publishing.correct(world, "Sam", first.id)
    fixed = drafts.get(world, fixed_id, viewer=SYSTEM)
    assert fixed.kind == "correction" and fixed.state == "draft" and words in fixed.long   # to edit from
    drafts.save_revision(world, "Sam", fixed_id, subject=fixed.subject,
                         long="Checkout is failing after a power fault at our payment provider.\n\n"
                              "Next update by {next_update}.")
    review.submit(world, "Sam", fixed_id, acknowledge=True)
    review.decide(world, "Ravi Shah", fixed_id, "approve", acknowledge=True)
    assert review.decide(world, "Mia Lindqvist", fixed_id, "approve", acknowledge=True) == "approved"
    publishing.publish(world, "Sam", fixed_id, acknowledge=True)
    _dispatch(world, clock)
    (sp_incident,) = fake_statuspage.incidents.values()
    bodies = [u["body"] for u in fake_statuspage.updates(sp_incident["id"])]
    assert any("power fault at our payment provider" in b for b in bodies)
    assert not any(words in b for b in bodies)
    site = _site_text(tmp_path)
    assert "power fault at our payment provider" in site and words not in site
