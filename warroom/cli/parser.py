"""Every ``warroom-cli`` command and its options, and nothing else.

A command names its handler as ``"module:function"`` inside this package; the
module is imported only when the command runs. Building the parser imports no
service, model or SQLAlchemy, so ``--version`` and every ``--help`` answer at
once (tests/unit/test_cli_startup.py)."""

from __future__ import annotations

import argparse

from warroom import __version__
from warroom.domain import Category, EntryKind, Impact, Status

CATEGORIES = ", ".join(c.value for c in Category)
IMPACTS = ", ".join(i.value for i in Impact)
STATUSES = ", ".join(s.value for s in Status)
ENTRY_KINDS = ", ".join(k.value for k in EntryKind)
DRAFT_ID = "an update: INC-1/U3, or its id or a unique beginning of it (the update list shows both)"


class Skipped:
    """A command not asked for: it takes its options and actions and keeps none."""

    def add_argument(self, *args, **kwargs) -> None:
        pass

    def set_defaults(self, **kwargs) -> None:
        pass

    def add_parser(self, *args, **kwargs) -> "Skipped":
        return self


SKIPPED = Skipped()


class Commands:
    """Adds commands to a subparser group with the options every command shares.

    With ``wanted`` (the command named on the line), the other top-level commands
    are only listed, by name and help: building every parser of every command
    costs more than running most of them."""

    def __init__(self, sub, common: argparse.ArgumentParser, wanted: str | None = None) -> None:
        self.sub = sub
        self.common = common
        self.wanted = wanted

    def skip(self, name: str, help: str, aliases=()) -> bool:
        if self.wanted is None or self.wanted == name or self.wanted in aliases:
            return False
        self.sub.add_parser(name, help=help, aliases=aliases)
        return True

    def add(self, name: str, handler: str, help: str, parent=None, **kwargs):
        if parent is SKIPPED or (parent is None and self.skip(name, help, kwargs.get("aliases", ()))):
            return SKIPPED
        p = (parent or self.sub).add_parser(name, parents=[self.common], help=help, description=help, **kwargs)
        p.set_defaults(handler=handler)
        return p

    def group(self, name: str, help: str, dest: str, **kwargs):
        if self.skip(name, help, kwargs.get("aliases", ())):
            return SKIPPED
        return self.sub.add_parser(name, help=help, description=help, **kwargs).add_subparsers(
            dest=dest, metavar="ACTION", required=True)


#: Options before the command that take a value in the next word.
VALUE_OPTIONS = ("--db", "--as")


