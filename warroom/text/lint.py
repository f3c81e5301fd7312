"""The linter for status updates: keeps internal details and risky wording out of public text.

``lint(text, external=..., status=..., channel=..., config=...)`` returns
:class:`Finding` objects, each naming a rule, whether it blocks publishing, the
offending span (``text[start:end]``), a message and a suggestion. It is pure
(no I/O, no clock, no global state) and fast enough to run as the user types.

Blocking for an external audience (customers, partners, regulators): IP
addresses and networks, MAC addresses, host names and URLs under internal
domains, private file paths and staff e-mail addresses. Blocking for every
audience: secrets and tokens, found with the plugins of ``detect-secrets``.
Warnings: speculation while investigating, wording that admits liability, an
ETR without a caveat, non-standard status terms, text over the channel's limit,
and a missing next-update time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from warroom.text.secretscan import rstrip_span, secret_engine

__all__ = ["Finding", "LintConfig", "RULES", "STATUS_TERMS", "DEFAULT_CHANNEL_LIMITS", "lint"]

#: rule id -> one-line description, for a UI to list them.
RULES: dict[str, str] = {
    "ip-address": "IPv4/IPv6 addresses and networks (external audiences; blocking)",
    "mac-address": "MAC addresses (external audiences; blocking)",
    "internal-host": "host names and URLs under internal domains (external audiences; blocking)",
    "file-path": "private file paths such as /etc/…, ~/…, C:\\… or \\\\server\\share (external audiences; blocking)",
    "staff-email": "e-mail addresses of staff (external audiences; blocking)",
    "secret": "passwords, keys and tokens (every audience; blocking)",
    "speculation": "guessing at the root cause while the status is Investigating (warning)",
    "liability": "wording that admits fault or liability or promises too much (external audiences; warning)",
    "etr-caveat": "a resolution time without a caveat that it is an estimate (warning)",
    "status-term": "a status value other than Investigating, Identified, Mitigated, Monitoring, Resolved (warning)",
    "too-long": "text longer than the channel allows (warning)",
    "next-update": "no time for the next update while the incident is open (warning)",
}

#: The standard status terms, as written in updates.
STATUS_TERMS = ("Investigating", "Identified", "Mitigated", "Monitoring", "Resolved")

#: Characters per channel format: long (e-mail, status page), short (10 SMS segments), chat.
DEFAULT_CHANNEL_LIMITS: Mapping[str, int] = MappingProxyType({"long": 20_000, "short": 1_600, "chat": 3_000})


@dataclass(frozen=True)
class Finding:
    rule: str
    blocking: bool
    start: int
    end: int
    message: str
    suggestion: str


@dataclass(frozen=True)
class LintConfig:
    #: Hosts and URLs under these domains are internal, e.g. ("corp.example.com", "example.net").
    internal_domains: tuple[str, ...] = ()
    #: The company's own public hosts (status page, web site): never flagged.
    public_hosts: tuple[str, ...] = ()
    #: E-mail addresses under these domains belong to staff.
    staff_email_domains: tuple[str, ...] = ()
    #: Characters per channel format; channels not listed keep the default limit.
    channel_limits: Mapping[str, int] = field(default_factory=lambda: DEFAULT_CHANNEL_LIMITS, hash=False)


_DEFAULT_CONFIG = LintConfig()


# --------------------------------------------------------------------------- helpers

def _norm_domain(domain: str) -> str:
    d = domain.strip().lower().rstrip(".")
    if d.startswith("*."):
        d = d[2:]
    return d.lstrip(".")


@lru_cache(maxsize=32)
def _domains(config_key: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]):
    internal, public, staff = config_key
    return (
        tuple(d for d in map(_norm_domain, internal) if d),
        frozenset(d for d in map(_norm_domain, public) if d),
        tuple(d for d in map(_norm_domain, staff) if d),
    )


def _under(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


#: Suffixes that are internal whatever the configuration says.
_INTERNAL_SUFFIXES = (".internal", ".corp", ".local", ".lan", ".intranet", ".localdomain", ".home.arpa",
                      ".svc.cluster.local", ".localhost")


def _is_internal_host(host_as_written: str, internal: tuple[str, ...], public: frozenset[str]) -> bool:
    host = host_as_written.lower().rstrip(".")
    if host in public:
        return False
    if _under(host, internal):
        return True
    # The built-in suffixes only count when written in lower case, so that a
    # name such as "Acme.Corp" in prose is not taken for a host.
    written = host_as_written.rstrip(".")
    return any(written.endswith(s) for s in _INTERNAL_SUFFIXES)


# --------------------------------------------------------------------------- addresses

_IPV4 = re.compile(
    r"(?<![\w.])([0-9]{1,3}(?:\.[0-9]{1,3}){3})(?:/([0-9]{1,2}))?(?![\w])(?!\.[0-9])(?!-[0-9]+(?![.0-9]))", re.ASCII)
#: A dotted quad after one of these is a version number, not an address.
_VERSION_BEFORE = re.compile(
    r"(?:\bv|\bversions?|\bver\.?|\breleases?|\brel\.?|\bbuilds?|\bfirmware|\bfw|\bpatch|\bupdate\s+to|"
    r"\bupgraded?\s+to|\bdowngraded?\s+to|\bupdate\s+auf|\bwechsel\s+auf)\s*[-:#]?\s*$",
    re.IGNORECASE)
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.%])((?:[0-9A-Fa-f]{1,4}|:)[0-9A-Fa-f:.]*)(%[\w\-]+(?:\.[\w\-]+)*)?(?:/([0-9]{1,3}))?", re.ASCII)
_MAC = re.compile(
    r"(?<![\w:.\-])(?:[0-9A-Fa-f]{2}([:\-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:.\-])", re.ASCII)

_IP_MESSAGE = "An IP address tells attackers where to look, and means nothing to most readers."
_IP_SUGGESTION = "Describe the service instead, e.g. 'one of our database servers'."


def _find_ipv4(text: str) -> Iterator[tuple[int, int]]:
    for m in _IPV4.finditer(text):
        if _VERSION_BEFORE.search(text, max(0, m.start() - 24), m.start()):
            continue
        try:
            ipaddress.IPv4Address(m.group(1))
        except ValueError:
            continue
        end = m.end(1)
        if m.group(2) is not None:
            try:
                ipaddress.IPv4Network(f"{m.group(1)}/{m.group(2)}", strict=False)
                end = m.end(2)
            except ValueError:
                pass
        yield m.start(1), end


def _find_ipv6(text: str) -> Iterator[tuple[int, int]]:
    for m in _IPV6_CANDIDATE.finditer(text):
        cand = m.group(1)
        if cand.count(":") < 2 or not any(c not in ":." for c in cand):
            continue
        start = m.start(1)
        end = m.end(1)
        # Trim trailing ':' and '.' (sentence punctuation) until it parses.
        while end > start:
            addr = text[start:end]
            zone = m.group(2) if end == m.end(1) and m.group(2) else ""
            if addr.count(":") < 2:
                break
            try:
                ipaddress.IPv6Address(addr + zone)
            except ValueError:
                if text[end - 1] in ":.":
                    end -= 1
                    continue
                break
            full_end = end + len(zone)
            if end == m.end(1) and m.group(3) is not None:
                try:
                    ipaddress.IPv6Network(f"{addr}/{m.group(3)}", strict=False)
                    full_end = m.end(3)
                except ValueError:
                    pass
            if full_end < len(text) and (text[full_end].isalnum() or text[full_end] == "_"):
                break
            yield start, full_end
            break


# --------------------------------------------------------------------------- hosts, URLs, e-mails, paths

_URL = re.compile(
    r"\b(?:https?|ftps?|sftp|ssh|ldaps?|smb|rdp|vnc|wss?|git|jdbc:[a-z0-9]+|mongodb(?:\+srv)?|redis|postgres(?:ql)?|mysql)"
    r"://[^\s<>\"'`]+", re.IGNORECASE)
_HOST = re.compile(
    r"(?<![\w.@\-/])((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)"
    r"(?![\w\-])(?!\.[A-Za-z0-9])", re.ASCII)
_EMAIL = re.compile(
    r"(?<![\w.+%\-:/])([A-Za-z0-9._%+\-]+)@((?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})(?![\w\-])",
    re.ASCII)
#: Role mailboxes meant for the public (a support address is fine to publish).
_ROLE_MAILBOXES = frozenset({
    "support", "help", "helpdesk", "service", "servicedesk", "status", "noreply", "no-reply", "info", "contact",
    "security", "press", "media", "privacy", "dpo", "abuse", "kundenservice", "hilfe", "datenschutz", "presse",
})
_UNIX_PATH = re.compile(
    r"(?<![\w/.~:\\\-])(?:~|/(?:etc|var|home|opt|srv|root|usr|tmp|mnt|data|Users|private|proc|sys|dev|run|"
    r"Volumes|Library))/[^\s\"'<>|;,()\[\]{}`*]*")
_WINDOWS_PATH = re.compile(r"(?<![\w\\])[A-Za-z]:\\[^\s\"'<>|*?]*")
_UNC_PATH = re.compile(r"(?<![\w\\])\\\\[A-Za-z0-9._$\-]+\\[^\s\"'<>|*?]+")


def _url_host(url: str) -> str:
    rest = url.split("://", 1)[1]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    netloc = netloc.rsplit("@", 1)[-1]
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0]
    return netloc.split(":", 1)[0]


# --------------------------------------------------------------------------- secrets

_SECRET_MESSAGE = "This looks like a secret ({kind}). Anyone who reads the update could use it."
_SECRET_SUGGESTION = ("Remove it, and ask its owner to revoke and rotate it now: the text may already be "
                      "stored, synced or sent.")


# --------------------------------------------------------------------------- wording

def _phrases(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _lower_phrases(*patterns: str) -> re.Pattern[str]:
    """Like :func:`_phrases`, for matching against :func:`_lower` text: written in any case, compiled in lower
    case and without IGNORECASE, which makes long alternations two to three times faster."""
    pattern = "|".join(f"(?:{p})" for p in patterns)
    if re.search(r"\\[A-Z]", pattern):
        raise ValueError("upper-case escapes (\\S, \\W, …) change meaning in lower case")
    return re.compile(pattern.lower())


def _lower(text: str) -> str:
    """``text`` in lower case, with the same length, so spans found in it are spans of ``text``."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowers to two characters
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


