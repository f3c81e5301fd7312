"""The team commands of warroom-cli: ``team init|add``, ``sync``, ``sync status``.

Exit codes of ``sync``: 0 synced, 1 some events refused (each named), 2 usage
error, 4 the server cannot be reached (one line: offline is a normal state)."""

from __future__ import annotations

import sys

from warroom.cli_common import EXIT_CHECK, EXIT_OK, Output, utc
from warroom.errors import InputError
from warroom.store import Store

#: Seconds between rounds of ``sync`` without ``--once``.
SYNC_INTERVAL_S = 10.0


def cmd_team_init(store: Store | None, args, out: Output) -> int:
    from warroom.sync import server

    result = server.init(args.server)
    out.data({"database": result.database, "version_before": result.before, "version": result.after,
              "member_role": server.MEMBER_ROLE}, result.advice())
    return EXIT_OK


def cmd_team_add(store: Store | None, args, out: Output) -> int:
    from warroom.sync import server

    if not args.server:
        raise InputError("Give the server as the administrator reaches it: --server postgresql://ADMIN@HOST/DATABASE.",
                         field="server")
    result = server.add(args.server, args.login, args.person)
    extra = (f"\nThe login {result.login} was created without a password: set one on the server "
             f"(psql: \\password {result.login}).") if result.created else ""
    out.data({"login": result.login, "person": result.person, "created": result.created},
             f"Login {result.login} is {result.person} on the team server.{extra}")
    return EXIT_OK


def default_applier():
    """The appliers that turn a pulled event (a journal row) into table rows: one per
    kind, in warroom.sync.apply."""
    import importlib

    try:
        appliers = importlib.import_module("warroom.sync.apply")
        base = importlib.import_module("warroom.sync.apply_base")
    except ImportError:
        return _cannot_apply

    def apply(session, row) -> None:
        appliers.defer_references(session)
        appliers.apply_event(session, base.Event.from_row(row))

    return apply


def _cannot_apply(session, event) -> None:
    raise InputError(f"This version of War room cannot apply other laptops' events yet ({event.kind}).")


def _report(outcome, out: Output, where: str) -> int:
    lines = [f"Synced with {where}: {outcome.pushed} sent, {outcome.pulled} received"
             + (f", {outcome.hidden} not readable here (confidential)" if outcome.hidden else "")
             + (f", {outcome.revealed} readable now (a new membership)" if outcome.revealed else "") + "."]
    lines += [f"  refused: {r}" for r in outcome.refusals]
    out.data({"server": where, "pushed": outcome.pushed, "pulled": outcome.pulled, "hidden": outcome.hidden,
              "revealed": outcome.revealed,
              "refusals": [r.as_dict() for r in outcome.refusals]}, "\n".join(lines))
    return EXIT_OK if outcome.ok else EXIT_CHECK


def cmd_sync(store: Store, args, out: Output) -> int:
    from warroom.sync import client, wire

    apply = default_applier()
    if args.server:
        client.configure(store, args.server)
    url = client.remembered_url(store)
    if url is None:
        raise InputError("This database has no team server yet: warroom-cli sync --server "
                         "postgresql://LOGIN@HOST/DATABASE", field="server")
    where = wire.parse(url).where
    if args.once:
        return _report(client.sync_once(store, apply), out, where)
    offline_since: list[str] = []

    def report(outcome) -> None:
        offline_since.clear()
        _report(outcome, out, where)
        sys.stdout.flush()

    def offline(exc) -> None:
        if not offline_since:         # one line when it goes, not one per attempt
            offline_since.append(utc(store.clock.now()))
            print(f"{exc} Working offline; trying again.", flush=True)

    client.follow(store, apply, report=report, offline=offline, interval=SYNC_INTERVAL_S)  # until Ctrl-C
    return EXIT_OK


def cmd_sync_status(store: Store, args, out: Output) -> int:
    from warroom.sync import client

    state = client.status(store)
    if state is None:
        out.data({"server": None}, "Not syncing: this database has no team server (warroom-cli sync --server URL).")
        return EXIT_OK
    if out.as_json:
        out.data(state.as_dict())
    else:
        lines = [f"state         {state.summary}",
                 f"server        {state.where} as {state.login}",
                 f"to send       {state.waiting} event(s)",
                 f"cursor        {state.cursor}",
                 f"last success  {utc(state.last_success_at)}"]
        if state.last_error:
            lines.append(f"last attempt  {utc(state.last_attempt_at)}: {state.last_error}")
        lines += [f"refused       {r}" for r in state.refusals]
        print("\n".join(lines))
    return EXIT_CHECK if state.refusals else EXIT_OK


def register(sub, add) -> None:
    team = sub.add_parser("team", help="set up the team's PostgreSQL server (administrators)").add_subparsers(
        dest="team_command", metavar="ACTION", required=True)
    p = add("init", cmd_team_init, "create or upgrade the team schema on the server; print what the server needs",
            team)
    p.add_argument("--server", required=True, metavar="URL", help="postgresql://ADMIN@HOST/DATABASE")
    p.set_defaults(no_store=True)
    p = add("add", cmd_team_add, "map a login to a person and grant it the team's role", team)
    p.add_argument("login")
    p.add_argument("--person", required=True, metavar="NAME")
    p.add_argument("--server", metavar="URL", help="postgresql://ADMIN@HOST/DATABASE")
    p.set_defaults(no_store=True)
    p = add("sync", cmd_sync, "push this laptop's events to the team server and pull the others'")
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument("--server", metavar="URL", help="postgresql://LOGIN@HOST/DATABASE (remembered)")
    what = p.add_subparsers(dest="sync_command", metavar="status", required=False)
    add("status", cmd_sync_status, "the server, events waiting, the cursor, the last success, refusals", what)
