"""Composing an update: the incident's facts, an ETR, the audience's locale and
zone, through the selected template, for every channel format (what the template
sees is made in :mod:`warroom.services.context`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from babel import Locale

from warroom.errors import InputError
from warroom.exercise.stamp import now_for
from warroom.services import audiences, followups, incidents, obligations, settings, templates, wording
from warroom.services.context import ETR, context, default_title, phase_for, sample_followups, sample_incident
from warroom.services.matrix import cell
from warroom.services.templates import TemplateView
from warroom.store import Store
from warroom.text.render import Promised, TemplateError, render
from warroom.text.smslength import SmsLength, sms_length


@dataclass(frozen=True)
class Rendered:
    template: TemplateView
    audience: str
    locale: str
    zone: str | None
    subject: str
    long: str
    short: str
    chat: str
    #: The public title this audience sees.
    title: str = ""

    @property
    def sms(self) -> SmsLength:
        return sms_length(self.short.strip())

    def body(self, channel: str) -> str:
        if channel not in templates.CHANNELS:
            raise InputError(f"Unknown channel format {channel!r}: choose long, short or chat.")
        return getattr(self, channel)


def render_update(store: Store, incident_key: str | uuid.UUID, *, audience: str, viewer: str,
                  locale: str | None = None, template: str | None = None, etr: ETR | None = None,
                  now: datetime | None = None, phase: str | None = None, zone: str | None = None,
                  extra: dict | None = None) -> Rendered:
    """Render the update an audience would get now, in every channel format (``zone``:
    times in this zone rather than the audience's; ``extra``: more for the template to
    see, e.g. ``faq`` or ``account``)."""
    incident = incidents.get(store, incident_key, viewer=viewer)
    aud = audiences.get(store, audience)
    locale = audiences.check_locale(locale or aud.locale or "en")
    zone = zone or aud.timezone
    if template:
        chosen = templates.get(store, template, locale if _has_locale(store, template, locale) else None)
    else:
        # The matrix may say this audience speaks with another's templates (key accounts
        # with the customers' words, say) at this severity.
        words_of = cell(store, aud.name, incident.severity).template_audience or aud.name
        chosen = templates.select_template(store, category=incident.category.value, audience=words_of,
                                           phase=phase or phase_for(incident), locale=locale)
    if now is None:
        now = store.clock.now()
        if incident.exercise:        # an exercise's words speak of its own time
            with store.read() as session:
                now = now_for(session, incident.id, now)
    # The next update's time is decided at publish (the cadence then in force): the
    # words carry a placeholder until then.
    next_at = Promised.fromtimestamp(now.timestamp(), now.tzinfo) if incident.next_update_due else None
    # Words follow the template's language; times and lists the audience's own locale
    # when it speaks that language (en_GB formats 24-hour times, en_US does not).
    fmt_locale = locale if Locale.parse(locale).language == Locale.parse(chosen.locale).language else chosen.locale
    org = settings.get_org(store)

    def one(field: str, source: str, ctx: dict) -> str:
        try:
            return render(source, ctx, locale=fmt_locale, zone=zone or "UTC", now=now)
        except InputError as exc:
            hint = (" External audiences never see the incident's internal title: use title, the public one."
                    if aud.external and "title" in str(exc) else "")
            raise InputError(f"Template {chosen.name!r} ({chosen.locale}), {field} text: {exc}.{hint}",
                             field=field) from None

    actions = followups.list_followups(store, incident.id, viewer=viewer, now=now)
    clocks = obligations.clocks(store, incident.id, viewer=viewer, now=now)
    base = context(incident, locale=fmt_locale, now=now, etr=etr, zone=zone, org=org, next_at=next_at,
                   external=aud.external, followups=actions, clocks=clocks)
    base.update(extra or {})
    title = " ".join(one("title", chosen.title or default_title(chosen.locale, aud.external), base).split())
    ctx = dict(base, title=title)
    texts = {field: one(field, getattr(chosen, field), ctx) for field in ("subject", "long", "short", "chat")}
    return Rendered(chosen, aud.name, chosen.locale, zone, texts["subject"].strip(), texts["long"],
                    texts["short"], texts["chat"], title)


def _has_locale(store: Store, name: str, locale: str) -> bool:
    return any(t.locale == locale for t in templates.list_templates(store) if t.name == name)


@dataclass(frozen=True)
class Preview:
    """A template's words as an audience would get them now, with the linter's findings
    (``error``: the field and message when the template does not render)."""

    texts: dict[str, str]
    flags: tuple
    error: tuple[str, str] | None = None


def preview_template(store: Store, texts: dict[str, str], *, locale: str, audience: str, viewer: str,
                     incident: str | uuid.UUID | None = None, now: datetime | None = None) -> Preview:
    """Render unsaved template texts (title, subject, long, short, chat) for an audience
    against an incident (or a made-up one) and lint them as the services will: the
    template editor and ``warroom-cli render`` show the same thing."""
    now = now or store.clock.now()
    aud = audiences.get(store, audience)
    inc = incidents.get(store, incident, viewer=viewer) if incident is not None else sample_incident(now)
    actions = (followups.list_followups(store, inc.id, viewer=viewer, now=now) if incident is not None
               else sample_followups(now))
    clocks = obligations.clocks(store, inc.id, viewer=viewer, now=now) if incident is not None else ()
    base = context(inc, locale=locale, now=now, zone=aud.timezone, org=settings.get_org(store),
                   external=aud.external, followups=actions, clocks=clocks)
    out: dict[str, str] = {}
    try:
        field = "title"
        out["title"] = " ".join(render(texts.get("title") or default_title(locale, aud.external), base,
                                       locale=locale, zone=aud.timezone or "UTC", now=now).split())
        ctx = dict(base, title=out["title"])
        for field in ("subject", "long", "short", "chat"):
            out[field] = render(texts.get(field, ""), ctx, locale=locale, zone=aud.timezone or "UTC", now=now)
    except TemplateError as exc:
        return Preview(out, (), (field, str(exc)))
    out["subject"] = out["subject"].strip()
    flags = wording.judge(out, external=aud.external, status=inc.status.value, config=settings.lint_config(store))
    return Preview(out, tuple(flags))