_SPECULATION = _phrases(
    r"\bwe\s+(?:currently\s+|now\s+|strongly\s+)?(?:believe|think|suspect|assume|presume|guess)\b",
    r"\b(?:suspected|presumably|presumed)\b",
    r"\bprobabl[ey]\s+(?:cause[ds]?|due|related|because|the\s+result|linked|triggered|a|an|the|from)\b",
    r"\b(?:most\s+)?likely\s+(?:caused|due|related|because|the\s+result|linked|triggered|a|an|the|from|stem(?:s|ming)?)\b",
    r"\b(?:might|may|could)\s+(?:have\s+been|be)\s+(?:caused|triggered|due|related|linked|the\s+result)\b",
    r"\bpossibly\s+(?:caused|due|related|linked|triggered|because)\b",
    r"\b(?:appears|seems)\s+to\s+(?:be|have\s+been)\s+(?:caused|triggered|due|related|linked)\b",
    r"\bour\s+(?:working\s+|current\s+|main\s+)?(?:theory|hypothesis|guess)\b",
    # "…, die sich wahrscheinlich noch ändert" is about an estimate, not the cause.
    r"\b(?:vermutlich|wahrscheinlich)\b(?!(?:\s+\w+){0,3}?\s+(?:ändert|ändern|verschiebt|verschieben)\b)",
    r"\bmutma(?:ß|ss)lich\b",
    r"\bwir\s+gehen\s+(?:derzeit\s+|aktuell\s+|momentan\s+)?davon\s+aus\b",
    r"\bwir\s+(?:vermuten|glauben|nehmen\s+an)\b", r"\bVermutung\b",
    r"\bkönnte(?:n)?\b[^.!?\n]{0,80}?\b(?:verursacht|ausgelöst|liegen|zurückzuführen)\b",
    # French and Spanish
    r"\bnous\s+(?:pensons|supposons|soupçonnons|présumons|croyons)\b", r"\bnotre\s+hypothèse\b",
    r"\b(?:probablement|vraisemblablement|sans\s+doute|semblen?t?\s+(?:être\s+)?|pourrai(?:t|ent)\s+(?:être\s+)?)"
    r"\s*(?:dû|due|dus|dues|causée?s?|liée?s?|provoquée?s?|à\s+cause|imputable)",
    r"\b(?:creemos|pensamos|sospechamos|suponemos|presumimos)\b", r"\bnuestra\s+hipótesis\b",
    r"\b(?:probablemente|presuntamente|posiblemente|parece|parecen|podría|podrían)\s+(?:estar\s+|ser\s+|haber\s+sido\s+)?"
    r"(?:causad[oa]s?|debid[oa]s?|relacionad[oa]s?|provocad[oa]s?|por\s+culpa)\b",
)
_LIABILITY = _phrases(
    r"\bour\s+(?:own\s+)?fault\b", r"\bnegligen(?:ce|t|tly)\b",
    r"\bwe\s+(?:are|were|will\s+be)\s+(?:fully\s+|legally\s+)?liable\b", r"\bwe\s+accept\s+(?:full\s+)?liability\b",
    r"\bwe\s+(?:can\s+|do\s+)?guarantee\b", r"\b(?:fully|entirely|solely)\s+responsible\b",
    r"\bunsere\s+(?:eigene\s+)?Schuld\b", r"\bfahrlässig\w*", r"\bFahrlässigkeit\b",
    r"\bwir\s+haften\b", r"\bhaften\s+wir\b", r"\bwir\s+garantieren\b", r"\bgarantieren\s+wir\b",
    r"\bnotre\s+(?:propre\s+)?faute\b", r"\bnégligen(?:ce|t|te)s?\b", r"\bnous\s+garantissons\b",
    r"\bnous\s+(?:sommes|serons)\s+(?:entièrement\s+|pleinement\s+|juridiquement\s+)?responsables\b",
    r"\bnous\s+(?:assumons|acceptons)\s+(?:l['’]entière\s+|toute\s+la\s+|notre\s+)?responsabilité\b",
    r"\bnuestra\s+culpa\b", r"\bnegligen(?:cia|te)s?\b", r"\bgarantizamos\b",
    r"\b(?:somos|seremos)\s+(?:totalmente\s+|plenamente\s+|legalmente\s+)?responsables\b",
    r"\b(?:asumimos|aceptamos)\s+(?:toda\s+la\s+|plena\s+|nuestra\s+)?responsabilidad\b",
)
# An ETR is a time at which the problem will be over. The phrases below need a
# forward-looking word (will, should, expected to, we expect, voraussichtlich,
# wird, sollte, …) or are ETR labels (ETA, estimated time to resolution), so past
# facts ("service was restored at 14:00", "resolved at 10:00") do not match; the
# one phrase without such a word ("back online in 2 hours") is checked for a past
# tense before it. A time for the next update is not an ETR (_NOT_ETR_INSIDE), nor
# is "no ETA yet" (_ETR_NEGATED). The phrases are matched against the lower-cased
# text (see _lower_phrases): the rule runs as the user types.

