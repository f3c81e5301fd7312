"""The words of one revision, as the linter judges them: the gate every step that
passes words on goes through (submit, approve, override, publish).

Everything that reaches the outside world is linted: the public title, the
subject, and every channel's text. A blocking finding refuses the step, with the
findings listed; an override can skip missing reviews, never a blocking finding.
Warnings need an acknowledgement, recorded on the revision (who, when, which).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from warroom.errors import InputError
from warroom.services.settings import lint_config_in
from warroom.store.models import Audience, Incident
from warroom.text.lint import Finding, lint

#: What is linted, in the order a person reads it, with the channel format it is.
FIELDS: tuple[tuple[str, str | None], ...] = (
    ("title", None), ("subject", None), ("long", "long"), ("short", "short"), ("chat", "chat"))

_LABELS = {"title": "public title", "subject": "subject", "long": "long text", "short": "SMS text",
           "chat": "chat text"}


@dataclass(frozen=True, slots=True)
class Flag:
    """One finding in one field of a revision."""

    field: str
    finding: Finding
    text: str          # the words it points at

    @property
    def blocking(self) -> bool:
        return self.finding.blocking

    @property
    def key(self) -> str:
        """Stable across revisions for the same words: what an acknowledgement names."""
        return f"{self.finding.rule}:{self.field}:{self.text.strip().lower()}"

    def describe(self) -> str:
        where = _LABELS.get(self.field, self.field)
        kind = "blocks" if self.blocking else "warns"
        return f"{where}: {self.finding.message} ({self.text.strip()[:60]!r}; {kind})"


class WordsRefused(InputError):
    """The words cannot go on: blocking findings, or warnings nobody acknowledged
    (exit code 1: a check failed, as ``lint`` says)."""

    exit_code = 1

    def __init__(self, message: str, flags: list[Flag]) -> None:
        super().__init__(message, field=flags[0].field if flags else None)
        self.flags = flags


def texts_of(rev) -> dict[str, str]:
    return {"title": rev.title or "", "subject": rev.subject, "long": rev.long, "short": rev.short,
            "chat": rev.chat}


def judge(texts: dict[str, str], *, external: bool, status: str | None, config) -> list[Flag]:
    """Every finding in the words (pure: the window's live lint can call it too)."""
    flags: list[Flag] = []
    for field, channel in FIELDS:
        text = texts.get(field) or ""
        if not text.strip():
            continue
        # Titles and subjects are one line: speculation and next-update checks are for the body.
        found = lint(text, external=external, status=status if channel == "long" else None, channel=channel,
                     config=config)
        flags += [Flag(field, f, text[f.start:f.end]) for f in found]
    return flags


def flags_in(session, d, rev) -> list[Flag]:
    """The findings in a draft's revision, for its audience and its incident now."""
    aud = session.scalars(select(Audience).where(Audience.name == d.audience)).first()
    incident = session.get(Incident, d.incident_id)
    return judge(texts_of(rev), external=aud.external if aud is not None else True, status=incident.status,
                 config=lint_config_in(session))


def unacknowledged(rev, flags: list[Flag]) -> list[Flag]:
    done = set((rev.acknowledged or {}).get("keys") or ())
    return [f for f in flags if not f.blocking and f.key not in done]


def check(tx, d, rev, *, acknowledge: bool, step: str) -> list[Flag]:
    """Refuse ``step`` (submit, approve, override, publish) on blocking findings, and
    on warnings unless acknowledged now (recorded on the revision) or before."""
    flags = flags_in(tx.session, d, rev)
    blocking = [f for f in flags if f.blocking]
    if blocking:
        raise WordsRefused(f"The linter blocks this update, so it cannot be {_past(step)}: "
                           + "; ".join(f.describe() for f in blocking[:8])
                           + (f"; and {len(blocking) - 8} more" if len(blocking) > 8 else "")
                           + ". Change the words (an override skips reviews, never this).", blocking)
    open_ = unacknowledged(rev, flags)
    if open_ and not acknowledge:
        raise WordsRefused("The linter warns about this update: "
                           + "; ".join(f.describe() for f in open_[:8])
                           + f". Read the warnings and acknowledge them to {step} it as it is.", open_)
    if open_:
        keys = sorted(set((rev.acknowledged or {}).get("keys") or ()) | {f.key for f in open_})
        rev.acknowledged = {"by": tx.actor, "at": tx.now.isoformat(), "keys": keys}
        tx.record("draft.warnings_acknowledged", {"draft_id": d.id, "revision": rev.number, "step": step,
                                                  "warnings": [{"field": f.field, "rule": f.finding.rule,
                                                                "text": f.text} for f in open_],
                                                  "acknowledged": rev.acknowledged},
                  incident_id=d.incident_id)
    return flags


def _past(step: str) -> str:
    return {"submit": "submitted", "approve": "approved", "override": "overridden",
            "publish": "published"}.get(step, step)
