"""What a template sees: plain data made from an incident, an ETR and the audience's
locale and zone (:func:`context`), with the labels, caveats and default titles by
language; and the made-up incidents templates are previewed and checked against
(:func:`sample_incident`, :func:`sample_shapes`). No store: the template library
(:mod:`warroom.services.templates`) and composing (:mod:`warroom.services.compose`)
both build on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from collections.abc import Sequence

from babel import Locale
from babel.dates import format_date, format_time

from warroom import i18n, terms
from warroom.clock import UTC
from warroom.domain import Category, Choice, Impact, Severity, Status
from warroom.errors import InputError
from warroom.i18n import N_
from warroom.services import settings
from warroom.services.followups import FollowupView
from warroom.services.incidents import IncidentView
from warroom.services.obligations import ClockView
from warroom.services.regimes import regimes
from warroom.text.render import Promised, plain
from warroom.text.timefmt import local_zone


class Confidence(Choice):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class ETR:
    """An estimated time to resolution: a time, or a window, with who assessed it."""

    start: datetime
    end: datetime | None
    confidence: Confidence
    assessor: str


def make_etr(start: datetime, end: datetime | None = None, *, confidence: str | Confidence = Confidence.MEDIUM,
             assessor: str = "") -> ETR:
    assessor = " ".join((assessor or "").split())
    if not assessor:
        raise InputError("An ETR needs the name of whoever assessed it (the engineer or lead who gave it).")
    if start.tzinfo is None or (end is not None and end.tzinfo is None):
        raise InputError("An ETR needs times with a time zone.")
    if end is not None and end <= start:
        raise InputError("The end of an ETR window must be after its start.")
    return ETR(start, end, Confidence.parse(confidence), assessor)


#: Caveats by confidence (English, the source; translated per audience through the
#: ``warroom`` catalogs): every ETR goes out with one.
CAVEATS = {
    Confidence.LOW: N_("This is an early estimate and is likely to change; we will update you as we learn more."),
    Confidence.MEDIUM: N_("This is an estimate and may change as we learn more."),
    Confidence.HIGH: N_("We are confident in this estimate, but it may still change."),
}

#: How an ETR's time or window reads (``{a}``, ``{b}``: the times).
ETR_BY = N_("by {a}")
ETR_BETWEEN = N_("between {a} and {b}")

def tr(message: str, locale: str) -> str:
    """``message`` in the language of ``locale`` (English when no catalog has it)."""
    return i18n.gettext("warroom", i18n.language_of(locale), message)


def label(value: Choice, locale: str) -> str:
    """A status, impact, category or severity as people of ``locale`` read it."""
    return terms.term(value, locale)


def _time_text(when: datetime, locale: Locale, zone) -> str:
    text = f"{when.astimezone(UTC):%H:%M} UTC"
    if str(zone) not in ("UTC", "Etc/UTC"):
        local = when.astimezone(zone)
        text += f" ({plain(format_time(local, 'short', tzinfo=zone, locale=locale))} {local.tzname()})"
    return text


def etr_context(etr: ETR | None, locale: str, zone_name: str | None) -> dict[str, str] | None:
    if etr is None:
        return None
    loc = Locale.parse(locale)
    zone = local_zone(zone_name) if zone_name else UTC
    a = _time_text(etr.start, loc, zone)
    text = (tr(ETR_BETWEEN, locale).format(a=a, b=_time_text(etr.end, loc, zone)) if etr.end
            else tr(ETR_BY, locale).format(a=a))
    return {"text": text, "caveat": tr(CAVEATS[etr.confidence], locale), "confidence": etr.confidence.value,
            "assessor": etr.assessor}


def phase_for(incident: IncidentView) -> str:
    """The first update is 'initial'; the last 'resolved'; others the status term
    (which falls back to 'update' when no template names it)."""
    if incident.status == Status.RESOLVED:
        return "resolved"
    if incident.last_update_at is None:
        return "initial"
    return incident.status.value


#: The public title when a template gives none: an outsider's words, never the internal title.
#: (The template around the words is code: translators see only the words.)
TITLE_WORDS = N_("Service disruption")
TITLE_WITH_COMPONENTS = N_("Service disruption: {components}")
#: The title for internal audiences when a template gives none.
INTERNAL_TITLE = "{{ incident.title }}"


def default_title(locale: str, external: bool) -> str:
    if not external:
        return INTERNAL_TITLE
    with_components = _jinja_text(tr(TITLE_WITH_COMPONENTS, locale)).replace(
        "{components}", "{{ incident.components | join_list }}")
    return (f"{{% if incident.components %}}{with_components}"
            f"{{% else %}}{_jinja_text(tr(TITLE_WORDS, locale))}{{% endif %}}")


def _jinja_text(words: str) -> str:
    """Words from a catalog as literal text in a template (no Jinja markup of theirs runs)."""
    for mark in ("{{", "{%", "{#"):
        words = words.replace(mark, mark[0] + " " + mark[1])
    return words


def followup_context(items: Sequence[FollowupView], locale: str, *, external: bool) -> list[dict]:
    """The follow-up actions as a template sees them: the words, the due date written
    out in the audience's language (``due``; ``due_date`` for conditions) and whether
    it is done. Insiders also see the owner and whether it is overdue; outsiders get
    the commitment without the internal names (a template that asks for the owner
    fails for them, as one asking for the internal title does)."""
    out = []
    for f in items:
        item = {"text": f.text, "due": format_date(f.due, "long", locale=Locale.parse(locale)), "due_date": f.due,
                "done": f.done}
        if not external:
            item.update(owner=f.owner, overdue=f.overdue)
        out.append(item)
    return out


def context(incident: IncidentView, *, locale: str, now: datetime, etr: ETR | None = None,
            zone: str | None = None, org: settings.Org | None = None, next_at: datetime | None = None,
            external: bool = False, title: str | None = None,
            followups: Sequence[FollowupView] = (), clocks: Sequence[ClockView] = ()) -> dict:
    """Plain data for a template: no ORM objects, nothing with behaviour. For an
    external audience the incident's internal title is not there at all (a template
    that asks for it fails with a clear message); ``title`` is the public one.
    ``followups``: the incident's follow-up actions (see :func:`followup_context`);
    ``clocks``: its regulatory clocks (:class:`warroom.services.obligations.ClockView`):
    each as ``key``, ``regime``, ``notify``, ``deadline``, ``citation``, ``started_at``
    (when the organisation became aware or determined it), ``due_at`` (none without
    a fixed deadline), ``binds`` (which of two limits sets it, or ""), ``jurisdiction``
    and ``regulators`` (the names of the regulators stakeholders of that
    jurisdiction); ``clock`` has them by key (``clock["gdpr-33"]``)."""
    org = org or settings.Org(settings.DEFAULT_ORG_NAME, "")
    items = [{"key": c.regime.key, "regime": c.regime.name, "notify": c.regime.notify_whom,
              "deadline": c.regime.deadline, "citation": c.regime.citation, "started_at": c.start, "due_at": c.due,
              "binds": c.binds, "jurisdiction": c.regime.jurisdiction, "regulators": list(c.regulators)}
             for c in clocks]
    facts = {"ref": incident.ref}
    if not external:
        facts["title"] = incident.title
    return {
        "title": title if title is not None else ("" if external else incident.title),
        "incident": {
            **facts, "category": label(incident.category, locale),
            "severity": incident.severity.value, "severity_label": label(incident.severity, locale), "impact": label(incident.impact, locale),
            "status": label(incident.status, locale), "status_code": incident.status.value,
            "components": list(incident.components),
            "commander": incident.commander, "detected_at": incident.detected_at,
            "declared_at": incident.declared_at, "resolved_at": incident.resolved_at,
        },
        "update": {"now": now, "next_at": next_at or incident.next_update_due},
        "etr": etr_context(etr, locale, zone),
        "org": {"name": org.name, "status_url": org.status_url},
        "followups": followup_context(followups, locale, external=external),
        "clocks": items,
        "clock": {item["key"]: item for item in items},
        # Filled for a FAQ bulletin (the questions asked) and a key account's personal
        # update (the account); empty otherwise, so every template renders anywhere.
        "faq": {"category": "", "questions": []},
        "account": {"name": "", "components": [], "zone": zone or "UTC", "success_manager": ""},
    }


def sample_incident(now: datetime, *, resolved: bool = False, status: Status | None = None,
                    components: bool = True, next_update: bool = True, index: int = 0) -> IncidentView:
    """A made-up incident for previewing and checking templates when none is chosen.
    ``index`` varies the facts a template rarely branches on (severity, impact,
    category) between the shapes of :func:`sample_shapes`."""
    status = status or (Status.RESOLVED if resolved else Status.IDENTIFIED)
    done = status == Status.RESOLVED
    severities, impacts, categories = list(Severity), list(Impact), list(Category)
    return IncidentView(
        id=uuid.UUID(int=0), ref="INC-0", title="Checkout failing for some customers",
        category=Category.APPLICATION if index == 0 else categories[index % len(categories)],
        severity=Severity.SEV2 if index == 0 else severities[index % len(severities)],
        impact=Impact.PARTIAL_OUTAGE if index == 0 else impacts[index % len(impacts)],
        status=status, customer_facing=True,
        components=("Checkout", "Payments") if components else (), commander="Dana Okafor", confidential=False,
        exercise=False, detected_at=now - timedelta(minutes=25), declared_at=now - timedelta(minutes=20),
        status_changed_at=now, resolved_at=now if done else None, last_update_at=now - timedelta(minutes=10),
        updated_at=now, next_update_due=None if done or not next_update else now + timedelta(minutes=30))


def sample_followups(now: datetime) -> tuple[FollowupView, ...]:
    """Made-up follow-up actions: one done, one open, one overdue."""
    today = now.date()

    def one(n: int, text: str, owner: str, due_days: int, done: bool) -> FollowupView:
        return FollowupView(id=uuid.UUID(int=n), incident_id=uuid.UUID(int=0), ref=f"INC-0/F{n}", text=text,
                            owner=owner, due=today + timedelta(days=due_days), done_at=now if done else None,
                            done_by=owner if done else None, created_by="Dana Okafor", created_at=now,
                            updated_at=now, overdue=not done and due_days < 0)

    return (one(1, "Add an alert when the payment provider's error rate rises", "Sam Rivera", -3, True),
            one(2, "Test the failover of the checkout service every quarter", "Dana Okafor", 30, False),
            one(3, "Review the capacity plan for peak trading days", "Sam Rivera", -1, False))


def sample_clocks(now: datetime) -> tuple[ClockView, ...]:
    """Every shipped regime's clock, started two hours ago (one flag each)."""
    start = now - timedelta(hours=2)
    return tuple(ClockView(r, r.flags[0], start, r.due(start), now) for r in regimes())