#: Numbers as written in durations ("30", "1.5", "two", "a few", "zwei", "wenigen").
_ETR_NUM = (r"(?:[0-9]+(?:[.,][0-9]+)?|an?|one|two|three|four|five|six|eight|ten|twelve|fifteen|twenty|thirty|"
            r"forty[\s-]?five|a\s+few|a\s+couple(?:\s+of)?|several|half\s+an?|ein(?:e[mnr]?)?|zwei|drei|vier|fünf|"
            r"sechs|zehn|zwölf|fünfzehn|zwanzig|dreißig|wenigen?|einigen|ein\s+paar)")
_ETR_UNIT = (r"(?:minutes?|mins?|hours?|hrs?|h|days?|business\s+days?|working\s+days?|weeks?|"
             r"Minuten|Min|Stunden?|Std|Tag(?:en?)?|Werktag(?:en?)?|Wochen?)\b")
_ETR_DURATION = (
    rf"(?:{_ETR_NUM}(?:\s*(?:-|–|to|or|bis|oder)\s*{_ETR_NUM})?\s*{_ETR_UNIT}"
    rf"|(?:the|der|den|des)\s+(?:(?:next|coming|nächsten|kommenden)\s+)?"
    rf"(?:(?:{_ETR_NUM}|few|couple\s+of)\s+)?{_ETR_UNIT}"
    r"|half\s+an\s+hour|einer?\s+halben\s+Stunde)")
#: 14:00, 15:30 UTC, 10am, 3 p.m., 15 Uhr, 15.30 Uhr.
_ETR_CLOCK = (r"(?:[0-9]{1,2}:[0-9]{2}(?:\s*(?:[ap]\.m\.|[ap]\.?m\b|Uhr\b))?"
              r"|[0-9]{1,2}(?:[.:][0-9]{2})?\s*(?:[ap]\.m\.|[ap]\.?m\b|Uhr\b))"
              r"(?:[ \t]+(?:UTC|GMT|CES?T|MES?Z|[ECMP][SD]T|BST)\b)?")
_ETR_DAY = (r"(?:(?:later\s+)?(?:today|tonight|tomorrow|this\s+(?:morning|afternoon|evening|week))|"
            r"noon|midday|midnight|"
            r"(?:the\s+)?end\s+of\s+(?:the\s+)?(?:day|week|business\s+day)|EOD|COB|close\s+of\s+business|"
            r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|heute|morgen|Mittag|Mitternacht|Tagesende|Feierabend|"
            r"Ende\s+des\s+(?:Tages|Arbeitstages)|Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag)"
            r"(?:\s+(?:morning|afternoon|evening|night|früh|Vormittag|Mittag|Nachmittag|Abend|Nacht))?\b")
