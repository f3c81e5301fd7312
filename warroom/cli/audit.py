"""The archive commands of warroom-cli: ``audit export|key|verify|trust|trusted|distrust``."""

from __future__ import annotations

from pathlib import Path

from warroom import devicekey, paths
from warroom.cli.common import EXIT_CHECK, EXIT_OK, Output, utc
from warroom.services import audit, trust
from warroom.store import Store


def cmd_export(store: Store, args, out: Output) -> int:
    manifest = audit.export(store, args.actor, args.incident, Path(args.out),
                            key_file=Path(args.key_file) if args.key_file else None)
    out.data({"out": args.out, "files": len(manifest["files"]), "merkle_root": manifest["merkle_root"],
              "public_key": manifest["public_key"]},
             f"Wrote {args.out}: {len(manifest['files'])} files, Merkle root {manifest['merkle_root'][:16]}…, "
             f"signed by key {manifest['public_key']}")
    return EXIT_OK


def cmd_key(store: Store, args, out: Output) -> int:
    key = audit.public_key_text(audit.signing_key(store, Path(args.key_file) if args.key_file else None))
    out.data({"public_key": key}, key)
    return EXIT_OK


def cmd_verify(store: Store | None, args, out: Output) -> int:
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


def cmd_trust(store: Store, args, out: Output) -> int:
    signer = trust.trust(store, args.actor, args.key, args.name)
    out.data(signer.as_dict(), f'Trusted "{signer.name}": archives signed by {signer.fingerprint} now verify.')
    return EXIT_OK


def cmd_trusted(store: Store, args, out: Output) -> int:
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


def cmd_distrust(store: Store, args, out: Output) -> int:
    gone = trust.distrust(store, args.actor, args.key)
    out.data(gone.as_dict(), f'No longer trusted: "{gone.name}" ({gone.fingerprint}).')
    return EXIT_OK
