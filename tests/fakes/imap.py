"""A minimal IMAP4rev1 server on 127.0.0.1 for the shared-mailbox tests: one user,
one folder, messages with UIDs and a \\Seen flag; the commands imaplib sends for a
login, SELECT, UID SEARCH UNSEEN, UID FETCH (RFC822.SIZE / BODY.PEEK[]), UID STORE
+FLAGS (\\Seen) and LOGOUT, answered as RFC 3501 says. ``lie_about_size`` announces a
small size and sends a huge literal (a hostile server)."""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mail:
    uid: int
    raw: bytes
    seen: bool = False


@dataclass
class FakeIMAP:
    username: str = "inquiries@example.com"
    password: str = "mailbox-secret-7"
    folder: str = "INBOX"
    mails: list[Mail] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    lie_about_size: bool = False

    def add(self, raw: bytes) -> Mail:
        mail = Mail(len(self.mails) + 1, raw)
        self.mails.append(mail)
        return mail

    def start(self) -> "FakeIMAP":
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                fake._serve(self.rfile, self.wfile)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _serve(self, rfile, wfile) -> None:
        def send(line: str | bytes) -> None:
            wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")
            wfile.flush()

        send("* OK [CAPABILITY IMAP4rev1] fake ready")
        authed = selected = False
        while True:
            line = rfile.readline(65536)
            if not line:
                return
            parts = line.decode("utf-8", "replace").rstrip("\r\n").split(" ", 2)
            tag, cmd = parts[0], parts[1].upper() if len(parts) > 1 else ""
            args = parts[2] if len(parts) > 2 else ""
            if cmd == "CAPABILITY":
                send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                send(f"{tag} OK CAPABILITY done")
            elif cmd == "LOGIN":
                user, password = [a.strip('"') for a in args.split(" ", 1)]
                self.logins.append(user)
                if (user, password) == (self.username, self.password):
                    authed = True
                    send(f"{tag} OK LOGIN done")
                else:
                    send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif cmd == "SELECT" and authed:
                if args.strip('"') != self.folder:
                    send(f"{tag} NO no such folder")
                    continue
                selected = True
                send(f"* {len(self.mails)} EXISTS")
                send("* FLAGS (\\Seen)")
                send(f"{tag} OK [READ-WRITE] SELECT done")
            elif cmd == "UID" and selected:
                self._uid(tag, args, send)
            elif cmd == "LOGOUT":
                send("* BYE")
                send(f"{tag} OK LOGOUT done")
                return
            else:
                send(f"{tag} BAD unknown or not allowed now: {cmd}")

    def _uid(self, tag: str, args: str, send) -> None:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        if sub == "SEARCH":
            uids = [str(m.uid) for m in self.mails if not m.seen] if "UNSEEN" in rest.upper() else \
                [str(m.uid) for m in self.mails]
            send("* SEARCH" + "".join(" " + u for u in uids))
            send(f"{tag} OK SEARCH done")
            return
        uid_text, _, what = rest.partition(" ")
        mail = next((m for m in self.mails if str(m.uid) == uid_text), None)
        if mail is None:
            send(f"{tag} OK nothing")
            return
        n = self.mails.index(mail) + 1
        if sub == "FETCH" and "RFC822.SIZE" in what.upper():
            size = 100 if self.lie_about_size else len(mail.raw)
            send(f"* {n} FETCH (UID {mail.uid} RFC822.SIZE {size})")
        elif sub == "FETCH" and re.search(r"BODY(\.PEEK)?\[\]", what, re.IGNORECASE):
            raw = mail.raw + (b"x" * 2_000_000 if self.lie_about_size else b"")
            send(f"* {n} FETCH (UID {mail.uid} BODY[] {{{len(raw)}}}".encode() + b"\r\n" + raw + b")")
        elif sub == "STORE" and "\\SEEN" in what.upper():
            mail.seen = True
            send(f"* {n} FETCH (UID {mail.uid} FLAGS (\\Seen))")
        else:
            send(f"{tag} BAD {sub}")
            return
        send(f"{tag} OK {sub} done")