_ETR_DATE = (r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{2,4})?|"
             r"[0-9]{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|"
             r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+[0-9]{1,2}(?:st|nd|rd|th)?\b)")
_ETR_TIME = rf"(?:{_ETR_CLOCK}|{_ETR_DURATION}|{_ETR_DATE}|{_ETR_DAY})"
#: "about", "~", "etwa", "spätestens": words between a preposition and the time.
_ETR_QUAL = (r"(?:(?:about|around|approximately|roughly|circa|up\s+to|less\s+than|under|another|an\s+estimated|"
             r"etwa|ungefähr|rund|knapp|spätestens|höchstens|weniger\s+als|von)\b|approx\.|ca\.|~|≈)\s*")
_ETR_PREP = (r"(?:by|at|within|before|around|about|until|till|in|after|over|from|on|during|no\s+later\s+than|"
             r"(?:shortly|soon|sometime|some\s+time|not\s+long|just|right|early|later?)\s+(?:after|before|in|on|at|by)|"
             r"bis|gegen|um|ab|innerhalb|binnen|im\s+Laufe|kurz\s+(?:nach|vor)|nach|vor|am)\b")
#: A time for the end of the problem, with its preposition: "by 14:00", "within the hour", "in about 2 hours".
_ETR_WHEN = (rf"(?:{_ETR_PREP}\s*(?:{_ETR_QUAL})*{_ETR_TIME}"
             r"|(?:later\s+)?(?:today|tonight|tomorrow)\b(?:\s+(?:morning|afternoon|evening|night)\b)?"
             r"|later\s+this\s+(?:morning|afternoon|evening|week)\b"
             r"|(?:heute|morgen)\s+(?:früh|Vormittag|Mittag|Nachmittag|Abend|Nacht)\b|noch\s+heute\b|heute\s+noch\b"
             r"|morgen\b)")

#: Forward-looking words before a restoration ("will", "should", "expected to", "we hope to").
_ETR_FUTURE = (r"(?:\b(?:will|shall|should|may|might|could)|(?<=\w)['’]ll|\bwon['’]t|"
               r"\b(?:expected|likely|due|scheduled|set|planned|estimated|anticipated|projected|"
               r"going|hoping|aiming|planning|expecting|targeting|hope|expect|aim|plan|intend|want|target)\s+to)"
               r"(?:\s+(?:all|both|now|hopefully|probably|likely|definitely|then|also|not|fully|completely))*")
#: The state a service will be in: "resolved", "back online", "available again".
_ETR_STATE = (r"(?:resolved|fixed|restored|repaired|recovered|mitigated|"
              r"back(?:\s+(?:online|up|to\s+normal|in\s+service|in\s+operation))?|"
              r"(?:available|operational|online|accessible|reachable|usable|functional)(?:\s+again)?|"
              r"up\s+and\s+running(?:\s+again)?|up\s+again|running\s+(?:again|normally)|"
              r"working(?:\s+(?:again|normally|as\s+(?:normal|usual|expected)))?|"
              r"in\s+place|deployed|rolled\s+out|live|completed?|finished|caught\s+up)\b")
#: What someone does to end the problem: "resume", "resolve this", "have it fixed", "deploy a fix".
_ETR_ACTION = (r"(?:resume|return(?:\s+to\s+(?:normal|service|full\s+service))?|recover|normali[sz]e|"
               r"come\s+back(?:\s+(?:online|up))?|work\s+(?:again|normally|as\s+(?:normal|usual|expected))|"
               r"run\s+(?:again|normally)|function\s+(?:again|normally)|resolve|fix|restore|repair|mitigate|"
               r"(?:have|get|bring)(?:\s+[\w’'-]+){0,4}?\s+(?:resolved|fixed|restored|repaired|back|working|running|"
               r"up\s+and\s+running|up\s+again|online|sorted|in\s+place|deployed)|"
               r"(?:deploy|roll\s+out|ship|release|apply|install|push|have|get)\s+(?:a|an|the)\s+(?:[\w-]+\s+)?"
               r"(?:fix|patch|hotfix|repair|correction|solution|resolution))\b")
#: Up to four words between the restoration and its time ("restored for all customers by 14:00").
_ETR_FILL = r"(?:\s+[\w’'-]+){0,4}?"
#: German: a forward-looking verb, a time and the state, in either order within a sentence.
_ETR_DE_LEAD = (r"\b(?:wird|werden|sollte|sollten|soll|sollen|dürfte|dürften|müsste|müssten|"
                r"wir\s+(?:rechnen|erwarten|planen|hoffen|gehen\s+(?:derzeit\s+)?davon\s+aus))\b")
_ETR_DE_STATE = (r"\b(?:behoben|wiederhergestellt|gelöst|repariert|verfügbar|erreichbar|abgeschlossen|online|zurück|"
                 r"funktionsfähig|nutzbar|einsatzbereit|Behebung|Wiederherstellung|Lösung|Fehlerbehebung|"
                 r"wieder\s+(?:da|normal|\w+en))\b")
_ETR_GAP = r"[^.!?;\n]{0,60}?"
#: French and Spanish: a forward-looking word, a time and the restored state, in either order.
_ETR_FR_LEAD = (r"\b(?:sera|seront|devrait|devraient|devra|devront|"
                r"nous\s+(?:prévoyons|comptons|espérons|estimons|pensons|visons))\b")
_ETR_FR_STATE = (r"\b(?:résolue?s?|rétablie?s?|réparée?s?|corrigée?s?|disponibles?|opérationnel(?:le)?s?|en\s+ligne|"
                 r"accessibles?|terminée?s?|résolution|rétablissement|correctif|retour\s+à\s+la\s+normale)\b")
_ETR_FR_WHEN = (r"\b(?:d['’]ici|avant|vers|à|dans|sous|au\s+plus\s+tard\s+à)\s+(?:environ\s+|à\s+peu\s+près\s+)?"
                r"(?:[0-9]{1,2}(?::[0-9]{2}|\s*h(?:\s*[0-9]{2})?)\b|(?:[0-9]+|une?|deux|trois|quatre|quelques)\s+"
                r"(?:minutes?|heures?|jours?)\b|demain\b|ce\s+soir\b|ce\s+matin\b|cet\s+après-midi\b|"
                r"midi\b|minuit\b|la\s+fin\s+de\s+(?:la\s+)?journée\b)")
