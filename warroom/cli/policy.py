"""``warroom-cli policy show|set|reviews|arbiter|window``: cadence and review rules."""

from __future__ import annotations

from warroom.cli.common import EXIT_OK, Output
from warroom.errors import InputError
from warroom.services import cadence, review_rules
from warroom.store import Store


def cmd_show(store: Store, args, out: Output) -> int:
    intervals = cadence.update_intervals(store)
    data = {sev.value: int(td.total_seconds()) for sev, td in intervals.items()}
    out.data(data, "\n".join(f"{sev.value}  update every {human(td.total_seconds())}" for sev, td in intervals.items()))
    return EXIT_OK


def cmd_set(store: Store, args, out: Output) -> int:
    cadence.set_update_interval(store, args.actor, args.severity, cadence.parse_interval(args.interval))
    return cmd_show(store, args, out)


def cmd_reviews(store: Store, args, out: Output) -> int:
    narrowed = bool(args.severity or args.category)
    if args.remove:
        if not (args.audience and narrowed):
            raise InputError("--remove takes an audience and its --severity and/or --category rule.")
        rules = review_rules.set_policy(store, args.actor, args.audience, None, severity=args.severity,
                                  category=args.category)
    elif args.audience and args.roles:
        rules = review_rules.set_policy(store, args.actor, args.audience, args.roles, severity=args.severity,
                                  category=args.category)
    elif args.audience or narrowed:
        raise InputError("Give an audience and the reviews, e.g. `policy reviews customers "
                         "technical_reviewer,comms_reviewer --severity SEV4`.")
    else:
        rules = review_rules.policy(store)
    width = max(len(review_rules.describe_key(k)) for k in rules) + 2
    out.data({key: [r.value for r in roles] for key, roles in rules.items()},
             "\n".join(f"{review_rules.describe_key(key):<{width}} {', '.join(r.label.lower() for r in roles)}"
                       for key, roles in rules.items())
             + "\n(the most specific rule applies; security and data incidents always add legal review)")
    return EXIT_OK


def cmd_arbiter(store: Store, args, out: Output) -> int:
    name = review_rules.set_arbiter(store, args.actor, args.name)
    out.data({"arbiter": name}, f"Disputes go to {'the incident commander' if name == 'commander' else name}.")
    return EXIT_OK


def cmd_window(store: Store, args, out: Output) -> int:
    review_rules.set_window(store, args.actor, args.severity, cadence.parse_interval(args.window))
    out.data({"severity": args.severity, "window": args.window}, f"Review window for {args.severity}: {args.window}.")
    return EXIT_OK


def human(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"
