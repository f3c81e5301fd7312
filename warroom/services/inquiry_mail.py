"""Inquiries arriving from a shared mailbox over IMAP (optional).

``configure`` keeps the mailbox's host, port, user, folder and security in the
database and its password in the keyring (never in the database, the journal or
a log). ``fetch`` reads the unread mail of the folder and logs each message as an
inquiry on an incident: the one its subject names (``INC-7``), else the one
given. The sender is matched to a stakeholder by e-mail address; the category is
guessed from the words (``other`` when nothing fits). A message is marked read
once logged, and its Message-ID is kept so that the same mail is logged once.

Mail is untrusted input: each message's size is checked before it is read and
the read refuses a server that sends more than it announced; at most
:data:`MAX_PER_FETCH` messages per call; headers and text are reduced to plain
text and cut to the inquiry's limit. A connection without TLS is allowed only to
this machine (a test's or a local bridge's server).
"""

from __future__ import annotations

import email
import imaplib
import json
import re
import ssl
import uuid
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from email import policy
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from sqlalchemy import func, select

from warroom import inputs, secrets
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.services import access, incidents, inquiries
from warroom.services.access import Action
from warroom.services.inquiries import InquiryView
from warroom.store import Store
from warroom.store.models import Incident, Meta, Stakeholder

SETTINGS_KEY = "inquiry_mailbox"
SECRET_NAME = "inquiry-mailbox-password"
SECURITY = ("ssl", "starttls", "none")
#: The largest message read; a larger one is left unread and named.
MAX_MESSAGE = 256 * 1024
MAX_PER_FETCH = 50
TIMEOUT_S = 20
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")

_INCIDENT_REF = re.compile(r"\bINC-(\d{1,9})\b", re.IGNORECASE | re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Words that point to a category, tried in this order; the first with a hit wins.
GUESSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("security", ("security", "hack", "attack", "breach", "phishing", "password", "compromis")),
    ("data", ("data", "personal", "gdpr", "leak", "lost", "backup")),
    ("billing", ("invoice", "billing", "refund", "credit", "charge", "sla", "payment")),
    ("eta", ("when", "eta", "how long", "estimate", "back up", "fixed", "restore", "wann")),
    ("impact", ("affected", "impact", "down", "outage", "cannot", "can't", "unable", "slow", "error")),
)


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    host: str
    port: int
    username: str
    folder: str = "INBOX"
    security: str = "ssl"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Fetched:
    """What one fetch logged, and each message left alone with why."""

    logged: list[InquiryView] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"logged": [q.as_dict() for q in self.logged], "skipped": list(self.skipped)}


# -- configuration -----------------------------------------------------------------------

def get_config(store: Store) -> MailboxConfig | None:
    with store.read() as session:
        row = session.get(Meta, SETTINGS_KEY)
    return MailboxConfig(**json.loads(row.value)) if row else None


def configure(store: Store, actor: str, *, host: str, username: str, password: str, port: int | None = None,
              folder: str = "INBOX", security: str = "ssl") -> MailboxConfig:
    """Set the shared mailbox (an administrator's); the password goes to the keyring."""
    for value, name in ((host, "host"), (username, "username"), (folder, "folder")):
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise InputError(f"Give the mailbox's {name} (up to 200 characters).", field=name)
        inputs.check_plain(value, field=name, what=f"The mailbox's {name}")
    if security not in SECURITY:
        raise InputError(f"Security is one of {', '.join(SECURITY)}.", field="security")
    host = host.strip().lower()
    if security == "none" and host not in LOCAL_HOSTS:
        raise InputError("Without TLS the password would cross the network in clear: use ssl or starttls (none "
                         "only for a server on this machine).", field="security")
    port = port or (993 if security == "ssl" else 143)
    if not 1 <= port <= 65535:
        raise InputError("A port is 1 to 65535.", field="port")
    if not password:
        raise InputError("Give the mailbox's password (it is kept in the keyring).", field="password")
    config = MailboxConfig(host, port, username.strip(), folder.strip(), security)
    text = json.dumps(config.as_dict(), sort_keys=True)
    with store.write(actor) as tx:
        access.require(tx, Action.SETTINGS)
        secrets.put(SECRET_NAME, password)
        row = tx.session.get(Meta, SETTINGS_KEY)
        if row is None or row.value != text:
            tx.record("settings.changed", {"changes": {SETTINGS_KEY: [row.value if row else None, text]}})
            if row is None:
                tx.session.add(Meta(key=SETTINGS_KEY, value=text))
            else:
                row.value = text
    return config


# -- reading mail ------------------------------------------------------------------------

class _Limited:
    """Refuses a literal larger than announced (a server that lies about a size)."""

    limit = MAX_MESSAGE + 4096

    def read(self, size: int) -> bytes:  # imaplib reads every literal through here
        if size > self.limit:
            raise imaplib.IMAP4.error(f"the server sent {size:,} bytes where at most {self.limit:,} were asked for")
        return super().read(size)  # type: ignore[misc]


class _IMAP(_Limited, imaplib.IMAP4):
    pass


class _IMAPS(_Limited, imaplib.IMAP4_SSL):
    pass


def _connect(config: MailboxConfig) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    if config.security == "ssl":
        conn: imaplib.IMAP4 = _IMAPS(config.host, config.port, ssl_context=context, timeout=TIMEOUT_S)
    else:
        conn = _IMAP(config.host, config.port, timeout=TIMEOUT_S)
        if config.security == "starttls":
            conn.starttls(context)
    return conn


def plain(text: str, limit: int) -> str:
    """Text as an inquiry keeps it: no control or direction characters, lines trimmed,
    quoted replies and signatures dropped, cut to ``limit`` characters."""
    lines = []
    for line in _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")).split("\n"):
        if line.strip() == "--" or line.startswith("-- "):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(" ".join(line.split()))
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return out if len(out) <= limit else out[:limit - 1].rstrip() + "…"


