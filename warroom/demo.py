"""A realistic demo: a regional cloud outage, told as its timeline, and around it
everything else War room does, so a newcomer can walk the whole flow without
configuring anything:

- people in every role (commander, technical, comms and legal reviewers, a
  viewer), each one the window can act as (File > Switch person…);
- a stakeholder matrix that routes every audience to channels that work on a
  laptop: self-hosted status pages written to folders next to the database, and
  for the executives an e-mail relay on this machine that is not running, so
  their update fails over to the internal page;
- published updates with their deliveries, drafts waiting for review, an
  exercise incident (nothing is sent outside) and a confidential one (its
  commander and members only), flagged for EU personal data so GDPR's 72-hour
  clock runs in its header;
- component status as an Alertmanager source moved it, customers' questions
  (three about the ETA suggest a FAQ), and a key account whose personal updates go
  to its customer success manager.

The story runs on a simulated clock that starts before "now" and catches up, so
entries, status changes, deliveries and the journal all carry plausible times.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from warroom.clock import SimulatedClock
from warroom.domain import EntryKind
from warroom.identity import SYSTEM, Source, System
from warroom.services import incidents, people, publishing, timeline
from warroom.services.incidents import IncidentView
from warroom.store import Store

#: The demo's people: name, roles, e-mail, backups. Dana runs the incident and the
#: database; each review role has two people, so nobody reviews alone.
PEOPLE: list[tuple[str, str, str, dict[str, str]]] = [
    ("Dana Okafor", "incident_commander,administrator", "dana.okafor@example.com", {}),
    ("Ravi Shah", "technical_reviewer,incident_commander", "ravi.shah@example.com", {}),
    ("Tomás Ferreira", "technical_reviewer", "tomas.ferreira@example.com", {"technical_reviewer": "Ravi Shah"}),
    ("Mia Lindqvist", "comms_reviewer,communications_owner", "mia.lindqvist@example.com", {}),
    ("Sam Porter", "incident_commander,comms_reviewer", "sam.porter@example.com", {"comms_reviewer": "Mia Lindqvist"}),
    ("Priya Nair", "legal_reviewer", "priya.nair@example.com", {}),
    ("Jordan Lee", "legal_reviewer", "jordan.lee@example.com", {"legal_reviewer": "Priya Nair"}),
    ("Alex Kim", "viewer", "alex.kim@example.com", {}),
]

#: Entries that arrive from monitoring rather than from a person.
MONITORING = System("monitoring")

_STORY: list[tuple[int, str, str, str]] = [
    # minutes after detection, who, kind (or "status:" / "severity:"), text
    (0, "monitoring", "external", "Synthetic checks failing for checkout, login and the public API from three probe regions."),
    (2, "Dana Okafor", "note", "On-call paged. Error rate on the API gateway at 38% and rising."),
    (4, "Dana Okafor", "action", "Opened the bridge call and paged networking and the platform team."),
    (6, "Dana Okafor", "severity:SEV1", "Customer-facing: checkout and login affected in Europe."),
    (8, "Ravi Shah", "note", "Cloud provider status page shows degraded networking in one of their EU regions."),
    (11, "Ravi Shah", "external", "Provider opened an incident: increased packet loss between availability zones."),
    (13, "Mia Lindqvist", "decision", "Hold the holding statement for customers at 10 minutes; comms to draft now."),
    (15, "Dana Okafor", "status:identified", "Cause identified: provider network partition between zones in the EU region."),
    (19, "Ravi Shah", "action", "Shifting traffic away from the affected zones at the load balancer."),
    (24, "Ravi Shah", "note", "Traffic shift at 60%. Error rate down to 12%."),
    (27, "Mia Lindqvist", "action", "First customer update approved and published on the status page."),
    (31, "Tomás Ferreira", "note", "Database replicas in the affected zone lagging by 4 minutes; writes still healthy."),
    (36, "Ravi Shah", "action", "Traffic shift complete; all requests served from healthy zones."),
    (38, "Dana Okafor", "status:mitigated", "Customer impact mitigated by moving traffic to healthy zones."),
    (44, "Mia Lindqvist", "note", "Support reports 140 tickets about failed payments during the window."),
    (52, "Dana Okafor", "decision", "No failback until the provider confirms the network is stable for 30 minutes."),
    (63, "Ravi Shah", "external", "Provider reports the fix is deployed and packet loss is back to normal."),
    (66, "Dana Okafor", "update:submit", "executives"),
    (70, "Tomás Ferreira", "action", "Replica lag back to zero; resync verified on all replicas."),
    (71, "Ravi Shah", "update:approve", "executives"),
    (75, "Mia Lindqvist", "update:approve", "executives"),
    (76, "Dana Okafor", "update:publish", "executives"),
    (78, "Dana Okafor", "status:monitoring", "Failback started in stages; watching error rates and latency."),
    (85, "Mia Lindqvist", "action", "Second customer update published: service restored, monitoring continues."),
    (96, "Ravi Shah", "note", "Failback at 100%. Error rate at baseline, p99 latency normal."),
]

#: The story's minute at which the customers' holding statement goes out.
HOLDING_AT = 13

#: The channels of the demo: name, kind, config (out_dir is made relative to the database's folder).
#: None of them needs the network: the pages are folders, the relay is this machine (and not running).
_CHANNELS: list[tuple[str, str, dict]] = [
    ("status-page", "sitepage", {"out_dir": "status-page", "components": "Checkout, Login, Public API",
                                 "name": "Example Corp status"}),
    ("internal-page", "sitepage", {"out_dir": "internal-status-page", "components": "Checkout, Login, Public API, VPN",
                                   "name": "Example Corp internal status"}),
    ("mail-relay", "email", {"host": "127.0.0.1", "port": 9, "security": "none",
                             "from_addr": "incidents@example.com", "from_name": "Example Corp incidents"}),
]

#: Audience -> its route: channels tried in order (">": fail over to the next).
ROUTES: dict[str, str] = {
    "customers": "status-page",
    "partners": "status-page",
    "regulators": "internal-page",   # on a laptop the internal page stands in for the regulator's portal
    "executives": "mail-relay>internal-page",
    "employees": "internal-page",
    "it": "internal-page",
}

_OTHER = [
    ("Delayed e-mail notifications to customers", "SEV3", "third_party", "degraded", True,
     ["Notifications"], "Sam Porter", 50, None),
    ("VPN drops for remote staff in APAC", "SEV2", "network", "partial_outage", False,
     ["VPN", "Remote access"], "Ravi Shah", 60 * 26, "resolved"),
]


def create(store: Store, *, events: int = 0, seed: int = 7) -> IncidentView:
    """Create the demo incidents; return the main one. ``events`` adds that many
    more entries to the main incident's timeline, for scale tests."""
    real_clock = store.clock
    now = real_clock.now()
    start = now - timedelta(minutes=110)
    sim = SimulatedClock(start)
    store.clock = sim
    try:
        _people(store)
        main = incidents.open_incident(
            store, "Dana Okafor", title="Regional cloud outage: checkout and login failing in Europe",
            severity="SEV2", category="third_party", impact="partial_outage", customer_facing=True,
            components=["Checkout", "Login", "Public API"], detected_at=start - timedelta(minutes=3),
            commander="Dana Okafor",
        )
        _delivery(store)
        outbox = _dispatcher(store, sim)
        drafts_of: dict[str, object] = {}
        for minutes, who, kind, text in _STORY:
            # the outbox sends while the story goes on, as the window's dispatcher does
            _dispatch(outbox, sim, until=start + timedelta(minutes=minutes))
            sim.set(max(sim.now(), start + timedelta(minutes=minutes)))
            if kind.startswith("update:"):
                _update_step(store, who, main.id, kind.split(":", 1)[1], text, drafts_of)
            elif kind.startswith("status:"):
                incidents.set_status(store, who, main.id, kind.split(":", 1)[1], note=text)
            elif kind.startswith("severity:"):
                incidents.set_severity(store, who, main.id, kind.split(":", 1)[1], note=text)
            else:
                timeline.log(store, MONITORING if who == "monitoring" else who, main.id, text, kind=kind)
            if minutes == HOLDING_AT:
                _first_update(store, main.id)     # the customers' first word, when the story gives it
            _signals(store, main.id, minutes)
        for title, sev, cat, impact, cf, comps, commander, ago, final in _OTHER:
            other = incidents.open_incident(store, commander, title=title, severity=sev, category=cat,
                                            impact=impact, customer_facing=cf, components=comps,
                                            detected_at=min(sim.now(), now - timedelta(minutes=ago)),
                                            commander=commander)
            timeline.log(store, commander, other.id, "Bridge opened; first responders engaged.", kind="action")
            if final:
                timeline.log(store, commander, other.id, "Tunnel endpoints restarted; sessions stable.",
                             kind="action")
                incidents.set_status(store, commander, other.id, final, note="Confirmed stable for 2 hours.")
                _followups(store, commander, other.id, now)
        _questions(store, outbox, main.id, sim, start)   # the outbox keeps sending meanwhile
        _dispatch(outbox, sim, until=now - timedelta(minutes=2))
        _waiting_for_review(store, main.id)
        _confidential(store, sim)
        _exercise(store, sim)
        sim.set(max(sim.now(), now))
    finally:
        store.clock = real_clock
    if events:
        timeline.bulk_log(store, System("load generator"), main.id, scale_entries(events, start, now, seed=seed))
    from warroom.services import settings

    if settings.get_org(store).name == settings.DEFAULT_ORG_NAME:  # a demo speaks for a made-up company
        settings.set_org(store, ADMIN, name="Example Corp", status_url="https://status.example.com")
    return incidents.get(store, main.id, viewer=SYSTEM)


