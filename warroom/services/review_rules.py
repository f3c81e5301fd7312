"""Review rules: which reviews an update needs (by audience, severity and
category), who settles disputes, and how long each reviewer has.

A rule is keyed "audience" (every severity and category) or
"audience|SEVERITY|category" with "*" for any: "customers|SEV4|*",
"customers|*|network", "customers|SEV1|security". The most specific rule that
matches an update sets its reviews (a category counts more than a severity); a
security or data incident always adds legal on top. Changing the rules is an
administrator's (the permission table).
"""

from __future__ import annotations

import json
from datetime import timedelta

from warroom.domain import Category, Role, Severity
from warroom.errors import InputError
from warroom.services import access, incidents, people
from warroom.services import audiences as audience_service
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.models import Meta, SeverityPolicy

#: The default policy: reviews by audience; a security or data incident, or
#: regulators, also need legal.
DEFAULT_POLICY: dict[str, tuple[Role, ...]] = {
    "it": (Role.TECHNICAL_REVIEWER,),
    "employees": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER),
    "executives": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER),
    "customers": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER),
    "partners": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER),
    "regulators": (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER, Role.LEGAL_REVIEWER),
}
_LEGAL_CATEGORIES = {Category.SECURITY, Category.DATA}
#: Audiences whose every update needs a legal reviewer's approval of its exact
#: revision, whatever the rules say: no rule removes it, no override skips it, and
#: a pre-approved template does not replace it (regulatory notifications).
LEGAL_AUDIENCES = frozenset({"regulators"})

POLICY_KEY = "review_policy"


def rule_key(audience: str, severity=None, category=None) -> str:
    sev = Severity.parse(severity).value if severity not in (None, "", "*") else "*"
    cat = Category.parse(category).value if category not in (None, "", "*") else "*"
    return audience if sev == cat == "*" else f"{audience}|{sev}|{cat}"


def split_key(key: str) -> tuple[str, str, str]:
    audience, _, rest = key.partition("|")
    sev, _, cat = rest.partition("|")
    return audience, sev or "*", cat or "*"


def describe_key(key: str) -> str:
    """``customers|SEV4|*`` -> ``customers at SEV4``; ``customers|*|security`` -> ``customers, security incidents``."""
    audience, sev, cat = split_key(key)
    text = audience + (f" at {sev}" if sev != "*" else "")
    return text + (f", {Category(cat).label.lower()} incidents" if cat != "*" else "")


def policy(store: Store) -> dict[str, tuple[Role, ...]]:
    """The review rules (see :func:`rule_key`): the stored ones over the defaults."""
    with store.read() as session:
        return policy_in(session)


def policy_in(session) -> dict[str, tuple[Role, ...]]:
    row = session.get(Meta, POLICY_KEY)
    stored = json.loads(row.value) if row else {}
    merged = dict(DEFAULT_POLICY)
    merged.update({key: tuple(Role(r) for r in roles) for key, roles in stored.items()})
    return dict(sorted(merged.items(), key=lambda kv: split_key(kv[0])))


