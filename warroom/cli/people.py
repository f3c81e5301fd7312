"""``warroom-cli person add|set|list|permissions``: people, roles, backups, availability."""

from __future__ import annotations

from warroom.cli.common import EXIT_OK, Output
from warroom.domain import Role
from warroom.errors import InputError
from warroom.services import access, people
from warroom.store import Store
from warroom.text.timeparse import parse_when


def cmd_set(store: Store, args, out: Output) -> int:
    """Backups given are added to the person's others (``--replace-backups``: they are
    the whole list); ``--remove-backup ROLE`` drops one. The message lists them all."""
    backups = {}
    for item in args.backup or []:
        role, _, who = item.partition("=")
        if not who:
            raise InputError(f"--backup takes ROLE=NAME, e.g. comms_reviewer='Mia Lindqvist', not {item!r}.",
                             field="backups")
        backups[role] = who
    for role in args.remove_backup or []:
        if "=" in role or not role.strip():
            raise InputError(f"--remove-backup takes the ROLE whose backup goes, e.g. comms_reviewer, not {role!r}.",
                             field="backups")
        backups[role] = ""  # the service reads an empty name as: this role's backup goes
    touched = bool(backups) or args.replace_backups
    before = {}
    if touched and not args.replace_backups:
        before = next((dict(p.backups) for p in people.list_people(store) if p.name == args.name), {})
    until = None
    availability = args.availability
    if args.until:
        until = parse_when(args.until, now=store.clock.now(), future=True)
        availability = "until"
    p = people.save(store, args.actor, args.name, email=args.email, roles=args.roles,
                    backups=backups if touched else None, availability=availability, available_until=until,
                    replace_backups=args.replace_backups)
    text = f"{p.name} saved: {', '.join(r.label for r in p.roles)}."
    if touched:
        text += f"\nBackups: {backup_text(p.backups) or 'none'}."
        kept = [r for r in before if r not in backups and r in p.backups]
        if kept:
            text += (f" The other backups are kept ({', '.join(role_label(r) for r in kept)}): --remove-backup ROLE "
                     "drops one, --replace-backups makes the --backup options the whole list.")
    out.data(p.as_dict(), text)
    return EXIT_OK


def role_label(role: str) -> str:
    try:
        return Role(role).label.lower()
    except ValueError:
        return role


def backup_text(backups: dict[str, str]) -> str:
    return ", ".join(f"{role_label(r)}: {w}" for r, w in backups.items())


def cmd_list(store: Store, args, out: Output) -> int:
    rows = people.list_people(store)
    now = store.clock.now()
    if out.as_json:
        out.data([p.as_dict() for p in rows])
        return EXIT_OK
    for p in rows:
        state = "available" if p.available(now) else "unavailable"
        backups = ", ".join(f"{r}: {w}" for r, w in p.backups.items())
        print(f"{p.name:<24} {', '.join(r.value for r in p.roles):<48} {state:<12} {p.email or ''}"
              + (f"  backups: {backups}" if backups else ""))
    if not rows:
        print("No people yet: `warroom-cli person add NAME --roles technical_reviewer`.")
    return EXIT_OK


def cmd_permissions(store: Store, args, out: Output) -> int:
    rows = access.table()
    columns = list(rows[0][1])
    short = {c: "".join(w[0] for w in c.replace("'s", "").split()).upper() for c in columns}
    width = max(len(name) for name, _ in rows) + 2
    lines = [" " * width + " ".join(f"{short[c]:>4}" for c in columns)]
    lines += [f"{name:<{width}}" + " ".join(f"{'yes' if ok else '·':>4}" for ok in cells.values())
              for name, cells in rows]
    lines += ["", "  ".join(f"{short[c]}: {c}" for c in columns),
              "The incident's commander: the one commanding that incident (who holds the incident commander role)."]
    out.data([{"action": name, **cells} for name, cells in rows], "\n".join(lines))
    return EXIT_OK