def _followups(store: Store, commander: str, incident_id, now) -> None:
    """What the team committed to after the resolved incident: one overdue, one done, one open."""
    from warroom.services import followups

    followups.add_followup(store, commander, incident_id, "Alert on VPN tunnel flaps before users notice",
                           owner=commander, due=(now - timedelta(days=1)).date())
    done = followups.add_followup(store, commander, incident_id, "Document the tunnel restart in the runbook",
                                  owner=commander, due=(now + timedelta(days=3)).date())
    followups.mark_done(store, commander, done.id)
    followups.add_followup(store, commander, incident_id, "Second VPN concentrator in the APAC region",
                           owner=commander, due=(now + timedelta(days=30)).date())


#: Who configures the demo (an administrator among its people).
ADMIN = "Dana Okafor"


def _people(store: Store) -> None:
    """The demo's people, unless the register already has some (then they are the
    ones who know who they are)."""
    if people.list_people(store):
        return
    for name, roles, email, _backups in PEOPLE:
        people.save(store, SYSTEM, name, roles=roles, email=email)
    for name, _roles, _email, backups in PEOPLE:
        if backups:
            people.save(store, SYSTEM, name, backups=backups)


def _first_update(store: Store, incident_id) -> None:
    """The customers' pre-approved holding statement, published unchanged (it needs no
    review): the outbox has something to show and the demo status page an incident."""
    from warroom.services import drafts

    from warroom.services import templates

    # Comms and legal reviewed the shipped holding statements before any incident:
    # those exact versions go out unchanged without another review.
    for t in templates.list_templates(store, phase="holding"):
        if t.preapproved and not t.reviewed:
            templates.approve_version(store, "Mia Lindqvist", t.name, t.locale)
            templates.approve_version(store, "Priya Nair", t.name, t.locale)
    holding = drafts.compose_drafts(store, "Dana Okafor", incident_id, ["customers"], phase="holding")[0]
    publishing.publish(store, "Dana Okafor", holding.id)


