"""E-mail over SMTP: one message per recipient, plain text and HTML alternatives.

Transport security is STARTTLS (port 587) or implicit TLS (port 465), verified
against the system's CAs or ``ca_file``; verification is never turned off. Plain
SMTP ("none") is only accepted for a relay on this machine. The Message-ID is made
from the delivery id, so a resend after an unclear failure is recognisable.
"""

from __future__ import annotations

import html
import os
import re
import smtplib
import socket
import ssl
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from warroom.channels.base import (
    ChannelError, Field, Message, Recipient, SendContext, check_config, is_loopback, marked, setting_number,
    without_secret,
)
from warroom.errors import InputError

KIND = "email"
LABEL = "E-mail (SMTP)"
SECRET = "the SMTP password (leave empty when the server needs no login)"
FIELDS: dict[str, Field] = {
    "host": Field(True, help="the SMTP server, e.g. smtp.example.com"),
    "port": Field(False, 587, "587 for STARTTLS, 465 for TLS"),
    "security": Field(False, "starttls", "starttls, tls or none"),
    "username": Field(False, None, "the SMTP login, if the server needs one"),
    "from_addr": Field(True, help="the sender address, e.g. status@example.com"),
    "from_name": Field(False, None, "the sender's display name"),
    "reply_to": Field(False, None, "where replies go"),
    "ca_file": Field(False, None, "a CA bundle (PEM) to verify the server's certificate"),
}
RATE = 5.0
BURST = 5
RECIPIENT = "email"
IDEMPOTENT = False

SECURITY = ("starttls", "tls", "none")


