"""The archive commands of warroom-cli: ``audit export|key|verify|trust|trusted|distrust``."""

from __future__ import annotations

from pathlib import Path

from warroom import paths
from warroom.cli_common import EXIT_CHECK, EXIT_OK, Output, utc
from warroom.store import Store


def cmd_audit_export(store: Store, args, out: Output) -> int:
    from warroom.services import audit

    manifest = audit.export(store, args.actor, args.incident, Path(args.out),
                            key_file=Path(args.key_file) if args.key_file else None)
    out.data({"out": args.out, "files": len(manifest["files"]), "merkle_root": manifest["merkle_root"],
              "public_key": manifest["public_key"]},
             f"Wrote {args.out}: {len(manifest['files'])} files, Merkle root {manifest['merkle_root'][:16]}…, "
             f"signed by key {manifest['public_key']}")
    return EXIT_OK


def cmd_audit_key(store: Store, args, out: Output) -> int:
    from warroom.services import audit

    key = audit.public_key_text(audit.signing_key(store, Path(args.key_file) if args.key_file else None))
    out.data({"public_key": key}, key)
    return EXIT_OK


def cmd_audit_verify(store: Store | None, args, out: Output) -> int:
    from warroom.services import audit, trust

    key = audit.read_public_key(args.key) if args.key else None
    # Whose signature is trusted: this database's, opened read-only if it exists; else only --key.
    signers = trust.signers_at(paths.resolve_db_path(getattr(args, "db", None)), given=key)
    report = audit.verify(Path(args.file), signers=signers)
    if report.ok:
        verdict = (f"Archive intact: {report.files} files of {report.incident}, signed by {report.trusted_as} "
                   f"({report.fingerprint}).")
    elif report.intact:
        how = (f"trust it (an administrator or a legal reviewer): warroom-cli audit trust {report.public_key} "
               "--name NAME; or check this archive alone with --key KEY" if signers.database else
               "check it with --key KEY, or against the database that trusts it with --db")
        verdict = (f"Archive check FAILED: its signer is not trusted. The files of {report.incident} hold together, "
                   f"but {report.untrusted}; anyone can sign a forgery with a key of their own.\n"
                   f"  If {report.fingerprint} is the signer's key (compare it with `warroom-cli audit key` on "
                   f"their machine), {how}.")
    else:
        verdict = "Archive check FAILED:\n" + "\n".join(f"  {p}" for p in report.problems)
    out.data({"ok": report.ok, "intact": report.intact, "trusted": report.trusted, "trusted_as": report.trusted_as,
              "untrusted": report.untrusted, "key_checked": bool(key), "problems": report.problems,
              "files": report.files, "incident": report.incident, "public_key": report.public_key,
              "fingerprint": report.fingerprint}, verdict)
    return EXIT_OK if report.ok else EXIT_CHECK


def cmd_audit_trust(store: Store, args, out: Output) -> int:
    from warroom.services import trust

    signer = trust.trust(store, args.actor, args.key, args.name)
    out.data(signer.as_dict(), f'Trusted "{signer.name}": archives signed by {signer.fingerprint} now verify.')
    return EXIT_OK


def cmd_audit_trusted(store: Store, args, out: Output) -> int:
    from warroom import devicekey
    from warroom.services import audit, trust

    rows = trust.trusted(store)
    own = audit.own_public_key(store)
    if out.as_json:
        out.data({"own": {"public_key": own, "fingerprint": devicekey.fingerprint(own)} if own else None,
                  "trusted": [r.as_dict() for r in rows]})
        return EXIT_OK
    if own:
        print(f"{devicekey.fingerprint(own)}  this database's own key (always trusted)  {own}")
    for r in rows:
        print(f"{r.fingerprint}  {r.name}  {r.public_key}  (added {utc(r.added_at)} by {r.added_by})")
    if not rows:
        print("No other signers are trusted: `warroom-cli audit trust KEY --name NAME`.")
    return EXIT_OK


def cmd_audit_distrust(store: Store, args, out: Output) -> int:
    from warroom.services import trust

    gone = trust.distrust(store, args.actor, args.key)
    out.data(gone.as_dict(), f'No longer trusted: "{gone.name}" ({gone.fingerprint}).')
    return EXIT_OK


def register(sub, add) -> None:
    au = sub.add_parser("audit", help="signed, tamper-evident archives").add_subparsers(
        dest="audit_command", metavar="ACTION", required=True)
    p = add("export", cmd_audit_export, "write an incident's signed archive", au)
    p.add_argument("incident")
    p.add_argument("--out", "-o", required=True, metavar="FILE.zip")
    p.add_argument("--key-file", help="keep the signing key in this passphrase-encrypted file (no keyring)")
    p = add("verify", cmd_audit_verify, "check an archive and that its signer is trusted: exit 1 naming what "
                                        "fails", au)
    p.add_argument("file")
    p.add_argument("--key", help="accept only this signer's public key (base64, or a file holding it)")
    p.set_defaults(no_store=True)  # reads the trusted signers itself, read-only, if the database exists
    p = add("trust", cmd_audit_trust, "trust archives signed by a key (administrators and legal reviewers)", au)
    p.add_argument("key", metavar="KEY", help="the signer's public key (base64, or a file holding it)")
    p.add_argument("--name", required=True, help="whose key it is, e.g. \"Legal\"")
    add("trusted", cmd_audit_trusted, "list the trusted signers with their fingerprints", au)
    p = add("distrust", cmd_audit_distrust, "stop trusting a signer", au)
    p.add_argument("key", metavar="KEY_OR_FINGERPRINT")
    p = add("key", cmd_audit_key, "print this database's archive public key", au)
    p.add_argument("--key-file")