_ETR_ES_LEAD = (r"\b(?:estará|estarán|será|serán|debería|deberían|quedará|quedarán|"
                r"(?:prevemos|esperamos|estimamos|calculamos|contamos\s+con))\b")
_ETR_ES_STATE = (r"\b(?:resuelt[oa]s?|restablecid[oa]s?|reparad[oa]s?|solucionad[oa]s?|corregid[oa]s?|disponibles?|"
                 r"operativ[oa]s?|en\s+línea|accesibles?|completad[oa]s?|resolución|restablecimiento|solución|"
                 r"se\s+(?:resuelva|restablezca|solucione|corrija))(?!\w)")
_ETR_ES_WHEN = (r"\b(?:para|antes\s+de|hacia|a|sobre|en|dentro\s+de|a\s+más\s+tardar\s+a)\s+"
                r"(?:las\s+|la\s+|unas?\s+|aproximadamente\s+)*"
                r"(?:[0-9]{1,2}(?::[0-9]{2}|\s*h)\b|(?:[0-9]+|una?|dos|tres|cuatro|pocas|pocos)\s+"
                r"(?:minutos?|horas?|días?)\b|hoy\b|mañana\b|esta\s+(?:tarde|noche|mañana)\b|mediodía\b|"
                r"medianoche\b|final\s+del\s+día\b)")
#: "… nous vous informerons à 14:00", "… le informaremos a las 14:00": an update, not an ETR.
_ETR_NOT_UPDATE = r"(?![^.!?;\n]{0,40}?\b(?:informer\w*|tiendrons|mise\s+à\s+jour|informar\w*|actualizaci\w+)\b)"

#: ETR labels: "ETA", "estimated time to resolution", "expected resolution: …".
_ETR_ACRONYM = re.compile(r"\b(?:ETA|ETR|ETTR)\b")
_ETR_LABEL = _lower_phrases(
    r"\bestimated\s+time\s+(?:to|of)\s+(?:resolution|recovery|restoration|repair|fix)\b",
    r"\b(?:expected|estimated|anticipated|planned|projected|target(?:ed)?)\s+"
    r"(?:resolution|recovery|restoration|fix|repair|completion|return\s+to\s+service)\s*(?:time\s*)?"
    r"(?::|by|at|within|before|around|in)",
    r"\bvoraussichtliche[rn]?\s+(?:Behebung|Wiederherstellung|Lösung|Fehlerbehebung|Zeitpunkt)\b",
    r"\b(?:erwartete|geplante|geschätzte)[rn]?\s+(?:Behebung|Wiederherstellung|Lösung|Fehlerbehebung)\w*",
    r"\b(?:résolution|rétablissement)\s+(?:estimée?|prévue?|attendue?)\b",
    r"\b(?:resolución|restablecimiento)\s+(?:estimad[oa]|previst[oa])\b",
)
#: "no ETA yet", "we cannot give an ETA", "noch keine voraussichtliche …": not a promise.
_ETR_NEGATED = re.compile(
    r"(?:\bno|\bnot|n['’]t|\bcannot|\bwithout|\bnoch\s+kein\w*|\bkein\w*|\bohne)(?:\s+[\w’'-]+){0,3}?\s*$",
    re.IGNORECASE)