def set_policy(store: Store, actor: str, audience: str, roles, *, severity=None,
               category=None) -> dict[str, tuple[Role, ...]]:
    """Which reviews an audience's updates need, for every incident or only at one
    severity and/or in one category (editable; journaled). ``roles=None`` removes
    a severity or category rule, so the audience's own rule applies again."""
    aud = audience_service.get(store, audience).name
    key = rule_key(aud, severity, category)
    if roles is None:
        if key == aud:
            raise InputError(f"Every audience needs a rule of its own; change {aud}'s reviews instead of removing "
                             "them.")
        parsed = []
    else:
        parsed = [Role.parse(r) for r in (roles.split(",") if isinstance(roles, str) else roles) if str(r).strip()]
        if any(r not in (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER, Role.LEGAL_REVIEWER) for r in parsed):
            raise InputError("Reviews are technical_reviewer, comms_reviewer and legal_reviewer.")
        if not parsed:
            raise InputError("An update needs at least one review; name the roles, e.g. technical_reviewer.")
        if aud in LEGAL_AUDIENCES and Role.LEGAL_REVIEWER not in parsed:
            raise InputError(f"Every update to {aud} needs legal review: include legal_reviewer in the roles.",
                             field="roles")
    with store.write(actor) as tx:
        access.require(tx, Action.REVIEW_POLICY)
        row = tx.session.get(Meta, POLICY_KEY)
        stored = json.loads(row.value) if row else {}
        before = stored.get(key)
        if parsed:
            stored[key] = [r.value for r in dict.fromkeys(parsed)]
        elif key in stored:
            del stored[key]
        else:
            raise InputError(f"There is no rule for {describe_key(key)}.")
        if row is None:
            tx.session.add(Meta(key=POLICY_KEY, value=json.dumps(stored, sort_keys=True)))
        else:
            row.value = json.dumps(stored, sort_keys=True)
        tx.record("policy.reviews_set", {"audience": aud, "rule": key, "from": before, "to": stored.get(key)})
    return policy(store)


ARBITER_KEY = "review_arbiter"


def arbiter(session, incident_row) -> str:
    """Who settles disputes: the person the policy names, or the incident's commander."""
    row = session.get(Meta, ARBITER_KEY)
    return row.value if row is not None and row.value != "commander" else (incident_row.commander or "")


def set_arbiter(store: Store, actor: str, name: str) -> str:
    name = " ".join((name or "").split())
    if name != "commander":
        people.get(store, name)  # a known person
    with store.write(actor) as tx:
        access.require(tx, Action.REVIEW_POLICY)
        row = tx.session.get(Meta, ARBITER_KEY)
        before = row.value if row else "commander"
        if row is None:
            tx.session.add(Meta(key=ARBITER_KEY, value=name))
        else:
            row.value = name
        tx.record("policy.arbiter_set", {"from": before, "to": name})
    return name


def set_window(store: Store, actor: str, severity, window: timedelta) -> None:
    sev = Severity.parse(severity)
    if not timedelta(minutes=1) <= window <= timedelta(days=1):
        raise InputError("A review window is between 1 minute and 1 day.", field="window")
    with store.write(actor) as tx:
        access.require(tx, Action.REVIEW_POLICY)
        row = tx.session.get(SeverityPolicy, sev.value)
        old = row.review_window_s
        row.review_window_s = int(window.total_seconds())
        tx.record("policy.review_window_set", {"severity": sev.value, "old_s": old, "new_s": row.review_window_s})


def required_roles(audience: str, incident: incidents.IncidentView,
                   rules: dict[str, tuple[Role, ...]] | None = None) -> tuple[Role, ...]:
    """The reviews an update to ``audience`` needs for this incident: the most
    specific matching rule, plus legal for a security or data incident and for
    every update to regulators (:data:`LEGAL_AUDIENCES`)."""
    rules = DEFAULT_POLICY if rules is None else rules
    best, best_score = (Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER), -1
    for key, roles in rules.items():
        aud, sev, cat = split_key(key)
        if aud != audience or sev not in ("*", incident.severity.value) or cat not in ("*", incident.category.value):
            continue
        score = 2 * (cat != "*") + (sev != "*")
        if score > best_score:
            best, best_score = roles, score
    roles = tuple(best)
    if (incident.category in _LEGAL_CATEGORIES or audience in LEGAL_AUDIENCES) and Role.LEGAL_REVIEWER not in roles:
        roles = roles + (Role.LEGAL_REVIEWER,)
    return roles


#: Review windows when the policy table has none (SEV1 10 min … SEV4 4 h).
DEFAULT_WINDOWS = {"SEV1": 600, "SEV2": 1200, "SEV3": 3600, "SEV4": 14400}


def review_window(session, severity) -> timedelta:
    row = session.get(SeverityPolicy, severity.value)
    return timedelta(seconds=row.review_window_s if row else DEFAULT_WINDOWS[severity.value])

