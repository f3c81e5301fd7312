"""The form whose errors name their field (ui/common/forms.py)."""

from __future__ import annotations

from warroom.errors import InputError
from ui.common.forms import FormDialog
from ui.qt import QLineEdit, QVBoxLayout


def test_a_form_marks_the_field_its_error_names(qtbot):
    form = FormDialog()
    qtbot.addWidget(form)
    email, phone = QLineEdit("x@"), QLineEdit()
    layout = QVBoxLayout(form)
    for w in (email, phone, form.error):
        layout.addWidget(w)
    form.fields = {"email": email, "phone": phone}
    form.show()
    form.show_error(InputError("That e-mail address has no domain.", field="email"))
    assert form.error.isVisible() and form.error.text() == "That e-mail address has no domain."
    assert form.marked == "email" and "border" in email.styleSheet() and not phone.styleSheet()
    submitted = []
    form.submitted.connect(lambda: submitted.append(1))
    form.accept()                       # saving again clears the marks
    assert submitted == [1] and not email.styleSheet() and not form.error.isVisible()
    form.show_error("Something without a field.")
    assert form.marked is None and form.error.isVisible()
