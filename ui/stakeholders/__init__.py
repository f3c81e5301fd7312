"""The stakeholder register in the window: a searchable table of who hears from
us (:mod:`.model`), a form to add or correct one (:mod:`.form`), and the dialog
that holds them with CSV and vCard import, CSV export and the validation report
(:mod:`.dialog`), so the register is put right before an incident, not in one.

The register is small (hundreds of rows): it is read whole and filtered in the
window; writes and imports go through the window's background operations."""

from ui.stakeholders.dialog import StakeholderDialog
from ui.stakeholders.form import StakeholderForm, ask_vcard_audience
from ui.stakeholders.model import NameRole, SortRole, StakeholderFilter, StakeholderModel

__all__ = ["NameRole", "SortRole", "StakeholderDialog", "StakeholderFilter", "StakeholderForm", "StakeholderModel",
           "ask_vcard_audience"]
