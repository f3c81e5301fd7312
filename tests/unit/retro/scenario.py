"""A scripted incident on the simulated clock whose retrospective is known in advance.

Detected 08:55, declared 09:00 (SEV1: updates every 30 min; the executives' cell
says 60). Minute by minute:

- 09:02 the customers' first update is composed and submitted; Ravi (technical)
  approves at 09:05; the comms review waits for Mia, whose window (8 min) lapses:
  at 09:11 it is handed to her backup Noor, who approves at 09:12; published at
  09:12 (+17 min after detection). At 09:13 Slack refuses it (archived): it fails
  over to e-mail, delivered to three customers at 09:13.
- 09:20 the executives' update is submitted; Dana overrides the reviews at 09:21
  ("Board call at 09:30; reviewers are on the bridge"), publishes at 09:22. Slack
  refuses it at 09:23 and it has no fallback: a dead letter.
- 09:50 the customers' second update: written with speculation (a warning,
  acknowledged at submit), then an internal address slips in while in review
  (blocking) and is taken out at 09:51. Ravi approves at 09:52, Mia rejects at
  09:53: a dispute, which Dana settles at 09:53 ("Facts confirmed with the
  provider"). Published at 09:54: 12 minutes past its 09:42 due time.
- 09:55 Slack fails once (HTTP 500), 09:57 it delivers: Slack was failing for 2 min.
- 10:00 resolved.
"""

from __future__ import annotations

from datetime import timedelta

from tests.helpers.delivery import make_dispatcher
from warroom.clock import SimulatedClock
from warroom.identity import SYSTEM
from warroom.services import drafts, incidents, matrix, people, publishing, review, review_rules, reviewers

OVERRIDE_REASON = "Board call at 09:30; reviewers are on the bridge"
DISPUTE_REASON = "Facts confirmed with the provider"


def at(clock: SimulatedClock, hh_mm: str) -> None:
    h, m = (int(x) for x in hh_mm.split(":"))
    clock.set(clock.now().replace(hour=h, minute=m, second=0, microsecond=0))


def play(store, clock: SimulatedClock, fake_slack) -> incidents.IncidentView:
    """Run the script above; returns the incident. ``clock`` starts at 09:00."""
    people.save(store, SYSTEM, "Noor Backup", roles="comms_reviewer")
    people.save(store, SYSTEM, "Mia Lindqvist", backups={"comms_reviewer": "Noor Backup"})
    review_rules.set_window(store, "admin", "SEV1", timedelta(minutes=8))
    matrix.set_cell(store, "admin", "customers", "SEV1", channels="slack>email")
    matrix.set_cell(store, "admin", "executives", "SEV1", channels="slack", cadence=timedelta(minutes=60))
    inc = incidents.open_incident(store, "Dana", title="Checkout failing in Europe", severity="SEV1",
                                  category="application", components=["Checkout"], customer_facing=True,
                                  detected_at=clock.now() - timedelta(minutes=5))
    dispatcher = make_dispatcher(store, clock)

    at(clock, "09:02")
    first = drafts.compose_drafts(store, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(store, "Sam Writer", first.id, acknowledge=True)
    at(clock, "09:05")
    review.decide(store, "Ravi Shah", first.id, "approve", acknowledge=True)
    at(clock, "09:11")
    reviewers.sweep(store)
    at(clock, "09:12")
    review.decide(store, "Noor Backup", first.id, "approve", acknowledge=True)
    publishing.publish(store, "Dana", first.id, acknowledge=True)
    at(clock, "09:13")
    fake_slack.archived = True
    dispatcher.run_once()

    at(clock, "09:20")
    board = drafts.compose_drafts(store, "Sam Writer", inc.id, ["executives"])[0]
    review.submit(store, "Sam Writer", board.id, acknowledge=True)
    at(clock, "09:21")
    review.override(store, "Dana", board.id, OVERRIDE_REASON, acknowledge=True)
    at(clock, "09:22")
    publishing.publish(store, "Dana", board.id, acknowledge=True)
    at(clock, "09:23")
    dispatcher.run_once()
    fake_slack.archived = False

    at(clock, "09:50")
    second = drafts.compose_drafts(store, "Sam Writer", inc.id, ["customers"])[0]
    base = second.long
    drafts.save_revision(store, "Sam Writer", second.id, subject=second.subject,
                         long=base + "\nWe think the cause is probably a faulty database upgrade.\n")
    review.submit(store, "Sam Writer", second.id, acknowledge=True)
    at(clock, "09:51")
    drafts.save_revision(store, "Sam Writer", second.id, subject=second.subject,
                         long=base + "\nTraffic now goes through 10.20.30.40.\n")
    drafts.save_revision(store, "Sam Writer", second.id, subject=second.subject,
                         long=base + "\nTraffic now goes through healthy zones.\n")
    at(clock, "09:52")
    review.decide(store, "Ravi Shah", second.id, "approve", acknowledge=True)
    at(clock, "09:53")
    review.decide(store, "Mia Lindqvist", second.id, "reject", comment="Too early to say the zones are healthy")
    review.decide_dispute(store, "Dana", second.id, "approve", DISPUTE_REASON)
    at(clock, "09:54")
    publishing.publish(store, "Dana", second.id, acknowledge=True)
    at(clock, "09:55")
    fake_slack.fail_next(1, "500")
    dispatcher.run_once()
    at(clock, "09:57")
    dispatcher.run_once()

    at(clock, "10:00")
    incidents.set_status(store, "Dana", inc.id, "resolved", note="Checkout healthy for 30 minutes.")
    return inc