def _delivery(store: Store) -> None:
    """A demo delivers without a network (see the module's notes): its channels, the
    matrix's routes for every audience, and a few stakeholders."""
    from warroom.services import channels, matrix, stakeholders

    if channels.list_channels(store):
        return
    for name, kind, config in _CHANNELS:
        if "out_dir" in config:
            config = dict(config, out_dir=str(store.path.parent / config["out_dir"]))
        channels.add(store, ADMIN, name, kind, config)
    for audience, route in ROUTES.items():
        matrix.set_cell(store, ADMIN, audience, "all", channels=route)
    for name, audience, email, phone in (
            ("Northwind Traders", "customers", "it-ops@northwind.example", "+44 20 7946 0958"),
            ("Contoso Retail", "customers", "noc@contoso.example", None),
            ("Board of directors", "executives", "board@example.com", None),
            ("All staff", "employees", "all-staff@example.com", None)):
        stakeholders.save(store, ADMIN, name=name, audience=audience, email=email, phone=phone,
                          verified_at=store.clock.now())
    # A key account: its personal updates go to its customer success manager.
    stakeholders.save(store, ADMIN, name="Lena Vogel (customer success)", audience="employees",
                      email="lena.vogel@example.com", timezone="Europe/Berlin", verified_at=store.clock.now())
    stakeholders.save(store, ADMIN, name="Fabrikam Bank", audience="customers", email="ops@fabrikam.example",
                      timezone="America/New_York", key_account=True, success_manager="Lena Vogel (customer success)",
                      components="Checkout; Public API", verified_at=store.clock.now())


