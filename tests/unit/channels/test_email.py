"""E-mail (SMTP): against vendor-like servers on 127.0.0.1, what it sends, what it makes of
every answer, and that no secret ever shows up in an error."""

from __future__ import annotations

import socket
import time

import pytest

from tests.helpers.channels import LONG, assert_secret_hidden, ctx_for, message, send_error
from warroom.channels import email
from warroom.channels.base import ChannelError, Recipient
from warroom.errors import InputError


def test_email_render_is_deterministic_and_escapes_html(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    out = email.render(message(), Recipient("Jörg Weiß", "joerg@example.org"), cfg, None)
    assert out["message_id"] == "<dlv-01JD5Q8Z@example.com>"
    assert out["date"] == "Mon, 23 Nov 2026 09:30:00 +0000"
    assert out["subject"] == "Payments: card payments failing"
    assert "<ul>\n<li>Card payments &lt;all brands&gt;</li>\n<li>Saved payment methods</li>\n</ul>" in out["html"]
    assert "<p>We have identified the cause of failing card payments in checkout &amp; are" in out["html"]
    assert 'href="https://status.example.com/incidents/42?x=1&amp;y=2"' in out["html"]
    assert out["text"].startswith(LONG) and "Status page: https://status.example.com" in out["text"]
    assert out == email.render(message(), Recipient("Jörg Weiß", "joerg@example.org"), cfg, None)
    with pytest.raises(ChannelError) as info:
        email.render(message(), Recipient("Nobody", ""), cfg, None)
    assert not info.value.transient


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_email_is_sent_encrypted_verified_and_well_formed(request, mode):
    fake = request.getfixturevalue("fake_smtp" if mode == "starttls" else "fake_smtp_tls")
    cfg = email.validate_config(fake.config(port=fake.port, reply_to="support@example.com"))
    subject = "Störung behoben – Zahlungen"
    msg = message(subject=subject, locale="de", exercise=False)
    payload = email.render(msg, Recipient("Jörg Weiß", "joerg@example.org"), cfg, None)
    receipt = email.send(payload, ctx_for(cfg, fake.password))
    assert receipt == {"message_id": "<dlv-01JD5Q8Z@example.com>"}

    [got] = fake.messages
    assert got.tls and got.authenticated_as == "warroom"
    assert got.mail_from == "status@example.com" and got.rcpt_tos == ["joerg@example.org"]
    m = got.message
    assert m["Subject"] == subject
    assert b"Subject: =?utf-8?" in got.raw  # encoded, not raw 8-bit
    assert m["Message-ID"] == "<dlv-01JD5Q8Z@example.com>"
    assert m["Date"] == "Mon, 23 Nov 2026 09:30:00 +0000"
    assert m["From"].addresses[0].display_name == "Acme Status"
    assert m["To"].addresses[0].display_name == "Jörg Weiß"
    assert m["Reply-To"] == "support@example.com"
    assert m.get_content_type() == "multipart/alternative"
    plain, html_part = m.iter_parts()
    assert plain.get_content_type() == "text/plain" and plain.get_content().startswith("We have identified")
    assert html_part.get_content_type() == "text/html" and "<li>Card payments &lt;all brands&gt;</li>" in \
        html_part.get_content()
    assert fake.password not in got.raw.decode("utf-8", "replace")


def test_email_resend_keeps_the_message_id(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    payload = email.render(message(), Recipient("", "ops@example.org"), cfg, None)
    for _ in range(2):
        email.send(payload, ctx_for(cfg, fake_smtp.password))
    ids = [r.message["Message-ID"] for r in fake_smtp.messages]
    assert ids == ["<dlv-01JD5Q8Z@example.com>"] * 2


def test_email_test_logs_in_and_sends_nothing(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    said = email.test(ctx_for(cfg, fake_smtp.password))
    assert "STARTTLS" in said and "no mail sent" in said
    assert fake_smtp.messages == [] and fake_smtp.auth_attempts == [("warroom", True)]


def test_email_unverifiable_certificate_is_refused(fake_smtp):
    cfg = email.validate_config(fake_smtp.config(ca_file=None))  # system CAs do not know the test CA
    exc = send_error(email, email.render(message(), Recipient("", "a@example.org"), cfg, None),
                     ctx_for(cfg, fake_smtp.password))
    assert not exc.transient and "certificate" in str(exc)
    assert fake_smtp.auth_attempts == [] and fake_smtp.messages == []


def test_email_wrong_password_is_permanent_and_not_shown(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    wrong = "hunter2-wrong-password"
    exc = send_error(email, email.render(message(), Recipient("", "a@example.org"), cfg, None), ctx_for(cfg, wrong))
    assert not exc.transient and exc.status == 535 and "login" in str(exc)
    assert_secret_hidden(exc, wrong, fake_smtp.password)
    # smtplib tries each offered mechanism (PLAIN, then LOGIN) before giving up
    assert fake_smtp.auth_attempts and set(fake_smtp.auth_attempts) == {("warroom", False)}
    assert fake_smtp.messages == []


@pytest.mark.parametrize("code, transient", [(451, True), (421, True), (550, False)])
def test_email_server_refusals_by_code(fake_smtp, code, transient):
    cfg = email.validate_config(fake_smtp.config())
    payload = email.render(message(), Recipient("", "a@example.org"), cfg, None)
    fake_smtp.fail_next(1, code)
    exc = send_error(email, payload, ctx_for(cfg, fake_smtp.password))
    assert exc.transient is transient and exc.status == code
    email.send(payload, ctx_for(cfg, fake_smtp.password))  # the next one is accepted
    assert len(fake_smtp.messages) == 1


def test_email_refused_recipient_is_permanent(fake_smtp):
    cfg = email.validate_config(fake_smtp.config())
    fake_smtp.reject_recipients.add("gone@example.org")
    exc = send_error(email, email.render(message(), Recipient("", "gone@example.org"), cfg, None),
                     ctx_for(cfg, fake_smtp.password))
    assert not exc.transient and exc.status == 550 and "gone@example.org" in str(exc)


def test_email_unreachable_or_silent_server_is_transient(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        free_port = closed.getsockname()[1]
    cfg = email.validate_config({"host": "127.0.0.1", "port": free_port, "security": "none",
                                 "from_addr": "status@example.com"})
    payload = email.render(message(), Recipient("", "a@example.org"), cfg, None)
    exc = send_error(email, payload, ctx_for(cfg, None, timeout=0.3))
    assert exc.transient and "could not be reached" in str(exc)

    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        cfg = dict(cfg, port=silent.getsockname()[1])
        started = time.monotonic()
        exc = send_error(email, payload, ctx_for(cfg, None, timeout=0.3))
        assert exc.transient and "0.3 s" in str(exc) and time.monotonic() - started < 2


@pytest.mark.parametrize("config, needle", [
    ({"from_addr": "a@example.com"}, "host"),
    ({"host": "smtp.example.com"}, "from_addr"),
    ({"host": "smtp.example.com", "from_addr": "not an address"}, "from_addr"),
    ({"host": "smtp.example.com", "from_addr": "a@example.com", "security": "none"}, "security"),
    ({"host": "smtp.example.com", "from_addr": "a@example.com", "security": "ssl"}, "security"),
    ({"host": "smtp.example.com", "from_addr": "a@example.com", "port": "nope"}, "port"),
    ({"host": "smtp://example.com", "from_addr": "a@example.com"}, "host"),
    ({"host": "smtp.example.com", "from_addr": "a@example.com", "ca_file": "/nonexistent/ca.pem"}, "ca_file"),
])
def test_email_config_errors_name_the_setting(config, needle):
    with pytest.raises(InputError) as info:
        email.validate_config(config)
    assert needle in str(info.value)


def test_email_config_defaults_and_localhost_plain():
    cfg = email.validate_config({"host": "smtp.example.com", "from_addr": "Status@Example.com"})
    assert (cfg["port"], cfg["security"], cfg["username"]) == (587, "starttls", None)
    assert email.validate_config({"host": "localhost", "from_addr": "a@example.com", "security": "none",
                                  "port": "25"})["port"] == 25
