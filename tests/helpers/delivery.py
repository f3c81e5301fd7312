"""Publishing and dispatching in delivery tests: an update published past its review,
a dispatcher on the simulated clock, and the deliveries' states."""

from __future__ import annotations

import random

from warroom.delivery.dispatcher import Dispatcher
from warroom.identity import SYSTEM
from warroom.services import drafts, incidents, outbox, publishing, review


def publish_overridden(store, *, title="Checkout failing", exercise=False, audience="customers"):
    """Open a SEV1 incident and publish one update to ``audience``, its review overridden;
    returns (incident, draft, what was planned)."""
    inc = incidents.open_incident(store, "Dana", title=title, severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True, exercise=exercise)
    d = drafts.compose_drafts(store, "Sam Writer", inc.id, [audience])[0]
    review.submit(store, "Dana", d.id)
    review.override(store, "Dana", d.id, "Reviewers unreachable at night")
    planned = publishing.publish(store, "Dana", d.id)
    return inc, d, planned


def make_dispatcher(store, clock, **kw) -> Dispatcher:
    """A dispatcher whose waits, rates and jitter run on the simulated ``clock``, one send at a time."""
    return Dispatcher(store, sleep=clock.advance, rate_clock=clock.now, rng=random.Random(7), parallel=False, **kw)


def run_passes(d: Dispatcher, clock, n: int, *, every: float) -> None:
    """``n`` dispatcher passes, ``every`` simulated seconds apart."""
    for _ in range(n):
        d.run_once()
        clock.advance(every)


def delivery_states(store, **kw) -> list[tuple[str, str]]:
    """(channel, state) of every delivery, sorted."""
    return sorted((r.channel, r.state) for r in outbox.list_deliveries(store, **kw, viewer=SYSTEM))
