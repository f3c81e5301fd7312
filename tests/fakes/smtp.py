"""A submission server on 127.0.0.1 for e-mail tests (aiosmtpd).

Modes: ``"starttls"`` (plain connection, STARTTLS offered and required before AUTH and
MAIL) or ``"tls"`` (implicit TLS from the first byte). AUTH PLAIN/LOGIN against
``.username`` / ``.password``. The certificate is issued at test time by a throw-away
CA (:func:`make_certificates`, written to a temporary folder); clients verify it
with ``ca_file=<fake>.ca_file``.

Control: ``.fail_next(n, code)`` answers the next n DATA commands with 421/451
(transient) or 550 (permanent); ``.reject_recipients`` refuses those RCPT TO
addresses with 550. ``.messages`` holds what was accepted as :class:`Received`.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import logging
import ssl
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword



class _QuietLoginDataNotice(logging.Filter):
    """aiosmtpd 1.4 logs "Session.login_data is deprecated" on every successful AUTH (its own
    code sets the legacy attribute); that notice is about aiosmtpd, not about what is tested."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_QuietLoginDataNotice())

REPLIES = {
    421: "421 4.3.2 Service not available, closing transmission channel",
    450: "450 4.2.1 Mailbox busy, try again later",
    451: "451 4.3.0 Local error in processing, try again later",
    550: "550 5.7.1 Message rejected by policy",
    552: "552 5.3.4 Message too big",
    554: "554 5.6.0 Transaction failed",
}


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage      # parsed with policy.default
    authenticated_as: str | None
    tls: bool


def make_certificates(folder: Path, hostname: str = "localhost") -> tuple[Path, Path, Path]:
    """A CA and a server certificate for ``hostname`` and 127.0.0.1, valid for a day.
    Returns (ca.pem, server-cert.pem, server-key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = _dt.datetime.now(_dt.timezone.utc)
    not_before, not_after = now - _dt.timedelta(minutes=5), now + _dt.timedelta(days=1)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "War room test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder()
          .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))

    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server-cert.pem", folder / "server-key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


class _Handler:
    def __init__(self, fake: "FakeSMTP") -> None:
        self.fake = fake

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.fake.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in {a.lower() for a in self.fake.reject_recipients}:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        code = self.fake._next_failure()
        if code is not None:
            return REPLIES.get(code, f"{code} Failure")
        raw = envelope.original_content or envelope.content
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        parsed = message_from_bytes(raw, policy=policy.default)
        with self.fake._lock:
            self.fake.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed, login,
                                               _is_tls(server)))
        return "250 2.0.0 Message accepted for delivery"


def _is_tls(server: Any) -> bool:
    transport = getattr(server, "transport", None)
    return bool(getattr(server, "_tls_protocol", None)) or bool(
        transport is not None and transport.get_extra_info("ssl_object") is not None)


class _Controller(Controller):
    """aiosmtpd's Controller, listening on a free port (port 0): the real port is read back
    from the listening socket before the start-up check connects to it."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class FakeSMTP:
    def __init__(self, folder: Path, *, mode: str = "starttls", username: str = "warroom",
                 password: str = "correct horse battery", require_auth: bool = True) -> None:
        if mode not in ("starttls", "tls"):
            raise ValueError("mode is starttls or tls")
        self.mode = mode
        self.username, self.password = username, password
        self.require_auth = require_auth
        self.reject_recipients: set[str] = set()
        self.messages: list[Received] = []
        self.auth_attempts: list[tuple[str, bool]] = []
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self.ca_file, cert, key = make_certificates(folder)
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(cert, key)
        common = dict(hostname="127.0.0.1", port=0, server_hostname="fake-smtp.test", authenticator=self._authenticate,
                      ready_timeout=5.0)
        if mode == "starttls":
            self.controller = _Controller(_Handler(self), tls_context=server_tls, require_starttls=True,
                                          auth_require_tls=True, **common)
        else:
            # Implicit TLS: aiosmtpd only knows about STARTTLS, so "TLS before AUTH" is checked by
            # the authenticator itself (it refuses a connection that is not encrypted).
            self.controller = _Controller(_Handler(self), ssl_context=server_tls, auth_require_tls=False,
                                          **common)
        self.controller.start()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self.controller.port

    def config(self, **overrides: Any) -> dict[str, Any]:
        """Channel settings for this server (validated by the caller)."""
        cfg = {"host": self.host, "port": self.port, "security": self.mode, "username": self.username,
               "from_addr": "status@example.com", "from_name": "Acme Status", "ca_file": str(self.ca_file)}
        cfg.update(overrides)
        return cfg

    def fail_next(self, n: int, code: int) -> None:
        """Answer the next ``n`` DATA commands with ``code`` (421/450/451 transient, 550/552/554 permanent)."""
        with self._lock:
            self._failures.extend([code] * n)

    def _next_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or not _is_tls(server):
            return AuthResult(success=False, handled=False)
        ok = (auth_data.login.decode("utf-8", "replace") == self.username
              and auth_data.password.decode("utf-8", "replace") == self.password)
        with self._lock:
            self.auth_attempts.append((auth_data.login.decode("utf-8", "replace"), ok))
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> "FakeSMTP":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