def _update_step(store: Store, who: str, incident_id, step: str, audience: str, drafts_of: dict) -> None:
    """One step of an audience's update, when the story takes it: the executives'
    update is submitted, reviewed by a technical and a comms reviewer minutes apart
    (the retrospective's review waits), and published; the e-mail relay it goes to
    first is down."""
    from warroom.services import drafts, review

    if step == "submit":
        draft = drafts.compose_drafts(store, who, incident_id, [audience])[0]
        review.submit(store, who, draft.id, acknowledge=True)
        drafts_of[audience] = draft.id
    elif step == "approve":
        review.decide(store, who, drafts_of[audience], "approve", acknowledge=True)
    elif step == "publish":
        publishing.publish(store, who, drafts_of[audience])
    else:  # pragma: no cover - the story's own words
        raise ValueError(f"no update step {step!r}")


def _dispatcher(store: Store, sim: SimulatedClock):
    """The demo's one dispatcher, on the story's clock (its breakers and backoff last the story)."""
    from warroom.delivery.dispatcher import Dispatcher

    return Dispatcher(store, owner="demo", rng=random.Random(1), parallel=False, rate_clock=sim.now,
                      sleep=lambda seconds: sim.set(sim.now() + timedelta(seconds=seconds)))


def _dispatch(dispatcher, sim: SimulatedClock, *, until: datetime) -> None:
    """Send what was published, on the story's clock, until ``until`` (the story must not
    run past its next step): the status page is written, and the relay fails until its
    breaker opens and its queue fails over to the internal page."""
    step = timedelta(seconds=45)
    while sim.now() + step < until:
        summary = dispatcher.run_once()
        if summary.failed_over:
            dispatcher.run_once()   # the fallback delivers at once
        sim.set(sim.now() + step)


def _waiting_for_review(store: Store, incident_id) -> None:
    """The next updates for employees and customers, submitted: they wait in the
    reviewers' queues (act as Ravi Shah or Mia Lindqvist to review them)."""
    from warroom.services import drafts, review

    for draft in drafts.compose_drafts(store, "Dana Okafor", incident_id, ["employees", "customers"]):
        review.submit(store, "Dana Okafor", draft.id, acknowledge=True)


#: What monitoring says of the components as the story goes (minute → component, status).
_COMPONENTS: dict[int, list[tuple[str, str]]] = {
    0: [("Checkout", "major_outage"), ("Login", "major_outage"), ("Public API", "partial_outage")],
    36: [("Checkout", "degraded_performance"), ("Login", "degraded_performance"), ("Public API", "operational")],
    96: [("Login", "operational")],
}
#: The alerting that moves them: an inbound source acts in its own name.
ALERTS = Source("inbound:alertmanager")


def _signals(store: Store, incident_id, minute: int) -> None:
    """Component status as the alerts moved it (the Signals tab)."""
    from warroom.services import components

    for name, status in _COMPONENTS.get(minute, ()):
        components.set_status(store, ALERTS, name, status, note="Alertmanager: synthetic checks")


