"""The register's table: every stakeholder as the register orders them (audience,
then name), and the filter that narrows it by words and audience."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from warroom.services import stakeholders
from ui.common import palette
from ui.common.palette import Tone
from ui.common.tables import Column, KeyRole, RowTableModel, SortRole
from ui.qt import QModelIndex, QSortFilterProxyModel, Qt, plain_tip
from ui.i18n import tr as _

if TYPE_CHECKING:
    from warroom.clock import Clock
    from warroom.services.stakeholders import StakeholderView

#: The stakeholder's name, on every cell and on report items.
NameRole = KeyRole

__all__ = ["NameRole", "SortRole", "StakeholderFilter", "StakeholderModel", "date_text", "phone_text"]


def date_text(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "never"


def phone_text(e164: str | None) -> str:
    """A stored E.164 number the way people read it: +44 20 7946 0958."""
    if not e164:
        return ""
    import phonenumbers

    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def details(s: StakeholderView) -> str:
    lines = [f"{s.name} ({s.kind}, {s.audience}, {_('external') if s.external else _('internal')})"]
    for label, value in ((_("Locale"), s.locale), (_("Key account"), _("yes") if s.key_account else None),
                         (_("Success manager"), s.success_manager), (_("Components"), ", ".join(s.components)),
                         (_("Jurisdiction"), s.jurisdiction)):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def _plain(getter):
    """A column of one text field: its tooltip is the cell and the stakeholder's details."""
    def tip(s: StakeholderView) -> str:
        cell = getter(s) or ""
        return plain_tip(f"{cell}\n\n{details(s)}" if cell else details(s))
    return tip


class StakeholderModel(RowTableModel):
    """Every stakeholder, as the register orders them (audience, then name)."""

    NAME, KIND, AUDIENCE, EMAIL, PHONE, SLACK, TEAMS, ZONE, OWNER, VERIFIED = range(10)

    def __init__(self, clock: Clock, parent=None) -> None:
        self.clock = clock
        self.stale_after = stakeholders.STALE_AFTER
        self._haystacks: list[str] = []

        def field(name: str):
            return lambda s: getattr(s, name) or ""

        columns = [
            Column(_("Name"), field("name"), tip=lambda s: plain_tip(details(s))),
            Column(_("Kind"), field("kind"), tip=_plain(field("kind"))),
            Column(_("Audience"), field("audience"), tip=_plain(field("audience"))),
            Column(_("E-mail"), field("email"), tip=_plain(field("email"))),
            Column(_("Phone"), lambda s: phone_text(s.phone), tip=_plain(lambda s: phone_text(s.phone)),
                   sort=lambda s: s.phone or ""),
            Column(_("Slack"), field("slack"), tip=_plain(field("slack"))),
            Column(_("Teams"), field("teams"), tip=_plain(field("teams"))),
            Column(_("Zone"), field("timezone"), tip=_plain(field("timezone")),
                   header_tip=_("The stakeholder's time zone: updates give times in it")),
            Column(_("Owner"), field("owner"), tip=_plain(field("owner")),
                   header_tip=_("Who keeps this stakeholder's contacts current")),
            Column(_("Verified"), lambda s: date_text(s.verified_at), tip=self.verified_tip,
                   color=lambda s: palette.color(Tone.BAD) if self.is_stale(s) else None,
                   sort=lambda s: s.verified_at.isoformat() if s.verified_at else "",
                   header_tip=_("When the contacts were last checked (UTC date); red: stale")),
        ]
        super().__init__(columns, parent, key=lambda s: s.name)

    def set_rows(self, rows) -> None:
        rows = list(rows)
        # The search also finds what the table does not show (E.164 numbers, locale, …).
        self._haystacks = [" ".join(self.texts(r) + tuple(v for v in (r.phone, r.locale, r.success_manager,
                                                                       r.jurisdiction) if v)).lower()
                           for r in rows]
        super().set_rows(rows)

    def verified_tip(self, s: StakeholderView) -> str:
        if s.verified_at is None:
            return _("Contacts never verified")
        stale = _(" — stale") if self.is_stale(s) else ""
        return _("Contacts last verified {when:%Y-%m-%d %H:%M} UTC").format(when=s.verified_at) + stale

    def set_stale_after(self, stale_after: timedelta) -> None:
        self.stale_after = stale_after
        self.refresh_column(self.VERIFIED, [Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole])

    def stakeholder(self, row: int) -> StakeholderView | None:
        return self.row(row)

    def names(self) -> set[str]:
        return {r.name for r in self.rows()}

    def haystack(self, row: int) -> str:
        """Every field of a row in lower case, for the search."""
        return self._haystacks[row]

    def is_stale(self, s: StakeholderView) -> bool:
        return s.verified_at is None or self.clock.now() - s.verified_at > self.stale_after


class StakeholderFilter(QSortFilterProxyModel):
    """Every word typed must appear somewhere in the row; an audience narrows it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._audience: str | None = None
        self.setSortRole(SortRole)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_search(self, text: str) -> None:
        words = text.lower().split()
        if words != self._words:
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_audience(self, audience: str | None) -> None:
        if audience != self._audience:
            self.beginFilterChange()
            self._audience = audience
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filtering(self) -> bool:
        return bool(self._words or self._audience)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, StakeholderModel):
            return True
        if self._audience is not None:
            s = model.stakeholder(source_row)
            if s is None or s.audience != self._audience:
                return False
        if self._words:
            hay = model.haystack(source_row)
            return all(w in hay for w in self._words)
        return True