def command_named(argv: list[str]) -> str | None:
    """The command word of ``argv`` (the first word that is not an option or an
    option's value), or None (``--help``, ``--version``, nothing)."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return next(words, None)
        if word in VALUE_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given ``argv``, only the command it names is built
    in full (the others are listed for ``--help``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="database file (default: WARROOM_DB, then the user data folder)")
    common.add_argument("--as", dest="actor", default=argparse.SUPPRESS, help="who you are (default: WARROOM_USER)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print data as JSON")

    parser = argparse.ArgumentParser(prog="warroom-cli", parents=[common],
                                     description="War room: incident communications, headless.")
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    wanted = command_named(argv) if argv is not None else None
    c = Commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True), common,
                 wanted=wanted if wanted is not None else ("" if argv is not None else None))
    for register in (incident_commands, template_commands, update_commands, people_commands,
                     settings_commands, policy_commands, delivery_commands, audit_commands, team_commands,
                     bundle_commands, exercise_commands, followup_commands, inbound_commands,
                     watch_commands, clock_commands,
                     inquiry_commands):
        register(c)
    return parser


def incident_commands(c: Commands) -> None:
    c.add("init", "incidents:cmd_init", "create the database (or check that it opens)")
    p = c.add("demo", "incidents:cmd_demo", "create a demo incident: a regional cloud outage")
    p.add_argument("--events", type=int, default=0, metavar="N", help="add N more timeline entries (scale tests)")
    p.add_argument("--if-empty", action="store_true", help="only if the database has no incidents yet")

    inc = c.group("incident", "open, list, show and change incidents", "incident_command")
    p = c.add("open", "incidents:cmd_open", "declare a new incident", inc)
    p.add_argument("title")
    p.add_argument("--severity", "-s", required=True, help="SEV1 .. SEV4")
    p.add_argument("--category", "-c", default="other", help=CATEGORIES)
    p.add_argument("--impact", default="degraded", help=IMPACTS)
    p.add_argument("--customer-facing", action="store_true")
    p.add_argument("--components", help="comma-separated affected components")
    p.add_argument("--detected", metavar="TIME", help="when it was detected (default: now)")
    p.add_argument("--commander", help="incident commander (default: you)")
    p.add_argument("--confidential", action="store_true")
    p.add_argument("--exercise", action="store_true", help="a tabletop exercise, not a real incident")
    p = c.add("list", "incidents:cmd_list", "list incidents, active first", inc)
    p.add_argument("--active", action="store_true", help="only incidents not yet resolved")
    p.set_defaults(quick="quick:incident_list")  # answered without the database layer where it can be
    p = c.add("show", "incidents:cmd_show", "show one incident", inc)
    p.add_argument("incident")
    p = c.add("status", "incidents:cmd_status", "change the status", inc)
    p.add_argument("incident")
    p.add_argument("status", help=STATUSES)
    p.add_argument("--note", help="why (logged on the timeline)")
    p.add_argument("--reopen", action="store_true", help="reopen a resolved incident")
    p = c.add("severity", "incidents:cmd_severity", "change the severity", inc)
    p.add_argument("incident")
    p.add_argument("severity")
    p.add_argument("--note")
    p = c.add("members", "incidents:cmd_members", "who may see a confidential incident", inc)
    p.add_argument("incident")
    p.add_argument("--add", action="append", metavar="NAME")
    p.add_argument("--remove", action="append", metavar="NAME")
    p = c.add("edit", "incidents:cmd_edit", "change an incident's facts", inc)
    p.add_argument("incident")
    p.add_argument("--title")
    p.add_argument("--category")
    p.add_argument("--impact")
    p.add_argument("--commander")
    p.add_argument("--components")
    p.add_argument("--detected", metavar="TIME")
    for flag in ("customer-facing", "confidential", "exercise"):
        dest = flag.replace("-", "_")
        p.add_argument(f"--{flag}", dest=dest, action="store_true", default=None)
        p.add_argument(f"--not-{flag}", dest=dest, action="store_false")
    p = c.add("flag", "clocks:cmd_flag", "flag an incident for regulatory regimes and record when their clocks start",
              inc)
    p.add_argument("incident")
    p.add_argument("flag", help="e.g. personal-data-eu, sec-material, nis2-entity (clocks --flags lists them)")
    p.add_argument("--at", metavar="TIME", help="when you became aware or determined it (default: now; never in "
                                                "the future)")
    p.add_argument("--classified", metavar="TIME", help="dora-major: when the incident was classified as major "
                                                        "(--at is awareness)")
    p.add_argument("--affected", metavar="N", help="health-data-us: how many individuals the breach affects")
    p.add_argument("--most-in-one-state", metavar="N", dest="most_in_one_state",
                   help="health-data-us: how many residents of the most affected State or jurisdiction")
    p = c.add("unflag", "clocks:cmd_unflag", "take a regulatory flag off an incident (its clocks stop showing)", inc)
    p.add_argument("incident")
    p.add_argument("flag")

    p = c.add("log", "timeline:cmd_log", "log a timeline entry")
    p.add_argument("incident")
    p.add_argument("text", nargs="?")
    p.add_argument("--kind", "-k", default="note", help="note, action, decision, external")
    p.add_argument("--at", metavar="TIME", help="back-date the entry (never in the future)")
    p.add_argument("--file", metavar="FILE", help="read the text from FILE (UTF-8; - for standard input)")
    p = c.add("edit-entry", "timeline:cmd_edit_entry", "correct an entry's text (the journal keeps the old text)")
    p.add_argument("entry", help="the entry's id or a unique beginning of it (timeline --ids shows them)")
    p.add_argument("text", nargs="?")
    p.add_argument("--file", metavar="FILE")
    p = c.add("timeline", "timeline:cmd_timeline", "print an incident's timeline")
    p.add_argument("incident")
    p.add_argument("--search", "-q", help="full-text search")
    p.add_argument("--kind", "-k", help=ENTRY_KINDS)
    p.add_argument("--limit", type=int, help="only the last N entries")
    p.add_argument("--ids", action="store_true", help="begin each line with the entry's short id")
    p = c.add("export", "timeline:cmd_export", "export an incident")
    p.add_argument("incident")
    p.add_argument("--format", "-f", default="markdown", help="json or markdown")
    p.add_argument("--out", "-o", help="write to FILE instead of standard output")
    p = c.add("retro", "retro:cmd_retro", "the communication retrospective of an incident, from its journal")
    p.add_argument("incident")
    p.add_argument("--out", "-o", metavar="FILE", help="write it as HTML or PDF (by the suffix: .html, .pdf)")
    p = c.add("verify", "timeline:cmd_verify", "check every journal chain; exit 1 naming the first bad event")
    p.add_argument("--integrity", action="store_true", help="also run SQLite's full integrity check")


FOLLOWUP_ID = "a follow-up: INC-1/F2, or its id or a unique beginning of it (followup list shows them)"


def watch_commands(c: Commands) -> None:
    w = c.group("watch", "the vendor status watch: providers' status feeds logged on incidents naming them",
                "watch_command")
    p = c.add("add", "watch:cmd_add", "watch a provider's status page or feed (an administrator)", w)
    p.add_argument("name", help="the provider's name, as incidents name it (e.g. Stripe)")
    p.add_argument("--url", required=True, help="its api/v2/summary.json, or its Atom/RSS feed")
    p.add_argument("--kind", choices=("summary", "feed"), default="summary",
                   help="summary: a Statuspage summary.json (default); feed: Atom or RSS")
    p.add_argument("--names", metavar="ALIAS,...", help="other names incidents may call it by")
    p.add_argument("--every", default="5m", metavar="INTERVAL", help="how often to look (default 5m, at least 1m)")
    c.add("list", "watch:cmd_list", "list the watched providers", w)
    p = c.add("remove", "watch:cmd_remove", "stop watching a provider (an administrator)", w)
    p.add_argument("name")
    p = c.add("status", "watch:cmd_status", "how each provider is: worst component status, open incidents", w)
    p.add_argument("name", nargs="?")
    p = c.add("poll", "watch:cmd_poll", "look at the providers that are due and log what changed", w)
    p.add_argument("--once", action="store_true", help="one round, then exit (1 if a provider could not be read)")
    p = c.add("import", "watch:cmd_import", "log what a saved summary.json or feed file shows (- reads stdin)", w)
    p.add_argument("file")
    p.add_argument("--provider", required=True, metavar="NAME")


def followup_commands(c: Commands) -> None:
    fu = c.group("followup", "an incident's follow-up actions: owner, due date, done", "followup_command")
    p = c.add("add", "followups:cmd_add", "add a follow-up action to an incident", fu)
    p.add_argument("incident")
    p.add_argument("text")
    p.add_argument("--owner", required=True, metavar="NAME", help="who sees it done (a person in the register)")
    p.add_argument("--due", required=True, metavar="DATE", help="e.g. 2026-12-20, or 14d")
    p = c.add("list", "followups:cmd_list", "list an incident's follow-up actions (overdue ones marked)", fu)
    p.add_argument("incident")
    p = c.add("done", "followups:cmd_done", "mark a follow-up done (its owner, the commander, a comms owner)", fu)
    p.add_argument("followup", help=FOLLOWUP_ID)
    p = c.add("reopen", "followups:cmd_reopen", "open a follow-up marked done again", fu)
    p.add_argument("followup", help=FOLLOWUP_ID)
    p = c.add("edit", "followups:cmd_edit", "change a follow-up's text, owner or due date", fu)
    p.add_argument("followup", help=FOLLOWUP_ID)
    p.add_argument("--text")
    p.add_argument("--owner", metavar="NAME")
    p.add_argument("--due", metavar="DATE")


def inbound_commands(c: Commands) -> None:
    src = c.group("inbound", "signals in: PagerDuty, Alertmanager, Opsgenie, Statuspage, Jira", "inbound_command")
    p = c.add("add", "inbound:cmd_add", "add a source; its secret is read from standard input", src)
    p.add_argument("name", help="lowercase name; its webhooks are POSTed to /hooks/NAME")
    p.add_argument("--kind", required=True, help="pagerduty, alertmanager, opsgenie, statuspage or jira")
    p.add_argument("--settings", metavar="JSON", help="its rules as a JSON object (see README: Signals in)")
    p.add_argument("--settings-file", metavar="FILE", help="the same, from a JSON file")
    p = c.add("set", "inbound:cmd_set", "replace a source's settings, or its secret (--secret, from standard input)",
              src)
    p.add_argument("name")
    p.add_argument("--settings", metavar="JSON")
    p.add_argument("--settings-file", metavar="FILE")
    p.add_argument("--secret", action="store_true", help="read a new secret from standard input")
    c.add("list", "inbound:cmd_list", "list sources", src)
    p = c.add("remove", "inbound:cmd_remove", "remove a source (its secret leaves the keyring)", src)
    p.add_argument("name")
    p = c.add("serve", "inbound:cmd_serve", "receive webhooks until stopped", src)
    p.add_argument("--bind", default="127.0.0.1:8787", metavar="HOST:PORT")
    p = c.add("import", "inbound:cmd_import", "apply payloads saved while offline, as SOURCE sent them (one, "
                                              "a JSON array of them or JSON lines)", src)
    p.add_argument("file")
    p.add_argument("--source", required=True, metavar="NAME")
    p = c.add("link", "inbound:cmd_link", "link an incident to a source's incident or issue (PGR0VU2, OPS-12)", src)
    p.add_argument("incident")
    p.add_argument("--source", required=True, metavar="NAME")
    p.add_argument("external")
    p.add_argument("--url")
    c.add("received", "inbound:cmd_received", "the latest events received and what was done with each", src)
    comp = c.group("component", "component status: operational … major_outage", "component_command")
    c.add("list", "inbound:cmd_components", "list components, the worst first", comp)
    p = c.add("set", "inbound:cmd_component_set", "set a component's status", comp)
    p.add_argument("name")
    p.add_argument("status", help="operational, degraded_performance, partial_outage or major_outage")
    p.add_argument("--note")


def clock_commands(c: Commands) -> None:
    p = c.add("clocks", "clocks:cmd_clocks", "an incident's regulatory clocks: regime, whom to notify, due, time left")
    p.add_argument("incident", nargs="?")
    p.add_argument("--flags", action="store_true", help="list the flags and the regimes each one starts")


INQUIRY_ID = "an inquiry: INC-1/Q2, or its id or a unique beginning of it (inquiry list shows them)"


def inquiry_commands(c: Commands) -> None:
    iq = c.group("inquiry", "stakeholders' questions on an incident, and a FAQ when they repeat", "inquiry_command")
    p = c.add("add", "inquiries:cmd_add", "log a stakeholder's question", iq)
    p.add_argument("incident")
    p.add_argument("text", help="what they asked")
    p.add_argument("--from", dest="asked_by", required=True, metavar="WHO",
                   help="a stakeholder's name from the register, or a name as they gave it")
    p.add_argument("--category", "-c", required=True, help="impact, eta, data, billing, security, other "
                                                           "(inquiry settings lists the team's)")
    p.add_argument("--channel", default="email", help="how it came in: email, phone, chat, slack, ticket… "
                                                       "(default: email)")
    p.add_argument("--at", metavar="TIME", help="when it was asked (default: now)")
    p = c.add("list", "inquiries:cmd_list", "list an incident's inquiries, and any FAQ suggestion", iq)
    p.add_argument("incident")
    p.add_argument("--category", "-c")
    p.add_argument("--open", action="store_true", help="only the unanswered ones")
    p = c.add("answer", "inquiries:cmd_answer", "mark an inquiry answered by an update", iq)
    p.add_argument("inquiry", help=INQUIRY_ID)
    p.add_argument("update", help=DRAFT_ID)
    p = c.add("reopen", "inquiries:cmd_reopen", "take the answer off an inquiry", iq)
    p.add_argument("inquiry", help=INQUIRY_ID)
    p = c.add("faq", "inquiries:cmd_faq", "draft a FAQ bulletin holding a category's open questions (reviewed "
                                         "like any update)", iq)
    p.add_argument("incident")
    p.add_argument("category")
    p.add_argument("--audience", "-a", default="customers", help="who it is for (default: customers)")
    p.add_argument("--locale")
    p = c.add("settings", "inquiries:cmd_settings", "show or change categories and when a FAQ is suggested", iq)
    p.add_argument("--categories", help="comma-separated, e.g. impact,eta,data,billing,security,other")
    p.add_argument("--threshold", type=int, help="questions in one category that suggest a FAQ (default 3)")
    p.add_argument("--window", help="within this long, e.g. 30m (default)")
    p = c.add("mailbox", "inquiries:cmd_mailbox_set", "set the shared mailbox questions arrive in (IMAP; the "
                                                     "password from standard input, kept in the keyring)", iq)
    p.add_argument("host")
    p.add_argument("--user", required=True)
    p.add_argument("--port", type=int)
    p.add_argument("--folder", default="INBOX")
    p.add_argument("--security", default="ssl", choices=("ssl", "starttls", "none"),
                   help="ssl (default, port 993), starttls (143), none (only to this machine)")
    p = c.add("fetch", "inquiries:cmd_fetch", "log the shared mailbox's unread mail as inquiries (on the incident "
                                             "a subject names, else this one)", iq)
    p.add_argument("incident")
    p.add_argument("--limit", type=int, default=50, help="at most this many messages (at most 50)")


def template_commands(c: Commands) -> None:
    tpl = c.group("template", "status-update templates", "template_command")
    p = c.add("list", "templates:cmd_list", "list templates", tpl)
    for opt in ("--category", "--audience", "--locale", "--phase"):
        p.add_argument(opt)
    p = c.add("show", "templates:cmd_show", "show a template", tpl)
    p.add_argument("name")
    p.add_argument("--locale")
    p.add_argument("--version", type=int, help="an earlier version")
    p = c.add("import", "templates:cmd_import", "import templates (a JSON export or TOML [[template]] tables)", tpl)
    p.add_argument("file")
    p = c.add("approve", "templates:cmd_approve", "review a holding statement's version for pre-approval "
                                                  "(comms and legal)", tpl)
    p.add_argument("name")
    p.add_argument("--locale")
    p.add_argument("--version", type=int, help="an earlier version (default: the current one)")
    p.add_argument("--role", help="comms_reviewer or legal_reviewer, if you hold both")
    p = c.add("export", "templates:cmd_export", "export every template as JSON", tpl)
    p.add_argument("--out", "-o")
    p = c.add("render", "templates:cmd_render", "render the update an audience would get now")
    p.add_argument("incident")
    p.add_argument("--audience", "-a", required=True)
    p.add_argument("--channel", choices=("long", "short", "chat"))
    p.add_argument("--locale")
    p.add_argument("--template", help="a template by name instead of the selected one")
    etr_options(p)


def etr_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--etr", metavar="TIME[..TIME]", help="estimated resolution: a time or a window")
    p.add_argument("--etr-confidence", default="medium", help="low, medium or high")
    p.add_argument("--etr-by", metavar="NAME", help="who assessed the ETR (required with --etr)")


def update_commands(c: Commands) -> None:
    dr = c.group("update", "status updates: drafts, review, publish, retract", "draft_command", aliases=["draft"])
    p = c.add("compose", "updates:cmd_compose", "compose drafts for audiences from their templates", dr,
              aliases=["new"])
    p.add_argument("incident")
    p.add_argument("--audience", "-a", required=True, help="comma-separated, e.g. customers,employees")
    p.add_argument("--phase", help="initial, update, resolved, holding, postincident, notification (default: "
                                   "from the incident)")
    p.add_argument("--template", help="a template by name instead of the selected one")
    p.add_argument("--body-file", metavar="FILE", help="the update's long text from FILE (UTF-8; - for stdin)")
    etr_options(p)
    p = c.add("key-accounts", "inquiries:cmd_key_accounts", "draft a personal update for each key account whose "
              "components the incident affects, for its success manager", dr)
    p.add_argument("incident")
    p.add_argument("--account", action="append", metavar="NAME", help="only this key account (repeatable)")
    p = c.add("edit", "updates:cmd_edit", "save new words as a revision (voids earlier approvals); a new long text "
                                          "re-derives the SMS and chat texts unless they were written on their own", dr)
    p.add_argument("draft", help=DRAFT_ID)
    p.add_argument("--body-file", metavar="FILE")
    p.add_argument("--channel", choices=("long", "short", "chat"), help="which text the file replaces (long)")
    p.add_argument("--subject")
    p.add_argument("--title", help="the public title this audience sees")
    p = c.add("list", "updates:cmd_list", "list an incident's drafts", dr)
    p.add_argument("incident")
    p = c.add("show", "updates:cmd_show", "show an update's words, the linter's findings and what you may do", dr)
    p.add_argument("draft", help=DRAFT_ID)

    def acknowledge(p) -> None:
        p.add_argument("--acknowledge-warnings", action="store_true",
                       help="you read the linter's warnings and let them stand (recorded on the revision)")

    p = c.add("submit", "updates:cmd_submit", "ask for the reviews the update needs", dr)
    p.add_argument("draft", help=DRAFT_ID)
    acknowledge(p)
    for verb, decision in (("approve", "approve"), ("request-changes", "request_changes"), ("reject", "reject")):
        p = c.add(verb, "updates:cmd_decide", f"{verb.replace('-', ' ')} the current revision", dr)
        p.add_argument("draft", help=DRAFT_ID)
        p.add_argument("--comment", "-m")
        p.add_argument("--role", help="which of your review roles, if you hold several")
        p.set_defaults(decision=decision)
        acknowledge(p)
    p = c.add("decide", "updates:cmd_settle", "settle a dispute (the arbiter: the incident commander)", dr)
    p.add_argument("draft", help=DRAFT_ID)
    p.add_argument("outcome", choices=("approve", "reject"))
    p.add_argument("--reason", required=True)
    p = c.add("override", "updates:cmd_override", "let an update go without its missing reviews (the incident's "
                                                  "commander); this does not publish it: update publish does", dr)
    p.add_argument("draft", help=DRAFT_ID)
    p.add_argument("--reason", required=True)
    acknowledge(p)
    p = c.add("publish", "updates:cmd_publish", "publish an approved update: the timeline, then the matrix's "
                                                "channels", dr)
    p.add_argument("draft", help=DRAFT_ID)
    acknowledge(p)
    p = c.add("withdraw", "updates:cmd_withdraw", "drop an update that was never published", dr)
    p.add_argument("draft", help=DRAFT_ID)
    p.add_argument("--reason", required=True)
    p = c.add("retract", "updates:cmd_retract", "take a published update back: off every page at once, a "
                                                "correction to everyone it reached", dr)
    p.add_argument("draft", help=DRAFT_ID)
    p.add_argument("--reason", required=True)
    p = c.add("correct", "updates:cmd_correct", "draft the correction of a retracted update (reviewed like any "
                                                "update)", dr)
    p.add_argument("draft", help=DRAFT_ID)
    c.add("sweep", "updates:cmd_sweep", "hand lapsed reviews to backups, then to the incident commander", dr)
    p = c.add("reviews", "updates:cmd_reviews", "show the reviews asked for and given", dr)
    p.add_argument("draft", help=DRAFT_ID)


def people_commands(c: Commands) -> None:
    per = c.group("person", "people, roles, backups, availability", "person_command")
    for verb, help_text in (("add", "add a person"), ("set", "change a person")):
        p = c.add(verb, "people:cmd_set", help_text, per)
        p.add_argument("name")
        p.add_argument("--email")
        p.add_argument("--roles", help="comma-separated: incident_commander, technical_reviewer, comms_reviewer, "
                                       "legal_reviewer, communications_owner, viewer")
        p.add_argument("--backup", action="append", metavar="ROLE=NAME",
                       help="add who stands in for a review role (repeat; the other backups stay)")
        p.add_argument("--remove-backup", action="append", metavar="ROLE",
                       help="remove the backup of a review role (repeat)")
        p.add_argument("--replace-backups", action="store_true",
                       help="the --backup options are the whole list: every other backup goes")
        p.add_argument("--availability", choices=("on_duty", "off_duty"))
        p.add_argument("--until", metavar="TIME", help="available until TIME")
    c.add("list", "people:cmd_list", "list people", per)
    c.add("permissions", "people:cmd_permissions", "print who may do what (the permission table)", per)

    st = c.group("stakeholder", "the stakeholder register", "stakeholder_command")
    p = c.add("add", "stakeholders:cmd_add", "add or change a stakeholder", st)
    p.add_argument("name")
    p.add_argument("--audience", required=True)
    p.add_argument("--kind", choices=("person", "group"))
    for opt in ("email", "phone", "slack", "teams", "timezone", "locale", "owner", "success-manager",
                "jurisdiction"):
        p.add_argument(f"--{opt}")
    p.add_argument("--region", help="for national phone numbers: DE, US, …")
    p.add_argument("--verified", action="store_true", help="the contacts were verified now")
    _key_account_options(p)
    p = c.add("edit", "stakeholders:cmd_edit", "change only the given fields of a stakeholder", st)
    p.add_argument("name")
    p.add_argument("--audience")
    p.add_argument("--kind", choices=("person", "group"))
    for opt in ("email", "phone", "slack", "teams", "timezone", "locale", "owner", "success-manager",
                "jurisdiction"):
        p.add_argument(f"--{opt}", help="'' clears")
    p.add_argument("--region", help="for national phone numbers: DE, US, …")
    p.add_argument("--verified", action="store_true", help="the contacts were verified now")
    _key_account_options(p)
    p = c.add("list", "stakeholders:cmd_list", "list stakeholders", st)
    p.add_argument("--audience")
    p.add_argument("--search")
    p.add_argument("--incident", metavar="REF", help="the stakeholders this incident addresses instead of the "
                                                     "register: an exercise's are its scenario's own")
    p = c.add("import", "stakeholders:cmd_import", "import stakeholders from CSV or vCard (all or nothing; every "
                                                   "bad row is reported)", st)
    p.add_argument("file", help="a .csv with a header line, or a .vcf address book export")
    p.add_argument("--audience", help="for vCards: which audience they belong to")
    p.add_argument("--region", help="for national phone numbers: DE, US, …")
    p = c.add("export", "stakeholders:cmd_export", "export stakeholders as CSV", st)
    p.add_argument("--out", "-o")
    p = c.add("validate", "stakeholders:cmd_validate", "missing and stale contacts; exit 1 if any", st)
    p.add_argument("--stale-days", type=int, default=90)


def _key_account_options(p) -> None:
    p.add_argument("--key-account", dest="key_account", action="store_true", default=None,
                   help="a key account: personal updates drafted for its success manager (needs --success-manager)")
    p.add_argument("--not-key-account", dest="key_account", action="store_false")
    p.add_argument("--components", help="comma-separated components the account uses, as incidents name them")


def settings_commands(c: Commands) -> None:
    aud = c.group("audience", "the audiences updates are written for", "audience_command")
    c.add("list", "settings:cmd_audience_list", "list audiences", aud)
    p = c.add("set", "settings:cmd_audience_set", "add or change an audience", aud)
    p.add_argument("name")
    p.add_argument("--label")
    p.add_argument("--external", dest="external", action="store_true", default=None)
    p.add_argument("--internal", dest="external", action="store_false")
    p.add_argument("--locale")
    p.add_argument("--timezone")
    p = c.add("org", "settings:cmd_org", "show or set the organisation's name, status page, and what is internal")
    p.add_argument("--name")
    p.add_argument("--status-url")
    p.add_argument("--internal-domain", action="append", metavar="DOMAIN",
                   help="a domain whose hosts are internal (repeat; replaces the list)")
    p.add_argument("--staff-domain", action="append", metavar="DOMAIN", help="staff e-mail domain (repeat)")
    p.add_argument("--public-host", action="append", metavar="HOST", help="a public host never flagged (repeat)")
    p = c.add("lint", "settings:cmd_lint", "check an update's text: exit 1 if anything blocks publishing")
    p.add_argument("file", help="a UTF-8 text file, or - for standard input")
    p.add_argument("--audience", help="who it is for (default: an external audience)")
    p.add_argument("--status", help="the incident's status (for speculation and next-update checks)")
    p.add_argument("--channel", choices=("long", "short", "chat"))


def policy_commands(c: Commands) -> None:
    pol = c.group("policy", "update cadence per severity", "policy_command")
    c.add("show", "policy:cmd_show", "show the update interval per severity", pol)
    p = c.add("reviews", "policy:cmd_reviews", "show, or set for an audience (at a severity, in a category), the "
                                               "reviews updates need", pol)
    p.add_argument("audience", nargs="?")
    p.add_argument("roles", nargs="?", help="e.g. technical_reviewer,comms_reviewer")
    p.add_argument("--severity", help="only at this severity, e.g. SEV4")
    p.add_argument("--category", help="only for incidents of this category, e.g. network")
    p.add_argument("--remove", action="store_true", help="remove the --severity/--category rule")
    p = c.add("arbiter", "policy:cmd_arbiter", "who settles disputed updates (a person, or 'commander')", pol)
    p.add_argument("name")
    p = c.add("window", "policy:cmd_window", "set how long a reviewer has, per severity", pol)
    p.add_argument("severity")
    p.add_argument("window", help="e.g. 10m, 1h")
    p = c.add("set", "policy:cmd_set", "set the update interval of a severity", pol)
    p.add_argument("severity")
    p.add_argument("interval", help="e.g. 30m, 1h, 4h, 1d")


def delivery_commands(c: Commands) -> None:
    ch = c.group("channel", "delivery channels (secrets in the keyring, or the encrypted secrets file)",
                 "channel_command")
    p = c.add("add", "channels:cmd_add", "add a channel; its secret is read from standard input with --secret", ch)
    p.add_argument("name")
    p.add_argument("--kind", required=True, help="slack, teams, statuspage, email, sms, webhook, sitepage")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="a setting (repeat): page_id=…, host=…")
    p.add_argument("--secret", action="store_true",
                   help="read the secret (URL, token, password) from standard input")
    p = c.add("set", "channels:cmd_set", "change a channel's settings or secret", ch)
    p.add_argument("name")
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    p.add_argument("--secret", action="store_true", help="read a new secret from standard input")
    p.add_argument("--rename")
    p.add_argument("--enable", dest="enabled", action="store_true", default=None)
    p.add_argument("--disable", dest="enabled", action="store_false")
    p = c.add("list", "channels:cmd_list", "list channels with their health and queue", ch)
    if p is not SKIPPED:
        p.add_argument("--exercises", action="store_true", help="also the channels exercises made for themselves")
    p = c.add("test", "channels:cmd_test", "check a channel works (exit 1 if not)", ch)
    p.add_argument("name")
    p.add_argument("--timeout", type=float, default=10.0)
    p = c.add("remove", "channels:cmd_remove", "remove a channel (its history stays)", ch)
    p.add_argument("name")

    mx = c.group("matrix", "who hears what, how often, through which channels", "matrix_command")
    p = c.add("show", "matrix:cmd_show", "the matrix, or who will get what for an incident", mx)
    p.add_argument("incident", nargs="?")
    p = c.add("set", "matrix:cmd_set", "change cells of the matrix", mx)
    p.add_argument("audience")
    p.add_argument("severity", help="SEV1, SEV1,SEV2 or all")
    p.add_argument("--channels", help='routes, e.g. "statuspage>site, slack>email" (first primary, then failover)')
    p.add_argument("--cadence", help="update every … (e.g. 30m); 'default' for the severity's")
    p.add_argument("--owner", help="who sends ('' clears)")
    p.add_argument("--template-audience", help="whose templates to use ('' for the audience's own)")
    p.add_argument("--told", dest="told", action="store_true", default=None)
    p.add_argument("--not-told", dest="told", action="store_false")
    p.add_argument("--only-customer-facing", dest="only_customer_facing", action="store_true", default=None,
                   help="owed updates only while the incident is customer-facing")
    p.add_argument("--always", dest="only_customer_facing", action="store_false",
                   help="owed updates about every incident at this severity")
    p.add_argument("--key-accounts-via-manager", dest="via_success_manager", action="store_true", default=None,
                   help="reach this audience's key accounts through their success manager's e-mail")
    p.add_argument("--key-accounts-direct", dest="via_success_manager", action="store_false",
                   help="reach key accounts at their own contacts, like everyone else")

    ob = c.group("outbox", "deliveries: list, retry, cancel, adopt, settings", "outbox_command")
    p = c.add("list", "outbox:cmd_list", "list deliveries", ob)
    p.add_argument("incident", nargs="?")
    p.add_argument("--state", help="e.g. queued,failed")
    p = c.add("retry", "outbox:cmd_retry", "queue a failed or cancelled delivery again", ob)
    p.add_argument("delivery", help="its id or a unique beginning of it (the outbox list shows them)")
    p = c.add("cancel", "outbox:cmd_cancel", "cancel a queued delivery", ob)
    p.add_argument("delivery", help="its id or a unique beginning of it")
    p = c.add("adopt", "outbox:cmd_adopt", "send from this laptop what another laptop queued and can no longer "
                                          "send (lost, or left the team; one only offline still sends its own)", ob)
    p.add_argument("incident", nargs="?")
    p.add_argument("--device", help="only that laptop's: the beginning of its device id (outbox list shows it)")
    p = c.add("settings", "outbox:cmd_settings", "show or change failover, dead-letter and breaker times", ob)
    p.add_argument("--failover-after", help="a primary down this long hands its queue on (e.g. 5m)")
    p.add_argument("--dead-after", help="undelivered this long: a dead letter (e.g. 24h)")
    p.add_argument("--breaker-failures", type=int, help="failures in a row that mark a channel down")
    p.add_argument("--breaker-cooldown", help="while down, one probe per … (e.g. 30s)")
    p.add_argument("--lease", help="a claim expires after … (e.g. 2m)")
    p.add_argument("--timeout", type=float, help="seconds per request")

    p = c.add("dispatch", "outbox:cmd_dispatch", "deliver the outbox: what is due, or until stopped")
    p.add_argument("--once", action="store_true", help="deliver what is due now and exit")
    p.add_argument("--idle", type=float, default=5.0, help="longest wait between passes (seconds)")

    sp = c.group("statuspage", "the self-hosted status page", "statuspage_command")
    p = c.add("build", "statuspage:cmd_build", "write the page, its JSON and its Atom feed to a folder", sp)
    p.add_argument("--out", "-o")
    p.add_argument("--channel", help="the sitepage channel whose settings to use")
    p = c.add("serve", "statuspage:cmd_serve", "build and serve the page locally", sp)
    p.add_argument("--dir")
    p.add_argument("--channel")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)


def audit_commands(c: Commands) -> None:
    au = c.group("audit", "signed, tamper-evident archives", "audit_command")
    p = c.add("export", "audit:cmd_export", "write an incident's signed archive", au)
    p.add_argument("incident")
    p.add_argument("--out", "-o", required=True, metavar="FILE.zip")
    p.add_argument("--key-file", help="keep the signing key in this passphrase-encrypted file (no keyring)")
    p = c.add("verify", "audit:cmd_verify", "check an archive and that its signer is trusted: exit 1 naming what "
                                            "fails", au)
    p.add_argument("file")
    p.add_argument("--key", help="accept only this signer's public key (base64, or a file holding it)")
    p.set_defaults(no_store=True)  # reads the trusted signers itself, read-only, if the database exists
    p = c.add("trust", "audit:cmd_trust", "trust archives signed by a key (administrators and legal reviewers)", au)
    p.add_argument("key", metavar="KEY", help="the signer's public key (base64, or a file holding it)")
    p.add_argument("--name", required=True, help="whose key it is, e.g. \"Legal\"")
    c.add("trusted", "audit:cmd_trusted", "list the trusted signers with their fingerprints", au)
    p = c.add("distrust", "audit:cmd_distrust", "stop trusting a signer", au)
    p.add_argument("key", metavar="KEY_OR_FINGERPRINT")
    p = c.add("key", "audit:cmd_key", "print this database's archive public key", au)
    p.add_argument("--key-file")


def team_commands(c: Commands) -> None:
    p = c.add("due", "due:cmd_due", "updates due within 5 minutes or overdue, per open incident and audience: "
                                    "exit 1 when one is overdue")
    p.add_argument("--all", action="store_true", help="list every open incident's next updates, not only "
                                                      "those due soon or overdue")

    team = c.group("team", "set up the team's PostgreSQL server (administrators)", "team_command")
    p = c.add("init", "sync:cmd_team_init", "create or upgrade the team schema on the server; print what the "
                                            "server needs", team)
    p.add_argument("--server", required=True, metavar="URL", help="postgresql://ADMIN@HOST/DATABASE")
    p.set_defaults(no_store=True)
    p = c.add("add", "sync:cmd_team_add", "map a login to a person and grant it the team's role", team)
    p.add_argument("login")
    p.add_argument("--person", required=True, metavar="NAME")
    p.add_argument("--server", metavar="URL", help="postgresql://ADMIN@HOST/DATABASE")
    p.set_defaults(no_store=True)
    p = c.add("sync", "sync:cmd_sync", "push this laptop's events to the team server and pull the others'")
    if p is SKIPPED:
        return
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument("--server", metavar="URL", help="postgresql://LOGIN@HOST/DATABASE (remembered)")
    what = p.add_subparsers(dest="sync_command", metavar="status", required=False)
    p = c.add("status", "sync:cmd_sync_status", "the server, events waiting, the cursor, the last success, "
                                                "refusals", what)


def bundle_commands(c: Commands) -> None:
    group = c.group("bundle", "carry events between laptops without a server", "bundle_command")
    p = c.add("heads", "bundle:cmd_bundle_heads", "what this laptop has: each device's last event (for export "
                                                  "--since)", group)
    if p is SKIPPED:
        return
    p.add_argument("--out", metavar="FILE")
    p = c.add("export", "bundle:cmd_bundle_export", "write the events another laptop lacks, signed by this laptop",
              group)
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--since", metavar="HEADS", help="the other laptop's `bundle heads` file, or DEVICE:SEQ,… "
                                                    "(default: the whole journal)")
    p = c.add("import", "bundle:cmd_bundle_import", "verify a bundle and apply its events (all or none)", group)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--signer", metavar="FINGERPRINT",
                   help="the key fingerprint `bundle export` showed on the other laptop (needed once for a "
                        "laptop this one does not know yet)")


def exercise_commands(c: Commands) -> None:
    ex = c.group("exercise", "tabletop exercises: a scenario on its own clock, nothing sent outside",
                 "exercise_command")
    p = c.add("list", "exercise:cmd_list", "the scenarios War room ships, with their titles", ex)
    if p is SKIPPED:
        return
    p.set_defaults(no_store=True)
    p = c.add("start", "exercise:cmd_start", "start an exercise from a scenario file or a shipped scenario's name "
                                             "(prints its INC-n)", ex)
    p.add_argument("file", metavar="FILE.toml|NAME")
    p.add_argument("--speed", type=int, metavar="N", help="1 to 60 (default: the scenario's)")
    p = c.add("clock", "exercise:cmd_clock", "show or move an exercise's clock; fires the injects it passes", ex)
    p.add_argument("incident")
    move = p.add_mutually_exclusive_group()
    move.add_argument("--pause", action="store_true")
    move.add_argument("--resume", action="store_true")
    move.add_argument("--speed", type=int, metavar="N", help="1 to 60")
    move.add_argument("--advance", metavar="DURATION", help="jump ahead, e.g. 10m or 1h30m")
    move.add_argument("--next", action="store_true", help="jump to the next inject and fire it")
    p = c.add("status", "exercise:cmd_status", "the exercise's time and its injects: done, next, upcoming", ex)
    p.add_argument("incident")
    p = c.add("end", "exercise:cmd_end", "end an exercise and print its score card", ex)
    p.add_argument("incident")
    p.add_argument("--out", metavar="FILE", help="also write the score card and the retrospective: .html or .pdf")
    p = c.add("play", "exercise:cmd_play", "play a scenario to the end with its scripted players (a replay)", ex)
    p.add_argument("file", metavar="FILE.toml|NAME")
    p.add_argument("--script", action="store_true", help="use the scenario's [[script]] players")
    p.add_argument("--keep-going", action="store_true", help="note a refused action and go on")
    p.add_argument("--out", metavar="FILE", help="also write the score card and the retrospective: .html or .pdf")
