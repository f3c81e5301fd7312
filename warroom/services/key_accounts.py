"""Key accounts: stakeholders marked ``key_account`` get a personal update about an
incident that affects the components they use, drafted for their customer success
manager. It carries the account's name, its affected components and its time zone
(every time in it is shown there), from the audience's ``keyaccount`` template, and
goes through the same review as any update. Published, it reaches that account
alone: through its success manager's e-mail when the matrix cell says so
(``matrix set AUDIENCE SEV --key-accounts-via-manager``), else its own contacts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from warroom.errors import InputError, NotFound
from warroom.services import drafts, incidents, stakeholders
from warroom.services.drafts import DraftView
from warroom.services.stakeholders import StakeholderView
from warroom.store import Store

#: The template a key account's update falls back to when its own audience has none.
FALLBACK_TEMPLATE = "any-customers-keyaccount"


@dataclass(frozen=True)
class KeyAccountDrafts:
    """The personal updates drafted, and for each key account left out, why."""

    drafts: list[DraftView] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"drafts": [{"id": str(d.id), "addressee": d.addressee, "audience": d.audience, "locale": d.locale,
                            "subject": d.subject} for d in self.drafts], "skipped": list(self.skipped)}


def affected(account: StakeholderView, components: tuple[str, ...] | list[str]) -> list[str]:
    """The account's components the incident affects (compared without regard to case),
    named as the incident names them, in its order."""
    mine = {c.casefold() for c in account.components}
    return [c for c in components if c.casefold() in mine]


def key_accounts(store: Store, *, exercise: uuid.UUID | None = None) -> list[StakeholderView]:
    """The register's key accounts (``exercise``: that exercise incident's own)."""
    return [s for s in stakeholders.list_stakeholders(store, exercise=exercise) if s.key_account]


def draft_key_accounts(store: Store, actor: str, incident: str | uuid.UUID, *,
                       accounts: list[str] | None = None) -> KeyAccountDrafts:
    """One personal update per key account whose components the incident affects (or
    only ``accounts``, by name), each drafted for its success manager and held for
    review. Accounts left out are named with the reason."""
    inc = incidents.get(store, incident, viewer=actor)
    with store.read() as session:
        mine = stakeholders.register_of(session, inc)      # an exercise's own accounts, never the register's
    every = key_accounts(store, exercise=mine)
    if accounts:
        wanted = {" ".join(a.split()) for a in accounts}
        unknown = sorted(wanted - {s.name for s in every})
        if unknown:
            raise NotFound(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a key account in the "
                           "register (stakeholder edit NAME --key-account marks one).", field="accounts")
        every = [s for s in every if s.name in wanted]
    if not every:
        raise InputError("No key accounts in the register: mark one with stakeholder edit NAME --key-account "
                         "--success-manager NAME --components …", field="accounts")
    if not inc.components:
        raise InputError(f"{inc.ref} names no affected components, so no key account can be told which of theirs "
                         "are affected: add them (incident edit --components).", field="components")
    out = KeyAccountDrafts()
    with store.read() as session:
        managers = {s.name: stakeholders.manager_address(session, s.success_manager, mine) for s in every}
    for s in every:
        hits = affected(s, inc.components)
        if not hits:
            out.skipped.append(f"{s.name}: none of its components ({', '.join(s.components) or 'none named'}) "
                               f"is affected.")
            continue
        if managers[s.name] is None:
            out.skipped.append(f"{s.name}: its success manager {s.success_manager or '(none)'} has no valid e-mail.")
            continue
        account = {"name": s.name, "components": hits, "zone": s.timezone or "UTC",
                   "success_manager": s.success_manager}
        kwargs: dict[str, Any] = dict(phase="keyaccount", locales={s.audience: s.locale} if s.locale else None,
                                      zone=s.timezone or "UTC", extra={"account": account}, addressee=s.name)
        try:
            made = drafts.compose_drafts(store, actor, inc.id, [s.audience], **kwargs)
        except NotFound:   # the account's audience has no keyaccount template: the customers' words
            made = drafts.compose_drafts(store, actor, inc.id, [s.audience], template=FALLBACK_TEMPLATE, **kwargs)
        out.drafts.extend(made)
    return out