@dataclass(frozen=True)
class Shape:
    """One made-up situation a template is checked against (see :func:`sample_shapes`)."""

    incident: IncidentView
    etr: ETR | None
    #: The next update's time as composing shows it (a placeholder), or None.
    next_at: datetime | None
    external: bool
    followups: tuple[FollowupView, ...] = ()
    clocks: tuple[ClockView, ...] = ()

    def describe(self) -> str:
        i = self.incident
        return (f"{'an external' if self.external else 'an internal'} audience, {i.status.value}, "
                f"{'with' if i.components else 'no'} components, {'with' if self.etr else 'no'} ETR, "
                f"{'with' if self.next_at else 'no'} next update, {'with' if self.followups else 'no'} follow-ups"
                + (", with regulatory clocks" if self.clocks else ""))


def sample_shapes(now: datetime, *, etr: bool = True, next_update: bool = True,
                  audiences: tuple[bool, ...] = (False, True), followups: bool = False,
                  clocks: bool = False) -> list[Shape]:
    """Every status, with and without components, an ETR and the next update (and,
    with ``followups``, follow-up actions), for internal and external audiences
    (``audiences``: the external flags): the situations a template may branch on.
    ``etr=False`` or ``next_update=False`` leave out the variants of a fact the
    template never reads."""
    shapes = []
    samples = sample_followups(now)
    running = sample_clocks(now) if clocks else ()
    for external in audiences:
        for status in Status:
            done = status == Status.RESOLVED
            for components in (True, False):
                for with_etr in ((True, False) if etr else (False,)):
                    for nxt in ((True, False) if next_update and not done else (False,)):
                        for items in ((samples, ()) if followups else ((),)):
                            inc = sample_incident(now, status=status, components=components, next_update=nxt,
                                                  index=len(shapes))
                            estimate = make_etr(now + timedelta(hours=1), now + timedelta(hours=2),
                                                confidence=list(Confidence)[len(shapes) % 3],
                                                assessor="Sam Rivera") if with_etr else None
                            promised = Promised.fromtimestamp(now.timestamp(), now.tzinfo) if nxt else None
                            # with clocks on every other shape: both branches of a template are rendered
                            shapes.append(Shape(inc, estimate, promised, external, items,
                                                running if len(shapes) % 2 == 0 else ()))
    return shapes