def guess_category(text: str, categories: tuple[str, ...]) -> str:
    words = text.lower()
    for category, hints in GUESSES:
        if category in categories and any(h in words for h in hints):
            return category
    return "other" if "other" in categories else categories[-1]


def read_message(raw: bytes) -> tuple[str, str, str, Any, str | None]:
    """(sender's name, address, the question's text, when sent or None, Message-ID)."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    try:
        (name, address), = getaddresses([str(msg.get("From", ""))])[:1] or [("", "")]
    except (ValueError, TypeError):
        name, address = "", ""
    subject = plain(str(msg.get("Subject", "")), 300)
    body = ""
    try:
        part = msg.get_body(preferencelist=("plain",))
        if part is not None:
            body = part.get_content()
    except (LookupError, ValueError, TypeError):
        body = ""
    text = plain(f"{subject}\n{body}" if body.strip() else subject, inquiries.MAX_TEXT)
    try:
        sent = parsedate_to_datetime(str(msg["Date"])) if msg.get("Date") else None
    except (TypeError, ValueError, IndexError):
        sent = None
    if sent is not None and sent.tzinfo is None:
        sent = None
    message_id = plain(str(msg.get("Message-ID", "")), 300) or None
    return plain(name, 120), plain(address, 200).lower(), text, sent, message_id


def fetch(store: Store, actor: str, incident: str | uuid.UUID, *, limit: int = MAX_PER_FETCH) -> Fetched:
    """Log the folder's unread mail as inquiries (see the module's docstring)."""
    config = get_config(store)
    if config is None:
        raise NotFound("No shared mailbox is set: inquiry mailbox set HOST --user NAME (the password from "
                       "standard input).", field="mailbox")
    with store.read() as session:
        access.check(session, actor, Action.LOG, incidents.find(session, incident, actor))
        categories = inquiries.settings_in(session).categories
    password = secrets.get(SECRET_NAME)
    if not password:
        raise InputError("The mailbox's password is not in the keyring here: set the mailbox again.",
                         field="mailbox")
    out = Fetched()
    try:
        conn = _connect(config)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise InputError(f"Cannot reach the mailbox {config.host}:{config.port}: {exc}", field="mailbox") from None
    try:
        conn.login(config.username, password)
        kind, _ = conn.select(_quoted(config.folder))
        if kind != "OK":
            raise InputError(f"The mailbox has no folder {config.folder!r}.", field="folder")
        _, data = conn.uid("SEARCH", None, "UNSEEN")
        uids = [u for u in (data[0] or b"").split() if u.isdigit()][:max(1, min(limit, MAX_PER_FETCH))]
        for uid in uids:
            _one(store, actor, conn, uid, incident, categories, out)
    except imaplib.IMAP4.error as exc:
        raise InputError(f"The mailbox {config.host} refused: {exc}", field="mailbox") from None
    except OSError as exc:
        raise InputError(f"The mailbox {config.host} stopped answering: {exc}", field="mailbox") from None
    finally:
        try:
            conn.logout()
        except (OSError, imaplib.IMAP4.error):     # the talk broke off: close the socket all the same
            try:
                conn.shutdown()
            except OSError:
                pass
    return out


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _one(store: Store, actor: str, conn: imaplib.IMAP4, uid: bytes, incident, categories, out: Fetched) -> None:
    _, data = conn.uid("FETCH", uid, "(RFC822.SIZE)")
    m = re.search(rb"RFC822\.SIZE (\d+)", data[0] if data and isinstance(data[0], bytes) else b"")
    size = int(m.group(1)) if m else None
    if size is None or size > MAX_MESSAGE:
        out.skipped.append(f"message {uid.decode()}: {'no size given' if size is None else f'{size:,} bytes'}; "
                           f"messages over {MAX_MESSAGE // 1024} KB are left unread for a person to read.")
        return
    _, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = next((part[1] for part in data if isinstance(part, tuple) and len(part) == 2), None)
    if not raw:
        out.skipped.append(f"message {uid.decode()}: the server sent no message.")
        return
    name, address, text, sent, message_id = read_message(raw)
    if not text:
        out.skipped.append(f"message {uid.decode()} from {address or 'nobody'}: no words to log.")
        return
    with store.read() as session:
        # Mail comes from the real world: the sender is matched in the real register alone.
        who = session.scalar(select(Stakeholder.name).where(func.lower(Stakeholder.email) == address,
                                                            Stakeholder.exercise_id.is_(None))) \
            if address else None
        target = _incident_named(session, text) or incident
    now = store.clock.now()
    asked_at = sent if sent is not None and now - timedelta(days=30) <= sent <= now else None
    try:
        q = inquiries.add_inquiry(store, actor, target, text, asked_by=who or (f"{name} <{address}>" if name and address
                                                                                  else address or name or "unknown"),
                                  category=guess_category(text, categories), channel="email", asked_at=asked_at,
                                  source_ref=message_id or f"imap-uid:{uid.decode()}")
    except (InputError, NotPermitted) as exc:      # e.g. the subject names an incident this actor may not log on
        out.skipped.append(f"message {uid.decode()} from {address or 'nobody'}: {exc}")
        return
    conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    out.logged.append(q)


def _incident_named(session, text: str) -> uuid.UUID | None:
    """An open incident the subject or text names (``INC-7``), else None."""
    m = _INCIDENT_REF.search(text)
    if m is None:
        return None
    row = session.scalars(select(Incident).where(Incident.ref == f"INC-{int(m.group(1))}")).first()
    return row.id if row is not None and row.status != "resolved" else None
