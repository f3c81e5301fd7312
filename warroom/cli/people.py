"""``warroom-cli person add|set|list|permissions``: people, roles, backups, availability."""

from __future__ import annotations

from warroom.cli.common import EXIT_OK, Output
from warroom.errors import InputError
from warroom.services import access, people
from warroom.store import Store
from warroom.timeparse import parse_when


def cmd_set(store: Store, args, out: Output) -> int:
    backups = {}
    for item in args.backup or []:
        role, _, who = item.partition("=")
        if not who:
            raise InputError(f"--backup takes ROLE=NAME, e.g. comms_reviewer='Mia Lindqvist', not {item!r}.")
        backups[role] = who
    until = None
    availability = args.availability
    if args.until:
        until = parse_when(args.until, now=store.clock.now(), future=True)
        availability = "until"
    p = people.save(store, args.actor, args.name, email=args.email, roles=args.roles,
                    backups=backups if args.backup else None, availability=availability, available_until=until)
    out.data(p.as_dict(), f"{p.name} saved: {', '.join(r.label for r in p.roles)}.")
    return EXIT_OK


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
