"""The status page's data: plain values in (the frozen ``Site*`` dataclasses, never
ORM objects), checked and normalised on creation; the vocabulary of Atlassian
Statuspage's API; the rollup status; and how times are written on the page.

Nothing here reads the clock: "now" for the page is ``Site.updated_at``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from warroom.clock import ensure_utc
from warroom.errors import InputError


# --------------------------------------------------------------------------- vocabulary

COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")
UPDATE_STATUSES = ("investigating", "identified", "monitoring", "resolved")
INCIDENT_STATUSES = UPDATE_STATUSES
IMPACTS = ("none", "minor", "major", "critical")
#: Statuspage's ``status.indicator`` values, mildest first.
INDICATORS = IMPACTS

DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
#: The description when nothing is broken but a component is under maintenance.
MAINTENANCE_DESCRIPTION = "Service Under Maintenance"

COMPONENT_LABELS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}
STATUS_LABELS = {s: s.capitalize() for s in UPDATE_STATUSES}
IMPACT_LABELS = {"none": "None", "minor": "Minor", "major": "Major", "critical": "Critical"}

# Characters XML 1.0 cannot carry (and lone surrogates, which UTF-8 cannot): dropped from all text.
ILLEGAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# --------------------------------------------------------------------------- the data


def _text(value: Any, what: str, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise InputError(f"The status page's {what} must be text, not {type(value).__name__}.")
    value = ILLEGAL_CHARS.sub("", value)
    if required and not value.strip():
        raise InputError(f"The status page's {what} is empty.")
    return value


def _choice(value: Any, choices: tuple[str, ...], what: str) -> str:
    value = getattr(value, "value", value)  # a str enum from warroom.domain is fine too
    if value not in choices:
        raise InputError(f"Unknown {what} {value!r} on the status page: choose one of {', '.join(choices)}.")
    return value


def _utc(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InputError(f"The status page's {what} must be a datetime, not {type(value).__name__}.")
    try:
        return ensure_utc(value)
    except ValueError:
        raise InputError(f"The status page's {what} has no time zone ({value.isoformat()}).") from None


def _web_url(value: Any, what: str) -> str:
    value = _text(value, what, required=False).strip()
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"The status page's {what} {value!r} is not an http:// or https:// address.")
    return value


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)  # normalising a frozen dataclass in __post_init__


@dataclass(frozen=True)
class SiteComponent:
    id: str
    name: str
    status: str

    def __post_init__(self) -> None:
        _set(self, "id", _text(self.id, "component id"))
        _set(self, "name", _text(self.name, "component name"))
        _set(self, "status", _choice(self.status, COMPONENT_STATUSES, "component status"))


@dataclass(frozen=True)
class SiteUpdate:
    id: str
    status: str
    body: str
    created_at: datetime
    #: Set when the update was taken back: the page then shows when, never its words.
    withdrawn_at: datetime | None = None

    def __post_init__(self) -> None:
        _set(self, "id", _text(self.id, "update id"))
        _set(self, "status", _choice(self.status, UPDATE_STATUSES, "update status"))
        _set(self, "body", _text(self.body, "update text", required=False))
        _set(self, "created_at", _utc(self.created_at, "update time"))
        if self.withdrawn_at is not None:
            _set(self, "withdrawn_at", _utc(self.withdrawn_at, "update withdrawal time"))
            # The words are dropped here already, so that nothing built from this value can show them.
            _set(self, "body", "")


@dataclass(frozen=True)
class SiteIncident:
    id: str
    name: str
    status: str
    impact: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    shortlink: str | None
    components: tuple[SiteComponent, ...]
    #: Newest first (sorted again here, so the caller's order does not matter).
    updates: tuple[SiteUpdate, ...]

    def __post_init__(self) -> None:
        _set(self, "id", _text(self.id, "incident id"))
        _set(self, "name", _text(self.name, "incident title"))
        _set(self, "status", _choice(self.status, INCIDENT_STATUSES, "incident status"))
        _set(self, "impact", _choice(self.impact, IMPACTS, "incident impact"))
        _set(self, "created_at", _utc(self.created_at, "incident start"))
        _set(self, "updated_at", _utc(self.updated_at, "incident update time"))
        if self.resolved_at is not None:
            _set(self, "resolved_at", _utc(self.resolved_at, "incident resolution time"))
        if self.shortlink is not None:
            _set(self, "shortlink", _web_url(self.shortlink, "incident link") or None)
        components = tuple(self.components)
        if not all(isinstance(c, SiteComponent) for c in components):
            raise InputError("An incident's components must be SiteComponent values.")
        updates = tuple(self.updates)
        if not all(isinstance(u, SiteUpdate) for u in updates):
            raise InputError("An incident's updates must be SiteUpdate values.")
        _set(self, "components", components)
        _set(self, "updates", tuple(sorted(updates, key=lambda u: u.created_at, reverse=True)))

    @property
    def is_resolved(self) -> bool:
        return self.status == "resolved"

    @property
    def resolved_time(self) -> datetime | None:
        """When it was resolved: ``resolved_at``, else (resolved without one) the last change."""
        if not self.is_resolved:
            return None
        return self.resolved_at or self.updated_at

    @property
    def monitoring_at(self) -> datetime | None:
        times = [u.created_at for u in self.updates if u.status == "monitoring"]
        return min(times) if times else None


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    #: The public address the folder is uploaded to ("" when there is none yet).
    url: str
    time_zone: str
    #: "Now" for the page: the history window and the "last updated" line.
    updated_at: datetime
    components: tuple[SiteComponent, ...]
    incidents: tuple[SiteIncident, ...]

    def __post_init__(self) -> None:
        _set(self, "id", _text(self.id, "id"))
        _set(self, "name", _text(self.name, "name"))
        _set(self, "url", _web_url(self.url, "address"))
        _set(self, "time_zone", _text(self.time_zone, "time zone", required=False).strip() or "Etc/UTC")
        _set(self, "updated_at", _utc(self.updated_at, "update time"))
        components = tuple(self.components)
        incidents = tuple(self.incidents)
        if not all(isinstance(c, SiteComponent) for c in components):
            raise InputError("The status page's components must be SiteComponent values.")
        if not all(isinstance(i, SiteIncident) for i in incidents):
            raise InputError("The status page's incidents must be SiteIncident values.")
        _set(self, "components", components)
        _set(self, "incidents", incidents)


# --------------------------------------------------------------------------- shared by the files


def timestamp(when: datetime) -> str:
    """Statuspage's form of a time: UTC, milliseconds, a trailing Z (``2026-11-23T09:00:00.000Z``)."""
    when = ensure_utc(when)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def base_url(site: Site) -> str:
    """The site's address with one trailing slash, or "" when it has none."""
    return site.url.rstrip("/") + "/" if site.url else ""