#: A time promised for the end of the problem.
_ETR = _lower_phrases(
    r"\b(?:expected|scheduled|planned|estimated|due)\s+to\s+be\s+(?:fully\s+)?"
    r"(?:resolved|fixed|restored|back|available|completed?|operational|online|up)\b",
    r"\b(?:resolution|fix|restoration|recovery)\s+(?:is\s+)?(?:expected|estimated|planned|anticipated)\s+"
    r"(?:by|at|within|before|around|in|for)\b",
    # "should be fixed by 15:30 UTC", "full service will resume at 09:00", "we expect to resolve this by 14:00"
    rf"{_ETR_FUTURE}\s+(?:(?:be|become|come|get)\s+(?:(?:fully|completely|largely|mostly|partially|partly|all)\s+)?"
    rf"{_ETR_STATE}|{_ETR_ACTION}){_ETR_FILL}\s+{_ETR_WHEN}",
    # "we anticipate a fix within the hour", "we expect service to be restored by tomorrow morning"
    r"(?:\b(?:we|I)\s+(?:currently\s+|now\s+|still\s+|do\s+)?)?"
    r"\b(?:expect(?:s|ing)?|anticipat(?:e|es|ing)|hop(?:e|es|ing)|aim(?:s|ing)?|plan(?:s|ning)?|intend(?:s|ing)?|"
    r"target(?:s|ing)?|foresee(?:s|ing)?)(?:\s+[\w’'-]+){0,5}?\s+"
    rf"(?:(?:(?:a|an|the|full|complete|normal|partial)\s+)*(?:fix|resolution|recovery|restoration|repair|"
    rf"return\s+to\s+(?:normal|service))\b|to\s+(?:(?:be|come|get)\s+)?{_ETR_STATE}|to\s+{_ETR_ACTION}|{_ETR_STATE})"
    rf"{_ETR_FILL}\s+{_ETR_WHEN}",
    r"\bvoraussichtlich\b[^.!?\n]{0,80}?\b(?:behoben|wiederhergestellt|verfügbar|abgeschlossen|gelöst|erreichbar)\b",
    r"\bbis\s+(?:(?:ca\.|circa|etwa|spätestens)\s+)?(?:[0-9]{1,2}(?:[:.][0-9]{2})?\s*Uhr|[0-9]{1,2}:[0-9]{2}|"
    r"[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{2,4})?|morgen|heute\s+\w+|Mittag|Mitternacht|Tagesende|Ende\s+des\s+Tages|"
    r"Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag)\b[^.!?\n]{0,60}?"
    r"\b(?:behoben|wiederhergestellt|gelöst|verfügbar)\b",
    r"\bBehebung\s+(?:ist\s+)?(?:bis|gegen|um)\b",
    # "Der Dienst sollte gegen 14 Uhr wieder verfügbar sein",
    # "Wir rechnen mit einer Lösung innerhalb der nächsten Stunde"
    rf"{_ETR_DE_LEAD}{_ETR_GAP}(?:{_ETR_WHEN}{_ETR_GAP}{_ETR_DE_STATE}|{_ETR_DE_STATE}{_ETR_GAP}{_ETR_WHEN})"
    # … but not "Wir werden Sie um 14 Uhr über die Behebung informieren".
    r"(?![^.!?;\n]{0,40}?\b(?:informieren|benachrichtigen|melden|mitteilen)\b)",
    rf"\b(?:Behebung|Wiederherstellung|Lösung|Fehlerbehebung)\s+(?:ist\s+|wird\s+)?(?:voraussichtlich\s+|erst\s+)?"
    rf"{_ETR_WHEN}",
    # "Le service devrait être rétabli d'ici 14:00", "Nous prévoyons une résolution dans deux heures"
    rf"{_ETR_FR_LEAD}{_ETR_GAP}(?:{_ETR_FR_WHEN}{_ETR_GAP}{_ETR_FR_STATE}|{_ETR_FR_STATE}{_ETR_GAP}{_ETR_FR_WHEN})"
    rf"{_ETR_NOT_UPDATE}",
    # "El servicio estará restablecido para las 14:00", "Prevemos que se resuelva en dos horas"
    rf"{_ETR_ES_LEAD}{_ETR_GAP}(?:{_ETR_ES_WHEN}{_ETR_GAP}{_ETR_ES_STATE}|{_ETR_ES_STATE}{_ETR_GAP}{_ETR_ES_WHEN})"
    rf"{_ETR_NOT_UPDATE}",
)
#: Without a forward-looking word, only "in two hours" makes "back online" a promise:
#: "back online in about 2 hours", "in etwa 30 Minuten wieder verfügbar".
_ETR_FRAGMENT = _lower_phrases(
    r"\b(?:back(?:\s+(?:online|up|to\s+normal|in\s+service))?|up\s+and\s+running(?:\s+again)?|"
    r"(?:online|available|working|running)\s+again)\s+(?:in|within)\s+"
    rf"(?:{_ETR_QUAL})*{_ETR_DURATION}",
    rf"\bin\s+(?:{_ETR_QUAL})*{_ETR_DURATION}\s+wieder\s+(?:online|verfügbar|erreichbar|nutzbar|da|\w+en)\b",
)
#: "was back online within 30 minutes", "war in 20 Minuten wieder da": a fact, not a promise.
_ETR_PAST_BEFORE = re.compile(
    r"\b(?:was|were|been|came|got|went|had|has|have|war|waren|wurde|wurden|hatte|hatten|hat|haben)\b"
    r"(?:\s+[\w’'-]+){0,2}\s*$", re.IGNORECASE)
#: The time after an ETR label or a phrase that ends on its preposition: "ETA 14:00", "ETR: 16:00 UTC",
#: "ETA for a fix is 14:00", "expected to be resolved by 16:00".
_ETR_TAIL = _lower_phrases(
    rf"(?:[ \t]*[:=~][ \t]*|[ \t]+)(?:(?:is|of|for(?:\s+[\w-]+){{1,3}}?(?:\s+is)?|{_ETR_PREP})\s*)?"
    rf"(?:{_ETR_QUAL})*{_ETR_TIME}")
#: Caveat words that are part of an ETR label ("estimated time to resolution", "geschätzte Behebung").
_ETR_OWN_CAVEAT_WORDS = ("estimat", "geschätzt")
#: A time for the next update, or a promise to get in touch, is not an ETR.
_NOT_ETR_INSIDE = re.compile(
    r"\b(?:updates?|updated|updating|information|news|summary|post-?mortem|in\s+touch|back\s+to\s+you|"
    r"Aktualisierung\w*|Statusmeldung|Meldung|Mitteilung|informieren|melden|Zusammenfassung)\b", re.IGNORECASE)

_CAVEAT = _phrases(
    r"\bestimate[sd]?\b", r"\bestimation\b",
    r"\b(?:may|might|could|can)\s+(?:still\s+)?change\b", r"\bsubject\s+to\s+change\b",
    r"\bwe(?:'ll|’ll|\s+will)\s+(?:update|keep\s+you\s+(?:updated|informed|posted)|let\s+you\s+know|confirm)\b",
    r"\btentative(?:ly)?\b", r"\bnot\s+(?:yet\s+)?(?:confirmed|guaranteed)\b", r"\bif\s+(?:this|that|it)\s+changes\b",
    r"\bSchätzung\b", r"\bgeschätzt\w*", r"\b(?:kann|können|könnte)\s+sich\s+(?:noch\s+)?ändern\b",
    r"\bunter\s+Vorbehalt\b", r"\bohne\s+Gewähr\b", r"\bÄnderungen\s+vorbehalten\b",
    r"\bwir\s+(?:informieren|aktualisieren|melden\s+uns)\b",
    # French and Spanish (the shipped templates' words)
    r"\bestimación\b", r"\bsusceptible\s+d[’']évoluer\b", r"\b(?:peut|pourrait)\s+(?:encore\s+)?évoluer\b",
    r"\b(?:puede|podría)\s+(?:todavía\s+)?cambiar\b",
)
_NEXT_UPDATE = _phrases(
    r"\bnext\s+update\b", r"\b(?:further|another)\s+update\b",
    r"\bwe(?:'ll|’ll|\s+will)\s+(?:update|provide|post|share|send|publish)\b",
    r"\b(?:n(?:ä|ae)chste|weitere)(?:s|n|r)?\s+(?:Aktualisierung|Update|Statusmeldung|Meldung|Mitteilung|"
    r"Information(?:en)?|Zwischenstand)\b",
    r"\bwir\s+(?:informieren|aktualisieren|melden\s+uns)\b",
    r"\b(?:prochaine|nouvelle)\s+mise\s+à\s+jour\b",
    r"\bnous\s+(?:vous\s+)?(?:publierons|enverrons|adresserons|communiquerons|tiendrons|informerons)\b",
    r"\b(?:próxima|nueva)\s+actualización\b",
    r"\b(?:publicaremos|enviaremos|facilitaremos|compartiremos|informaremos)\b",
)

