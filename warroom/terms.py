"""The words people read for the status, impact, category, severity and timeline
entry kind codes,
English here and in each person's or audience's language from the ``warroom``
catalogs. Light on purpose: the window's lists and header use it at start-up."""

from __future__ import annotations

from warroom.domain import Category, Choice, EntryKind, Impact, Severity, Status
from warroom.i18n import N_, gettext, language_of

#: The words people see for the status, impact and category codes (English; each
#: audience reads them in its language from the catalogs).
TERMS = {
    Status.INVESTIGATING: N_("Investigating"), Status.IDENTIFIED: N_("Identified"),
    Status.MITIGATED: N_("Mitigated"), Status.MONITORING: N_("Monitoring"), Status.RESOLVED: N_("Resolved"),
    Impact.NONE: N_("None"), Impact.DEGRADED: N_("Degraded"), Impact.PARTIAL_OUTAGE: N_("Partial outage"),
    Impact.FULL_OUTAGE: N_("Full outage"),
    Category.NETWORK: N_("Network"), Category.APPLICATION: N_("Application"), Category.SECURITY: N_("Security"),
    Category.DATA: N_("Data"), Category.THIRD_PARTY: N_("Third party"), Category.FACILITIES: N_("Facilities"),
    Category.OTHER: N_("Other"),
    EntryKind.NOTE: N_("Note"), EntryKind.ACTION: N_("Action"), EntryKind.DECISION: N_("Decision"),
    EntryKind.STATUS_CHANGE: N_("Status"), EntryKind.SEVERITY_CHANGE: N_("Severity"),
    EntryKind.EXTERNAL: N_("External event"), EntryKind.PUBLISHED: N_("Update published"),
    EntryKind.DELIVERY: N_("Delivery"),
}

#: What a severity means, for people (the codes SEV1–SEV4 stay as they are).
SEVERITY_TERMS = {
    Severity.SEV1: N_("Critical"), Severity.SEV2: N_("Major"), Severity.SEV3: N_("Minor"), Severity.SEV4: N_("Low"),
}


def term(value: Choice, locale: str) -> str:
    """A status, impact, category or severity as people of ``locale`` read it."""
    english = SEVERITY_TERMS.get(value) or TERMS.get(value) or value.label
    return gettext("warroom", language_of(locale), english)