#: Customers' questions after the story's last entry (minutes after detection): three
#: about the ETA within half an hour, which suggest a FAQ.
_QUESTIONS = [
    (97, "Northwind Traders", "billing", "Will failed card payments be charged twice?"),
    (99, "Contoso Retail", "eta", "When will checkout work normally again in Europe?"),
    (102, "Northwind Traders", "eta", "Is there an ETA for the full recovery?"),
    (105, "Fabrikam Bank", "eta", "Our traders need an estimate: when is the API fully back?"),
]


def _questions(store: Store, outbox, incident_id, sim: SimulatedClock, start: datetime) -> None:
    """Stakeholders' questions on the outage (the Inquiries tab), asked after the last
    customer update: all open, three about the ETA, which suggest a FAQ."""
    from warroom.services import inquiries

    for minute, who, category, text in _QUESTIONS:
        _dispatch(outbox, sim, until=start + timedelta(minutes=minute))
        sim.set(max(sim.now(), start + timedelta(minutes=minute)))
        inquiries.add_inquiry(store, "Mia Lindqvist", incident_id, text, asked_by=who, category=category)


def _confidential(store: Store, sim: SimulatedClock) -> IncidentView:
    """A security incident only its commander (Ravi Shah) and members (Priya Nair) see."""
    inc = incidents.open_incident(
        store, "Ravi Shah", title="Suspected credential leak in the payroll export", severity="SEV2",
        category="security", impact="degraded", components=["Payroll"], commander="Ravi Shah", confidential=True,
        detected_at=sim.now() - timedelta(minutes=40))
    incidents.set_members(store, "Ravi Shah", inc.id, add=["Priya Nair"])
    timeline.log(store, "Ravi Shah", inc.id, "Export bucket made private; access logs requested.", kind="action")
    timeline.log(store, "Priya Nair", inc.id, "Legal review started: personal data may be involved.",
                 kind="decision")
    # Aware of a breach of EU personal data 20 minutes after detection: GDPR's 72 hours run.
    from warroom.services import obligations

    obligations.flag(store, "Ravi Shah", inc.id, "personal-data-eu", at=inc.detected_at + timedelta(minutes=20))
    return inc


def _exercise(store: Store, sim: SimulatedClock) -> IncidentView:
    """A tabletop exercise: the same flow, and nothing leaves the laptop."""
    inc = incidents.open_incident(
        store, "Sam Porter", title="Tabletop: ransomware on the build farm", severity="SEV2", category="security",
        impact="partial_outage", components=["CI"], commander="Sam Porter", exercise=True,
        detected_at=sim.now() - timedelta(minutes=25))
    timeline.log(store, "Sam Porter", inc.id, "Inject 1: build agents show an encrypted-files note.", kind="external")
    timeline.log(store, "Sam Porter", inc.id, "Build farm isolated from the network.", kind="action")
    return inc


_SUBJECTS = ["API gateway", "checkout service", "login service", "payment provider", "database replica",
             "load balancer", "message queue", "CDN", "DNS resolver", "search cluster", "cache tier",
             "identity provider", "billing job", "mobile app", "status page"]
_VERBS = ["error rate at", "latency p99 at", "saturation at", "queue depth at", "retry rate at",
          "timeouts at", "CPU at", "memory at"]
_KINDS = [EntryKind.NOTE] * 6 + [EntryKind.ACTION] * 2 + [EntryKind.DECISION, EntryKind.EXTERNAL]


def scale_entries(n: int, start: datetime, end: datetime, *, seed: int = 7) -> Iterator[tuple[EntryKind, str, datetime]]:
    """``n`` plausible entries spread evenly between ``start`` and ``end``."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    for i in range(n):
        when = start + timedelta(seconds=span * i / max(n, 1))
        subject = rng.choice(_SUBJECTS)
        text = f"{subject}: {rng.choice(_VERBS)} {rng.randint(1, 99)}% (sample {i + 1})"
        yield rng.choice(_KINDS), text, when