#: A "Status:" label at the start of a line or after a sentence or a separator
#: ("Checkout errors – Status: Monitoring"), not "the order status: shipped".
_STATUS_LABEL = re.compile(
    r"(?:^[ \t>*_#\-•]*|(?<=[.!?|–—(\[])[ \t]*)(?:\*\*|__)?"
    r"(?:(?:incident[ \t\-]?|current[ \t]+|aktueller[ \t]+|störungs)?status|statut|estado)(?:\*\*|__)?[ \t]*[:：][ \t]*"
    r"(?P<value>[^\n]*)", re.IGNORECASE | re.MULTILINE)
_STATUS_OK = re.compile(
    r"(?:investigating|identified|mitigated|monitoring|resolved|"
    r"wird\s+untersucht|in\s+untersuchung|untersuchung|identifiziert|ursache\s+identifiziert|"
    r"auswirkungen\s+gemildert|gemildert|entschärft|eingedämmt|abgemildert|überwachung|wird\s+überwacht|beobachtung|wird\s+beobachtet|"
    r"behoben|gelöst|"
    r"analyse\s+en\s+cours|enquête\s+en\s+cours|cause\s+identifiée|identifiée?|impact\s+atténué|atténuée?|"
    r"sous\s+surveillance|surveillance\s+en\s+cours|résolue?|"
    r"en\s+investigación|investigando|causa\s+identificada|identificad[ao]|impacto\s+mitigado|mitigad[ao]|"
    r"en\s+observación|en\s+supervisión|resuelt[ao])(?!\w)", re.IGNORECASE)
_STATUS_TAG = re.compile(r"(?m)^[ \t]*\[(?P<value>[^\]\n]{1,30})\]")
_STATUS_TITLE_TAIL = re.compile(r"(?m)^[^\n]{3,}?[ \t][-–—:|][ \t]*(?P<value>[^\n\-–—:|]{1,30}?)[ \t]*$")
_SLANG_STATUS = frozenset({
    "fixed", "down", "up", "all good", "ok", "okay", "done", "closed", "solved", "open", "broken", "working",
    "green", "red", "amber", "yellow", "back up", "back online", "sorted", "restored", "fine", "online", "offline",
    "gefixt", "gefixed", "erledigt", "kaputt", "läuft", "läuft wieder", "alles gut", "alles ok", "grün", "rot",
    "ausgefallen", "wieder da", "wieder online",
})


# --------------------------------------------------------------------------- the rules

def _f(rule: str, blocking: bool, start: int, end: int, message: str, suggestion: str) -> Finding:
    return Finding(rule, blocking, start, end, message, suggestion)


def _location_findings(text: str, config: LintConfig) -> list[Finding]:
    internal, public, staff = _domains((tuple(config.internal_domains), tuple(config.public_hosts),
                                        tuple(config.staff_email_domains)))
    out: list[Finding] = []

    for s, e in _find_ipv4(text):
        out.append(_f("ip-address", True, s, e, _IP_MESSAGE, _IP_SUGGESTION))
    for s, e in _find_ipv6(text):
        out.append(_f("ip-address", True, s, e, _IP_MESSAGE, _IP_SUGGESTION))
    for m in _MAC.finditer(text):
        out.append(_f("mac-address", True, m.start(), m.end(),
                      "A MAC address identifies a piece of our hardware; it is internal detail.",
                      "Leave it out, or say 'a network device'."))

    url_spans: list[tuple[int, int]] = []
    for m in _URL.finditer(text):
        s, e = m.start(), rstrip_span(text, m.start(), m.end())
        url_spans.append((s, e))
        host = _url_host(text[s:e])
        if host and _is_internal_host(host, internal, public):
            out.append(_f("internal-host", True, s, e,
                          f"This link points to an internal system ({host}); outsiders cannot open it, and it "
                          "shows how our network is laid out.",
                          "Remove the link, or link to the public status page instead."))

    email_spans: list[tuple[int, int]] = []
    for m in _EMAIL.finditer(text):
        email_spans.append((m.start(), m.end()))
        local, domain = m.group(1).lower(), m.group(2).lower()
        if local in _ROLE_MAILBOXES and not _is_internal_host(m.group(2), internal, frozenset()):
            continue
        if _under(domain, staff) or _is_internal_host(m.group(2), internal, public):
            out.append(_f("staff-email", True, m.start(), m.end(),
                          "This is a staff member's e-mail address; publishing it invites spam, phishing and "
                          "direct contact that bypasses support.",
                          "Name the team instead, or give the public support address."))

    for m in _HOST.finditer(text):
        s, e = m.span(1)
        if any(a <= s < b for a, b in url_spans) or any(a <= s < b for a, b in email_spans):
            continue
        if _is_internal_host(m.group(1), internal, public):
            out.append(_f("internal-host", True, s, e,
                          f"'{m.group(1)}' is an internal host name; it shows how our systems are named and laid "
                          "out.",
                          "Describe the service instead, e.g. 'our order database' or 'the login service'."))

    for pattern in (_UNIX_PATH, _WINDOWS_PATH, _UNC_PATH):
        for m in pattern.finditer(text):
            s = m.start()
            e = rstrip_span(text, s, m.end())
            if e - s < 3 or any(a <= s < b for a, b in url_spans):
                continue
            out.append(_f("file-path", True, s, e,
                          "A file path on our servers or laptops is internal detail and can help an attacker.",
                          "Leave it out, or describe it, e.g. 'a configuration file'."))
    return out


def _secret_findings(text: str) -> list[Finding]:
    out = []
    for s, e, kind in secret_engine().scan(text):
        out.append(_f("secret", True, s, e, _SECRET_MESSAGE.format(kind=kind), _SECRET_SUGGESTION))
    return out


