"""The vocabulary of an incident: categories, severities, impact, status terms.

Plain enums and pure functions; the services validate against them and later
channels map them to vendor terms.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from warroom.errors import InputError, TransitionError


class Choice(str, enum.Enum):
    """A string enum whose ``parse`` gives a clear message on bad input."""

    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " ").capitalize())

    @classmethod
    def parse(cls, text: str | Choice) -> Choice:
        if isinstance(text, cls):
            return text
        key = str(text).strip().lower().replace(" ", "_").replace("-", "_")
        for member in cls:
            if key in (member.value, member.name.lower(), member.label.lower().replace(" ", "_")):
                return member
        choices = ", ".join(m.value for m in cls)
        raise InputError(f"Unknown {cls._noun()} {text!r}: choose one of {choices}.")

    @classmethod
    def _noun(cls) -> str:
        return cls.__name__.lower()


class Category(Choice):
    NETWORK = "network"
    APPLICATION = "application"
    SECURITY = "security"
    DATA = "data"
    THIRD_PARTY = "third_party"
    FACILITIES = "facilities"
    OTHER = "other"


class Severity(Choice):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @classmethod
    def parse(cls, text: str | Severity) -> Severity:
        if isinstance(text, cls):
            return text
        key = str(text).strip().upper()
        if key.isascii() and key.isdigit():
            key = "SEV" + key
        key = key.replace("-", "").replace(" ", "")
        try:
            return cls(key)
        except ValueError:
            raise InputError(f"Unknown severity {text!r}: choose one of SEV1, SEV2, SEV3, SEV4.") from None

    @property
    def rank(self) -> int:
        return int(self.value[3])


class Impact(Choice):
    NONE = "none"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    FULL_OUTAGE = "full_outage"


class Status(Choice):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATED = "mitigated"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @classmethod
    def _noun(cls) -> str:
        return "status"


class EntryKind(Choice):
    NOTE = "note"
    ACTION = "action"
    DECISION = "decision"
    STATUS_CHANGE = "status_change"
    SEVERITY_CHANGE = "severity_change"
    EXTERNAL = "external"
    PUBLISHED = "published"
    DELIVERY = "delivery"

    @classmethod
    def _noun(cls) -> str:
        return "entry kind"


_LABELS = {
    Category.THIRD_PARTY: "Third party",
    EntryKind.STATUS_CHANGE: "Status",
    EntryKind.SEVERITY_CHANGE: "Severity",
    EntryKind.EXTERNAL: "External event",
    EntryKind.PUBLISHED: "Update published",
    Impact.PARTIAL_OUTAGE: "Partial outage",
    Impact.FULL_OUTAGE: "Full outage",
}

class Role(Choice):
    INCIDENT_COMMANDER = "incident_commander"
    TECHNICAL_REVIEWER = "technical_reviewer"
    COMMS_REVIEWER = "comms_reviewer"
    LEGAL_REVIEWER = "legal_reviewer"
    COMMUNICATIONS_OWNER = "communications_owner"
    ADMINISTRATOR = "administrator"
    VIEWER = "viewer"

    @classmethod
    def _noun(cls) -> str:
        return "role"


#: Roles that review updates; each can name a backup.
REVIEW_ROLES = (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER, Role.LEGAL_REVIEWER)

_LABELS_MORE = {
    Role.INCIDENT_COMMANDER: "Incident commander",
    Role.TECHNICAL_REVIEWER: "Technical reviewer",
    Role.COMMS_REVIEWER: "Comms reviewer",
    Role.LEGAL_REVIEWER: "Legal reviewer",
    Role.COMMUNICATIONS_OWNER: "Communications owner",
    Role.ADMINISTRATOR: "Administrator",
}

_LABELS.update(_LABELS_MORE)

#: Kinds a person writes; status and severity changes are written by the services.
WRITTEN_KINDS = (EntryKind.NOTE, EntryKind.ACTION, EntryKind.DECISION, EntryKind.EXTERNAL)

#: The status order of a normal incident.
STATUS_ORDER = (
    Status.INVESTIGATING,
    Status.IDENTIFIED,
    Status.MITIGATED,
    Status.MONITORING,
    Status.RESOLVED,
)

#: Allowed moves between open statuses. Going forward may skip steps (a quick fix
#: goes straight from Investigating to Resolved); going back is allowed to
#: Investigating or Identified when a cause or a fix does not hold. Monitoring
#: does not fall back to Mitigated: a fix that fails under watch means the cause
#: is in question again. Leaving Resolved is a reopening, a separate action.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.INVESTIGATING: frozenset({Status.IDENTIFIED, Status.MITIGATED, Status.MONITORING, Status.RESOLVED}),
    Status.IDENTIFIED: frozenset({Status.INVESTIGATING, Status.MITIGATED, Status.MONITORING, Status.RESOLVED}),
    Status.MITIGATED: frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED}),
    Status.MONITORING: frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED}),
    Status.RESOLVED: frozenset(),
}

#: Where a reopened incident may go.
REOPEN_TO = frozenset({Status.INVESTIGATING, Status.IDENTIFIED})


def check_transition(current: Status, new: Status, *, reopen: bool = False) -> None:
    """Raise :class:`TransitionError` unless ``current`` → ``new`` is allowed."""
    if reopen and current != Status.RESOLVED:
        raise TransitionError("Only a resolved incident can be reopened.")
    if current == new:
        raise TransitionError(f"The incident is already {current.label}.")
    if current == Status.RESOLVED:
        if not reopen:
            raise TransitionError(
                f"The incident is resolved: reopen it to move it to {new.label} "
                "(reopening goes to Investigating or Identified)."
            )
        if new not in REOPEN_TO:
            raise TransitionError(f"A reopened incident goes to Investigating or Identified, not {new.label}.")
        return
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(s.label for s in STATUS_ORDER if s in TRANSITIONS[current])
        raise TransitionError(f"{current.label} cannot move to {new.label}; from {current.label} go to {allowed}.")


def allowed_next(current: Status) -> list[Status]:
    if current == Status.RESOLVED:
        return sorted(REOPEN_TO, key=STATUS_ORDER.index)
    return [s for s in STATUS_ORDER if s in TRANSITIONS[current]]


# -- Atlassian Statuspage, for the channels -----------------------------------

_STATUSPAGE_STATUS = {
    Status.INVESTIGATING: "investigating",
    Status.IDENTIFIED: "identified",
    # Mitigated means a workaround holds but the fix is not in: Statuspage's
    # "monitoring" promises a fix is implemented, so the honest term is "identified".
    Status.MITIGATED: "identified",
    Status.MONITORING: "monitoring",
    Status.RESOLVED: "resolved",
}

_STATUSPAGE_IMPACT = {
    Impact.NONE: "none",
    Impact.DEGRADED: "minor",
    Impact.PARTIAL_OUTAGE: "major",
    Impact.FULL_OUTAGE: "critical",
}

_STATUSPAGE_COMPONENT = {
    Impact.NONE: "operational",
    Impact.DEGRADED: "degraded_performance",
    Impact.PARTIAL_OUTAGE: "partial_outage",
    Impact.FULL_OUTAGE: "major_outage",
}


def statuspage_status(status: Status) -> str:
    """Statuspage's incident status for one of ours (it has four, we have five)."""
    return _STATUSPAGE_STATUS[status]


def statuspage_impact(impact: Impact) -> str:
    return _STATUSPAGE_IMPACT[impact]


def statuspage_component_status(impact: Impact, status: Status) -> str:
    if status == Status.RESOLVED:
        return "operational"
    return _STATUSPAGE_COMPONENT[impact]


#: Update cadence per severity when the database has no policy yet.
DEFAULT_UPDATE_INTERVALS: dict[Severity, timedelta] = {
    Severity.SEV1: timedelta(minutes=30),
    Severity.SEV2: timedelta(hours=1),
    Severity.SEV3: timedelta(hours=4),
    Severity.SEV4: timedelta(hours=24),
}
