"""Inquiries from a shared mailbox over IMAP, against a minimal IMAP server on
127.0.0.1 started by the test: unread mail logged once each (sender matched to the
register, category guessed, the incident named in the subject), marked read; the
password only in the keyring; oversized, lying and wrong-password servers refused
with a clear message and nothing half-written."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from hypothesis import given, settings, strategies as st

from tests.fakes.imap import FakeIMAP
from tests.helpers.team import team
from warroom import inputs
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.services import incidents, inquiries, inquiry_mail, stakeholders


@pytest.fixture
def imap():
    fake = FakeIMAP().start()
    yield fake
    fake.stop()


@pytest.fixture
def mailbox(store, imap, memory_keyring):
    team(store)
    stakeholders.save(store, "admin", name="Acme Corp", audience="customers", email="Ops@Acme.example")
    inquiry_mail.configure(store, "admin", host="127.0.0.1", port=imap.port, username=imap.username,
                           password=imap.password, security="none")
    return store


def _mail(sender: str, subject: str, body: str, *, when=None, message_id: str | None = None) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "inquiries@example.com"
    m["Subject"] = subject
    if when is not None:
        m["Date"] = format_datetime(when)
    if message_id:
        m["Message-ID"] = message_id
    m.set_content(body)
    return m.as_bytes()


def test_unread_mail_becomes_inquiries_once_and_is_marked_read(mailbox, imap, clock):
    inc = incidents.open_incident(mailbox, "Dana", title="Checkout failing", severity="SEV2", category="application")
    other = incidents.open_incident(mailbox, "Dana", title="Search slow", severity="SEV3", category="application")
    clock.advance(600)
    imap.add(_mail("Acme Ops <ops@acme.example>", "Checkout down?", "When will it be fixed?\n\n> old quote\n-- \nSig",
                   when=clock.now().replace(microsecond=0), message_id="<a1@acme.example>"))
    imap.add(_mail("Jo Bauer <jo@fabrikam.example>", f"Re: {other.ref} search",
                   "Is our data affected\x1b[2J?", message_id="<b2@fabrikam.example>"))
    read_before = imap.add(_mail("x@y.example", "old", "already read"))
    read_before.seen = True
    got = inquiry_mail.fetch(mailbox, "Ravi Shah", inc.ref)
    assert got.skipped == []
    a, b = got.logged
    assert (a.ref, a.asked_by, a.stakeholder, a.channel, a.category) == (
        "INC-1/Q1", "Acme Corp", "Acme Corp", "email", "eta")
    assert a.text == "Checkout down?\nWhen will it be fixed?" and a.asked_at == clock.now().replace(microsecond=0)
    # The subject names the other incident: logged there, the sender kept as given, controls gone.
    assert (b.ref, b.asked_by, b.stakeholder, b.category) == (
        "INC-2/Q1", "Jo Bauer <jo@fabrikam.example>", None, "data")
    assert "\x1b" not in b.text and b.text.endswith("Is our data affected[2J?")
    assert [m.seen for m in imap.mails] == [True, True, True]
    # Mail marked unread again (or fetched twice) is not logged twice.
    imap.mails[0].seen = False
    assert inquiry_mail.fetch(mailbox, "Ravi Shah", inc.ref).logged[0].ref == "INC-1/Q1"
    assert len(inquiries.list_inquiries(mailbox, inc.ref, viewer="Dana")) == 1


def test_the_password_lives_in_the_keyring_only(mailbox, imap, db_path, memory_keyring):
    assert inquiry_mail.get_config(mailbox).as_dict() == {
        "host": "127.0.0.1", "port": imap.port, "username": imap.username, "folder": "INBOX", "security": "none"}
    mailbox.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert imap.password.encode() not in raw


def test_who_may_set_and_fetch(mailbox, imap):
    inc = incidents.open_incident(mailbox, "Dana", title="Checkout failing", severity="SEV2", category="application")
    with pytest.raises(NotPermitted):
        inquiry_mail.configure(mailbox, "Dana", host="127.0.0.1", port=imap.port, username="u", password="p",
                               security="none")
    imap.add(_mail("ops@acme.example", "Any news?", "Any news?"))
    with pytest.raises(NotPermitted):
        inquiry_mail.fetch(mailbox, "Vic Viewer", inc.ref)
    assert imap.logins == [] and not imap.mails[0].seen


def test_no_tls_only_to_this_machine(store, memory_keyring):
    team(store)
    with pytest.raises(InputError, match="in clear") as caught:
        inquiry_mail.configure(store, "admin", host="imap.example.com", username="u", password="p", security="none")
    assert caught.value.field == "security"
    with pytest.raises(NotFound, match="No shared mailbox"):
        inquiry_mail.fetch(store, "Dana", "INC-1")


def test_a_wrong_password_is_a_clear_message(mailbox, imap):
    inc = incidents.open_incident(mailbox, "Dana", title="Checkout failing", severity="SEV2", category="application")
    imap.password = "changed"
    with pytest.raises(InputError, match="refused.*Invalid credentials"):
        inquiry_mail.fetch(mailbox, "Dana", inc.ref)


def test_an_oversized_message_is_left_unread_and_a_lying_server_refused(mailbox, imap):
    inc = incidents.open_incident(mailbox, "Dana", title="Checkout failing", severity="SEV2", category="application")
    imap.add(_mail("ops@acme.example", "Huge", "x" * (inquiry_mail.MAX_MESSAGE + 10)))
    got = inquiry_mail.fetch(mailbox, "Dana", inc.ref)
    assert got.logged == [] and "left unread" in got.skipped[0] and not imap.mails[0].seen
    imap.mails.clear()
    imap.add(_mail("ops@acme.example", "Small", "When?"))
    imap.lie_about_size = True
    with pytest.raises(InputError, match="at most"):
        inquiry_mail.fetch(mailbox, "Dana", inc.ref)
    assert inquiries.list_inquiries(mailbox, inc.ref, viewer="Dana") == [] and not imap.mails[0].seen


def test_category_guesses():
    cats = inquiries.DEFAULT_CATEGORIES
    assert [inquiry_mail.guess_category(t, cats) for t in (
        "When will it be back?", "Please refund our invoice", "Was personal data leaked?", "Hello",
        "Is this a phishing attack?", "Our checkout is down")] == ["eta", "billing", "data", "other", "security",
                                                                  "impact"]


def test_the_command_line_sets_the_mailbox_and_fetches(cli, db_path, imap, memory_keyring, monkeypatch, clock):
    import io
    import json

    from tests.helpers.team import team_file

    team_file(db_path)
    assert cli("incident", "open", "Checkout failing", "-s", "SEV2", "--as", "Dana")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(imap.password + "\n"))
    code, out, err = cli("inquiry", "mailbox", "127.0.0.1", "--user", imap.username, "--port", str(imap.port),
                         "--security", "none", "--as", "admin")
    assert code == 0, err
    assert imap.password not in out and "its password is in" in out
    for i in range(3):
        imap.add(_mail(f"c{i}@example.com", "ETA?", "When will checkout be back?", message_id=f"<m{i}@x>"))
    code, out, err = cli("inquiry", "fetch", "INC-1", "--as", "Sam")
    assert code == 0, err
    assert out.count("INC-1/Q") == 3 and "draft a FAQ" in err
    code, out, _ = cli("inquiry", "fetch", "INC-1", "--json", "--as", "Sam")
    assert json.loads(out) == {"logged": [], "skipped": []}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000), st.integers(min_value=2, max_value=2000))
def test_mail_text_is_plain_and_within_its_limit(text, limit):
    out = inquiry_mail.plain(text, limit)
    assert len(out) <= limit
    inputs.check_plain(out, field="text", what="The question", multiline=True)      # raises on a control character


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=4000))
def test_any_bytes_as_a_message_give_plain_parts_or_nothing(raw):
    name, address, text, sent, message_id = inquiry_mail.read_message(raw)
    assert len(text) <= inquiries.MAX_TEXT and len(address) <= 200 and len(name) <= 120
    assert sent is None or sent.tzinfo is not None