def _status_findings(text: str) -> list[Finding]:
    out: list[Finding] = []
    suggestion = "Use one of the status terms: " + ", ".join(STATUS_TERMS) + "."

    def check(value_start: int, raw: str, *, slang_only: bool) -> None:
        # The value: from the first letter to the end of its phrase (punctuation, a dash,
        # a bracket), at most a few words.
        m = re.match(r"[\s*_\[]*([^\W\d_][^\n.,;:!?()\[\]*_|–—]*)", raw)
        if m is None or "://" in raw:
            return
        value = m.group(1).rstrip()
        words = value.split()
        if slang_only:
            if value.lower() not in _SLANG_STATUS:
                return
        elif _STATUS_OK.match(value):
            return
        elif len(words) > 4:
            value = " ".join(words[:4])
        start = value_start + m.start(1)
        out.append(_f("status-term", False, start, start + len(value),
                      f"'{value}' is not one of our status terms; readers compare updates by these words.",
                      suggestion))

    for m in _STATUS_LABEL.finditer(text):
        check(m.start("value"), m.group("value"), slang_only=False)
    for m in _STATUS_TAG.finditer(text):
        check(m.start("value"), m.group("value"), slang_only=True)
    first_line_end = text.find("\n")
    first_line = text if first_line_end < 0 else text[:first_line_end]
    m = _STATUS_TITLE_TAIL.match(first_line)
    if m:
        check(m.start("value"), m.group("value"), slang_only=True)
    return out


def _etr_spans(text: str) -> list[tuple[int, int]]:
    """Each ETR in ``text``, from its first word to the time it promises; overlapping ones merged."""
    low = _lower(text)
    found: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        if low[start] in "'’":  # "We'll": from "We"
            while start > 0 and low[start - 1].isalnum():
                start -= 1
        tail = _ETR_TAIL.match(low, end)
        if tail is not None:
            end = tail.end()
        if not _NOT_ETR_INSIDE.search(low, start, end):
            found.append((start, end))

    for pattern, source in ((_ETR_ACRONYM, text), (_ETR_LABEL, low)):
        for m in pattern.finditer(source):
            if not _ETR_NEGATED.search(low, max(0, m.start() - 40), m.start()):
                add(m.start(), m.end())
    for m in _ETR.finditer(low):
        add(m.start(), m.end())
    for m in _ETR_FRAGMENT.finditer(low):
        if not _ETR_PAST_BEFORE.search(low, max(0, m.start() - 40), m.start()):
            add(m.start(), m.end())
    found.sort()
    merged: list[tuple[int, int]] = []
    for s, e in found:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _last_line_span(text: str) -> tuple[int, int] | None:
    end = len(text.rstrip())
    if end == 0:
        return None
    start = text.rfind("\n", 0, end) + 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def lint(text: str, *, external: bool, status: str | None = None, channel: str | None = None,
         config: LintConfig | None = None) -> list[Finding]:
    """Check a status update before it is published.

    external: the audience is outside the company (customers, partners, regulators).
    status: the incident's status value ("investigating", "identified", "mitigated", "monitoring",
    "resolved") or None. channel: "long" | "short" | "chat" | None. Findings sorted by start offset.
    """
    config = config or _DEFAULT_CONFIG
    findings: list[Finding] = []
    status_value = status.strip().lower() if status else None

    if external:
        findings += _location_findings(text, config)
    findings += _secret_findings(text)

    if status_value == "investigating":
        for m in _SPECULATION.finditer(text):
            findings.append(_f("speculation", False, m.start(), m.end(),
                               "This guesses at the cause while we are still investigating; if the guess is wrong, "
                               "the correction costs trust.",
                               "Say what is known and what is being checked, e.g. 'We are investigating the cause.'"))

    if external:
        for m in _LIABILITY.finditer(text):
            findings.append(_f("liability", False, m.start(), m.end(),
                               "This wording admits fault or liability, or promises more than we can keep; it can "
                               "be quoted back in a claim.",
                               "Apologise for the impact instead, e.g. 'We are sorry for the disruption this "
                               "caused.' Have Legal approve statements about fault or guarantees."))

    etr = _etr_spans(text)
    if etr:
        # "estimated" in "estimated time to resolution" is part of the ETR, not a caveat.
        caveated = any(not (m.group().lower().startswith(_ETR_OWN_CAVEAT_WORDS)
                            and any(a <= m.start() < b for a, b in etr))
                       for m in _CAVEAT.finditer(text))
        if not caveated:
            for s, e in etr:
                findings.append(_f("etr-caveat", False, s, e,
                                   "A resolution time without a caveat reads as a promise; if it slips, readers "
                                   "feel misled.",
                                   "Add that it is an estimate, e.g. 'This is an estimate and may change; we will "
                                   "update you if it does.'"))

    findings += _status_findings(text)

    if channel is not None:
        # The configured limits override the defaults channel by channel.
        limit = config.channel_limits.get(channel, DEFAULT_CHANNEL_LIMITS.get(channel))
        if limit is not None and len(text) > limit:
            findings.append(_f("too-long", False, limit, len(text),
                               f"The text has {len(text):,} characters; the {channel} format allows {limit:,}. "
                               "The rest may be cut off.",
                               "Shorten it, or link to the status page for details."))

    if (status_value is not None and status_value != "resolved" and channel in (None, "long")
            and not _NEXT_UPDATE.search(text)):
        span = _last_line_span(text)
        if span is not None:
            findings.append(_f("next-update", False, span[0], span[1],
                               "The update does not say when the next one will come; readers keep refreshing and "
                               "call support.",
                               "Add a time for the next update, e.g. 'Next update by 15:30 UTC.'"))

    return _tidy(findings)


def _tidy(findings: list[Finding]) -> list[Finding]:
    """Drop findings inside another finding of the same rule; sort by position."""
    findings.sort(key=lambda f: (f.start, -f.end, f.rule))
    out: list[Finding] = []
    widest: dict[str, int] = {}
    for f in findings:
        if f.end <= f.start:
            continue
        if widest.get(f.rule, -1) >= f.end:
            continue
        widest[f.rule] = f.end
        out.append(f)
    return out