def anchor(incident: SiteIncident) -> str:
    """The id of the incident's block on the page (links from the JSON and the feed point to it)."""
    return "incident-" + re.sub(r"[^A-Za-z0-9_-]+", "-", incident.id)


def newest_first(items: Iterable[SiteIncident]) -> list[SiteIncident]:
    """Incidents by start time, newest first (ties by id, so the order is stable)."""
    return sorted(items, key=lambda i: (i.created_at, i.id), reverse=True)


def unresolved(site: Site) -> list[SiteIncident]:
    """The incidents still open, newest first."""
    return newest_first(i for i in site.incidents if not i.is_resolved)


def overall_status(site: Site) -> dict[str, str]:
    """The page's rollup ``{"indicator", "description"}``; the worst signal wins.

    * an unresolved incident counts with its impact (none, minor, major, critical);
      resolved incidents do not count;
    * a component in ``degraded_performance`` counts as minor, ``partial_outage`` and
      ``major_outage`` as major, and every component in ``major_outage`` as critical;
    * ``under_maintenance`` does not raise the indicator, but when nothing else is wrong
      the description says "Service Under Maintenance".
    """
    levels = [IMPACTS.index(i.impact) for i in site.incidents if not i.is_resolved]
    statuses = [c.status for c in site.components]
    component_level = {"degraded_performance": 1, "partial_outage": 2, "major_outage": 2}
    levels += [component_level.get(s, 0) for s in statuses]
    if statuses and all(s == "major_outage" for s in statuses):
        levels.append(3)
    indicator = INDICATORS[max(levels, default=0)]
    description = DESCRIPTIONS[indicator]
    if indicator == "none" and "under_maintenance" in statuses:
        description = MAINTENANCE_DESCRIPTION
    return {"indicator": indicator, "description": description}


def last_change(update: SiteUpdate) -> datetime:
    """When an update last changed: its withdrawal, if any (and not before it was posted)."""
    return max(update.created_at, update.withdrawn_at or update.created_at)


# English names, whatever the process locale (strftime's %b and %a follow setlocale).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def when_text(when: datetime) -> str:
    """A time as the page writes it: ``23 Nov 2026, 09:00 UTC``."""
    when = ensure_utc(when)
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}, {when:%H:%M} UTC"


def day_label(day: date) -> str:
    """A day heading of the history: ``Mon 23 Nov 2026``."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"
