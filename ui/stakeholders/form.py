"""The form that adds a stakeholder or corrects one, and the question a vCard import asks."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.services import stakeholders
from ui.common.access import add_row, describe, describe_buttons
from ui.common.forms import FormDialog
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from ui.stakeholders.model import phone_text
from ui.i18n import tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.services.stakeholders import StakeholderView


class StakeholderForm(FormDialog):
    """Add a stakeholder or correct one. Saving emits ``submitted`` and leaves the
    form open; the register calls :meth:`finish` once it is stored, or
    :meth:`show_error` with the service's error (the field it names is marked)."""

    def __init__(self, audiences: list, existing: StakeholderView | None = None, parent=None) -> None:
        super().__init__(parent)
        self.existing = existing
        self.setWindowTitle(_("Edit {name}").format(name=existing.name) if existing else _("Add a stakeholder"))
        self.setObjectName("stakeholderForm")

        self.name = QLineEdit()
        self.name.setObjectName("nameEdit")
        self.name.setMaxLength(200)
        self.name.setPlaceholderText(_("A person or a group, e.g. Acme Bank operations"))
        self.kind = QComboBox()
        for kind in stakeholders.KINDS:
            self.kind.addItem(kind, kind)
        self.audience = QComboBox()
        self.audience.setObjectName("audienceCombo")
        for a in audiences:
            self.audience.addItem(f"{a.label} ({a.name})" + (" · external" if a.external else ""), a.name)
        self.email = QLineEdit()
        self.email.setObjectName("emailEdit")
        self.email.setPlaceholderText(_("name@example.com"))
        self.phone = QLineEdit()
        self.phone.setObjectName("phoneEdit")
        self.phone.setPlaceholderText(_("+49 30 1234567"))
        self.region = QLineEdit()
        self.region.setObjectName("regionEdit")
        self.region.setMaxLength(2)
        self.region.setPlaceholderText(_("region"))
        self.region.setToolTip(_("For a national number without +: the country it is in (DE, US, GB…)"))
        self.region.setMaximumWidth(sizes.chars(self.region, 10))
        describe(self.region, _("Region of the phone number"))
        self.slack = QLineEdit()
        self.slack.setPlaceholderText(_("@handle or #channel"))
        self.teams = QLineEdit()
        self.teams.setPlaceholderText(_("Teams user or channel"))
        self.timezone = QComboBox()
        self.timezone.setObjectName("zoneCombo")
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone.addItem("")
        self.timezone.addItems(sorted(zoneinfo.available_timezones()))
        self.timezone.lineEdit().setPlaceholderText(_("e.g. Europe/Berlin"))
        self.locale = QLineEdit()
        self.locale.setPlaceholderText(_("e.g. en_GB, de"))
        self.owner = QLineEdit()
        self.owner.setPlaceholderText(_("Who keeps these contacts current"))
        self.key_account = QCheckBox(_("A &key account: personal updates drafted for its success manager"))
        self.key_account.setObjectName("keyAccount")
        self.success_manager = QLineEdit()
        self.success_manager.setObjectName("successManagerEdit")
        self.success_manager.setPlaceholderText(_("For key accounts: a person or stakeholder with an e-mail"))
        self.components = QLineEdit()
        self.components.setObjectName("componentsEdit")
        self.components.setPlaceholderText(_("Components it uses, e.g. Checkout, Public API"))
        self.components.setToolTip(_("As incidents name them: its personal update names those an incident affects"))
        self.jurisdiction = QLineEdit()
        self.jurisdiction.setPlaceholderText(_("For regulators, e.g. EU / BaFin"))
        self.verified_label = QLabel()
        self.verified_label.setObjectName("verifiedLabel")
        self.verified_now = QCheckBox(_("I have checked these contacts: mark them verified now"))
        self.verified_now.setObjectName("verifiedNow")
        self.fields = {
            "name": self.name, "kind": self.kind, "audience": self.audience, "email": self.email,
            "phone": self.phone, "timezone": self.timezone, "locale": self.locale,
            "success_manager": self.success_manager, "components": self.components, "key_account": self.key_account,
        }

        phone_row = QHBoxLayout()
        phone_row.setContentsMargins(0, 0, 0, 0)
        phone_row.addWidget(self.phone, 1)
        phone_row.addWidget(self.region)
        form = QFormLayout()
        form.addRow(_("&Name"), self.name)
        add_row(form, _("K&ind"), self.kind, _("A person, or a group such as a team or a mailing list"))
        add_row(form, _("&Audience"), self.audience, _("The audience whose updates this stakeholder gets"))
        form.addRow(_("&E-mail"), self.email)
        phone_label = QLabel(_("&Phone"))
        phone_label.setBuddy(self.phone)
        form.addRow(phone_label, phone_row)
        form.addRow(_("&Slack"), self.slack)
        form.addRow(_("&Teams"), self.teams)
        add_row(form, _("Time &zone"), self.timezone, _("The stakeholder's time zone: updates give times in it"))
        form.addRow(_("&Locale"), self.locale)
        form.addRow(_("&Owner"), self.owner)
        add_row(form, "", self.key_account, _("An incident that affects its components gets a personal update for it, "
                                              "drafted for its success manager"))
        form.addRow(_("Success &manager"), self.success_manager)
        form.addRow(_("&Components"), self.components)
        form.addRow(_("&Jurisdiction"), self.jurisdiction)
        form.addRow(_("Verified"), self.verified_label)
        add_row(form, "", self.verified_now, _("Contacts not verified for a while count as stale; this starts the "
                                               "count again"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        describe_buttons(self.buttons, _("Save the stakeholder in the register"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        if existing is None:
            self.verified_label.setText(_("not yet"))
            self.verified_now.setChecked(True)
            self.name.setFocus()
        else:
            self._fill(existing)
            self.email.setFocus()
        self.resize(520, self.sizeHint().height())

    def _fill(self, s: StakeholderView) -> None:
        self.name.setText(s.name)
        # The name is what the register knows a stakeholder by: a new name is a new stakeholder.
        self.name.setReadOnly(True)
        self.name.setToolTip(_("The name identifies the stakeholder; add a new one to use another name."))
        self.kind.setCurrentIndex(max(0, self.kind.findData(s.kind)))
        index = self.audience.findData(s.audience)
        if index < 0:  # an audience removed since: keep it visible rather than change it silently
            self.audience.addItem(s.audience, s.audience)
            index = self.audience.count() - 1
        self.audience.setCurrentIndex(index)
        self.email.setText(s.email or "")
        self.phone.setText(phone_text(s.phone))
        self.slack.setText(s.slack or "")
        self.teams.setText(s.teams or "")
        self.timezone.setCurrentText(s.timezone or "")
        self.locale.setText(s.locale or "")
        self.owner.setText(s.owner or "")
        self.success_manager.setText(s.success_manager or "")
        self.key_account.setChecked(s.key_account)
        self.components.setText(", ".join(s.components))
        self.jurisdiction.setText(s.jurisdiction or "")
        self.verified_label.setText(_("{verified_at:%Y-%m-%d %H:%M} UTC").format(
            verified_at=s.verified_at) if s.verified_at else _("never"))

    def values(self, now: datetime) -> dict[str, Any]:
        verified = now if self.verified_now.isChecked() else (self.existing.verified_at if self.existing else None)
        return dict(name=self.name.text(), kind=self.kind.currentData(), audience=self.audience.currentData() or "",
                    email=self.email.text(), phone=self.phone.text(), region=self.region.text().strip().upper(),
                    slack=self.slack.text(), teams=self.teams.text(), timezone=self.timezone.currentText().strip(),
                    locale=self.locale.text(), owner=self.owner.text(), success_manager=self.success_manager.text(),
                    jurisdiction=self.jurisdiction.text(), verified_at=verified,
                    key_account=self.key_account.isChecked(), components=self.components.text())


def ask_vcard_audience(parent: QWidget, audiences: list, preselect: str | None) -> tuple[str, str] | None:
    """A vCard file says nothing about audiences: which one its people join, and the
    region their national phone numbers are in. None when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(_("Import vCards"))
    combo = QComboBox()
    for a in audiences:
        combo.addItem(_("{label} ({name})").format(label=a.label, name=a.name), a.name)
    if preselect:
        combo.setCurrentIndex(max(0, combo.findData(preselect)))
    region = QLineEdit()
    region.setMaxLength(2)
    region.setPlaceholderText(_("e.g. DE; empty when every number starts with +"))
    form = QFormLayout()
    add_row(form, _("Everyone in the file joins"), combo, _("The audience the imported people join"))
    add_row(form, _("National numbers are in"), region, _("The country of phone numbers written without +"))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    describe_buttons(buttons, _("Import the file's people"), _("Import nothing"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(buttons)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return combo.currentData(), region.text().strip().upper()
    finally:
        dialog.deleteLater()