def _address(label: str, name: str, value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InputError(f"{label}: {name} {value!r} is not an e-mail address: {exc}", field=name) from None


def secret_required(config: dict[str, Any]) -> bool:
    """A password is needed only to log in."""
    return bool(config.get("username"))


def validate_config(config: dict[str, Any] | None) -> dict[str, Any]:
    out = check_config(LABEL, FIELDS, config)
    host = str(out["host"])
    if re.search(r"[\s/@]", host) or (":" in host and not re.fullmatch(r"\[?[0-9A-Fa-f:.]+\]?", host)):
        raise InputError(f"{LABEL}: host must be a server name or address without scheme or port, "
                         f"e.g. smtp.example.com (got {host[:60]!r}).", field="host")
    try:
        port = setting_number(out["port"])
    except (TypeError, ValueError):
        port = -1
    if not 1 <= port <= 65535:
        raise InputError(f"{LABEL}: port must be a number between 1 and 65535 (usually 587 or 465).", field="port")
    out["port"] = port
    security = str(out["security"]).lower()
    if security not in SECURITY:
        raise InputError(f"{LABEL}: security must be one of {', '.join(SECURITY)} (got {security!r}).",
                         field="security")
    if security == "none" and not is_loopback(host):
        raise InputError(f"{LABEL}: security none sends the password and the mail unencrypted; it is only "
                         "allowed for a relay on this machine (localhost). Use starttls or tls.", field="security")
    out["security"] = security
    out["from_addr"] = _address(LABEL, "from_addr", str(out["from_addr"]))
    if out["reply_to"]:
        out["reply_to"] = _address(LABEL, "reply_to", str(out["reply_to"]))
    if out["from_name"] is not None:
        name = str(out["from_name"])
        if "\n" in name or "\r" in name:
            raise InputError(f"{LABEL}: from_name must be one line.", field="from_name")
        out["from_name"] = name
    if out["ca_file"]:
        path = os.path.expanduser(str(out["ca_file"]))
        if not os.path.isfile(path):
            raise InputError(f"{LABEL}: ca_file {path!r} does not exist or is not a file.", field="ca_file")
        try:
            ssl.create_default_context(cafile=path)
        except (ssl.SSLError, OSError, ValueError):
            raise InputError(f"{LABEL}: ca_file {path!r} holds no PEM certificate.", field="ca_file") from None
        out["ca_file"] = path
    return out


# --- rendering -----------------------------------------------------------------------------------

def long_to_html(text: str) -> str:
    """Markdown-light to HTML: blank-line paragraphs, ``- `` lines as lists, everything escaped."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        para: list[str] = []
        items: list[str] = []

        def flush_para() -> None:
            if para:
                out.append("<p>" + "<br>\n".join(html.escape(p) for p in para) + "</p>")
                para.clear()

        def flush_items() -> None:
            if items:
                out.append("<ul>\n" + "\n".join(f"<li>{html.escape(i)}</li>" for i in items) + "\n</ul>")
                items.clear()

        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith("- ") or stripped == "-":
                flush_para()
                items.append(stripped[2:].strip())
            else:
                flush_items()
                para.append(line)
        flush_para()
        flush_items()
    return "\n".join(out)


def _page(message: Message, subject: str) -> str:
    parts = [long_to_html(message.long)]
    if message.status_url:
        url = html.escape(message.status_url, quote=True)
        parts.append(f'<p>Status page: <a href="{url}">{html.escape(message.status_url)}</a></p>')
    parts.append(f'<p style="color:#666;font-size:small">{html.escape(message.incident_ref)}</p>')
    lang = html.escape(message.locale.replace("_", "-") or "en", quote=True)
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(subject)}'
            f'</title></head>\n<body>\n' + "\n".join(parts) + "\n</body></html>\n")


def render(message: Message, recipient: Recipient | None, config: dict[str, Any],
           previous: dict[str, Any] | None = None) -> dict[str, Any]:
    if recipient is None or not recipient.address:
        raise ChannelError("An e-mail delivery needs a recipient address.", transient=False)
    subject = marked(message, message.subject)
    text = message.long.strip() + "\n"
    if message.status_url:
        text += f"\nStatus page: {message.status_url}\n"
    text += f"\n-- \n{message.incident_ref}\n"
    domain = str(config["from_addr"]).rpartition("@")[2] or "localhost"
    to = recipient.address
    try:
        if recipient.name:
            to = str(Address(display_name=recipient.name, addr_spec=recipient.address))
        else:
            Address(addr_spec=recipient.address)
    except (ValueError, IndexError):
        raise ChannelError(f"{recipient.address!r} is not an e-mail address.", transient=False) from None
    return {
        "to": to,
        "subject": subject,
        "text": text,
        "html": _page(message, subject),
        "message_id": f"<{message.delivery_id}@{domain}>",
        "date": format_datetime(message.published_at),
    }


# --- sending ---------------------------------------------------------------------------------------

def build_message(payload: dict[str, Any], config: dict[str, Any]) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    from_addr = config["from_addr"]
    msg["From"] = Address(display_name=config.get("from_name") or "", addr_spec=from_addr)
    msg["To"] = payload["to"]
    if config.get("reply_to"):
        msg["Reply-To"] = config["reply_to"]
    msg["Subject"] = payload["subject"]
    msg["Date"] = payload["date"]
    msg["Message-ID"] = payload["message_id"]
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(payload["text"], charset="utf-8")
    msg.add_alternative(payload["html"], subtype="html", charset="utf-8")
    return msg


def _code_error(what: str, code: int, reply: Any, secret: str | None) -> ChannelError:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    detail = without_secret(" ".join(str(reply).split())[:200], secret)
    return ChannelError(f"{what}: {code} {detail}".rstrip(), transient=400 <= code < 500, status=code)


def _connect(ctx: SendContext) -> smtplib.SMTP:
    """An SMTP session, encrypted as configured and logged in. Raises ChannelError."""
    cfg = ctx.config
    host, port, security = cfg["host"], int(cfg.get("port") or 587), cfg.get("security") or "starttls"
    if security == "none" and not is_loopback(host):
        raise ChannelError("Refusing to send over unencrypted SMTP to a remote server.", transient=False)
    where = f"The SMTP server {host}:{port}"
    tls = ssl.create_default_context(cafile=cfg.get("ca_file") or None)
    smtp: smtplib.SMTP | None = None
    try:
        if security == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=ctx.timeout, context=tls)
        else:
            smtp = smtplib.SMTP(host, port, timeout=ctx.timeout)
        smtp.ehlo()
        if security == "starttls":
            smtp.starttls(context=tls)
            smtp.ehlo()
        if cfg.get("username"):
            if ctx.secret is None:
                raise ChannelError(f"No SMTP password is stored for the channel {ctx.channel!r}; set it again.",
                                   transient=False)
            smtp.login(cfg["username"], ctx.secret)
        return smtp
    except BaseException as exc:
        if smtp is not None:
            _close(smtp)
        raise _error(exc, where, ctx) from None


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def _error(exc: BaseException, where: str, ctx: SendContext) -> BaseException:
    secret = ctx.secret
    if isinstance(exc, ChannelError):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        err = _code_error(f"{where} refused the login of {ctx.config.get('username')!r}", exc.smtp_code,
                          exc.smtp_error, secret)
        return err
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ChannelError(f"{where} does not offer {'STARTTLS' if 'STARTTLS' in str(exc) else 'this'}: "
                            f"{without_secret(str(exc), secret)}; check security and port.", transient=False)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        [(addr, (code, reply))] = list(exc.recipients.items())[:1] or [("?", (550, b""))]
        return _code_error(f"{where} refused the recipient {addr}", code, reply, secret)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _code_error(f"{where} refused the sender {exc.sender}", exc.smtp_code, exc.smtp_error, secret)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        if "timed out" in str(exc):
            return ChannelError(f"{where} did not answer within {ctx.timeout:g} s", transient=True)
        return ChannelError(f"{where} closed the connection", transient=True)
    if isinstance(exc, smtplib.SMTPResponseException):  # data error, HELO error, connect error with a code
        return _code_error(f"{where} answered", exc.smtp_code, exc.smtp_error, secret)
    if isinstance(exc, smtplib.SMTPException):
        return ChannelError(f"{where}: {without_secret(str(exc), secret)}", transient=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ChannelError(f"{where} presented a certificate that could not be verified "
                            f"({exc.verify_message}); give the right ca_file or fix the server.", transient=False)
    if isinstance(exc, ssl.SSLError):
        return ChannelError(f"{where}: TLS failed ({exc.reason or type(exc).__name__}); check security and port.",
                            transient=True)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return ChannelError(f"{where} did not answer within {ctx.timeout:g} s", transient=True)
    if isinstance(exc, OSError):
        return ChannelError(f"{where} could not be reached: {exc.strerror or type(exc).__name__}", transient=True)
    return exc


def send(payload: dict[str, Any], ctx: SendContext) -> dict[str, Any]:
    msg = build_message(payload, ctx.config)
    smtp = _connect(ctx)
    where = f"The SMTP server {ctx.config['host']}:{ctx.config.get('port')}"
    try:
        refused = smtp.send_message(msg, from_addr=ctx.config["from_addr"])
    except BaseException as exc:
        _close(smtp)
        raise _error(exc, where, ctx) from None
    _close(smtp)
    if refused:  # only possible with several recipients; kept for completeness
        addr, (code, reply) = next(iter(refused.items()))
        raise _code_error(f"{where} refused the recipient {addr}", code, reply, ctx.secret)
    return {"message_id": payload["message_id"]}


def test(ctx: SendContext) -> str:
    smtp = _connect(ctx)
    where = f"The SMTP server {ctx.config['host']}:{ctx.config.get('port')}"
    try:
        code, reply = smtp.noop()
        if code >= 400:
            raise _code_error(f"{where} answered NOOP", code, reply, ctx.secret)
    except BaseException as exc:
        _close(smtp)
        raise _error(exc, where, ctx) from None
    _close(smtp)
    how = {"starttls": "STARTTLS", "tls": "TLS", "none": "no encryption"}[ctx.config.get("security") or "starttls"]
    login = f", logged in as {ctx.config['username']}" if ctx.config.get("username") else ""
    return f"Connected to {ctx.config['host']}:{ctx.config.get('port')} ({how}){login}; no mail sent."
