"""The stakeholder register: who hears from us, with validated contacts, kept
current before an incident (the validation report), not during one.

An exercise plays with its scenario's own stakeholders, never the register's: each
is made for its exercise incident alone (``exercise_id``), stored under a name
tagged with that incident (:func:`exercise_name`) and shown under the scenario's
(:func:`shown_name`). The register, and every real incident, leaves them out; an
exercise incident addresses its own alone (:func:`register_of`). An exercise
started before exercises kept their own addresses the register, as it did.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from warroom import inputs
from warroom.errors import BadRows, InputError, NotFound
from warroom.ids import uuid7
from warroom.services import access, audiences, regimes
from warroom.services.access import Action
from warroom.services.audiences import check_locale, check_zone
from warroom.store import Store
from warroom.store.models import Exercise, Person, Stakeholder
from warroom.text.timeparse import parse_when

FIELDS = ("name", "kind", "audience", "email", "phone", "slack", "teams", "timezone", "locale", "owner",
          "success_manager", "jurisdiction", "verified_at", "key_account", "components")
KINDS = ("person", "group")
#: Contacts not verified for this long are stale in the validation report.
STALE_AFTER = timedelta(days=90)
#: The largest CSV or vCard file an import reads.
MAX_IMPORT = 10 * inputs.MIB

#: The longest stored name of a stakeholder (the column's width).
MAX_NAME = 200
#: How an exercise's stakeholder's stored name ends: ``~`` and 8 hex digits of its incident.
_EXERCISE_TAG = re.compile(r"~[0-9a-f]{8}$")

#: A cell starting with one of these is a formula to a spreadsheet (OWASP's CSV
#: injection list): the export puts an apostrophe in front, the import takes it off.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class StakeholderView:
    id: uuid.UUID
    name: str
    kind: str
    audience: str
    external: bool
    email: str | None
    phone: str | None
    slack: str | None
    teams: str | None
    timezone: str | None
    locale: str | None
    owner: str | None
    success_manager: str | None
    jurisdiction: str | None
    verified_at: datetime | None
    #: A key account: gets a personal update drafted for its success manager.
    key_account: bool = False
    #: The components this account uses (as incidents name them).
    components: tuple[str, ...] = ()
    #: The exercise incident it was made for (None: the real register); ``name`` is then the scenario's.
    exercise_id: uuid.UUID | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["components"] = list(self.components)
        if self.exercise_id is None:
            del out["exercise_id"]
        return out


def _view(r: Stakeholder) -> StakeholderView:
    return StakeholderView(r.id, shown_name(r.name, r.exercise_id), r.kind, r.audience, r.external, r.email, r.phone,
                           r.slack, r.teams, r.timezone, r.locale, r.owner, r.success_manager, r.jurisdiction,
                           r.verified_at, bool(r.key_account), tuple(r.components or ()), r.exercise_id)


# -- whose stakeholders ---------------------------------------------------------

def exercise_name(name: str, exercise_id: uuid.UUID) -> str:
    """The stored name of an exercise's stakeholder: the scenario's name and the end of
    the exercise incident's id (``Board~1a2b3c4d``), so it never takes a real
    stakeholder's name, nor another exercise's."""
    return f"{name[:MAX_NAME - 9]}~{exercise_id.hex[-8:]}"


def shown_name(name: str, exercise_id: uuid.UUID | None) -> str:
    """A stored name as people see it: an exercise's stakeholder's without its tag."""
    return name.rsplit("~", 1)[0] if exercise_id is not None else name


def in_register(exercise_id: uuid.UUID | None):
    """The SQL condition for the stakeholders of one register: an exercise's own, or (None) the real one."""
    return Stakeholder.exercise_id.is_(None) if exercise_id is None else Stakeholder.exercise_id == exercise_id


def register_of(session, incident) -> uuid.UUID | None:
    """Whose stakeholders an incident (a row or a view) addresses: an exercise's own (its
    incident's id), or None, the real register: for a real incident, and for an
    exercise started before exercises kept their own (whose stakeholders are real)."""
    if incident is None or not getattr(incident, "exercise", False):
        return None
    row = session.get(Exercise, incident.id)
    return incident.id if row is not None and "stakeholders" in (row.owned or {}) else None


def find_row(session, name: str, exercise_id: uuid.UUID | None = None) -> Stakeholder | None:
    """A stakeholder of one register by the name people see (None: there is none)."""
    stored = exercise_name(name, exercise_id) if exercise_id is not None else name
    return session.scalars(select(Stakeholder).where(Stakeholder.name == stored, in_register(exercise_id))).first()


#: What a CSV cell or a form says for "yes, a key account".
YES = ("yes", "y", "true", "1", "x", "ja")
NO = ("", "no", "n", "false", "0", "nein")
#: The most components one account names, and the longest name of one.
MAX_COMPONENTS, MAX_COMPONENT = 50, 100


def clean_flag(value: Any, *, field: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InputError(f"{field.replace('_', ' ')} is yes or no, not {value!r}.", field=field)


def clean_components(value: Any) -> list[str] | None:
    """Component names from a list or a text separated by commas or semicolons
    (as incidents name them), without repeats; None when there are none."""
    if value is None:
        return None
    items = value if isinstance(value, (list, tuple)) else str(value).replace(";", ",").split(",")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InputError("Components are names.", field="components")
        inputs.check_plain(item, field="components", what="A component's name")
        name = " ".join(item.split())
        if len(name) > MAX_COMPONENT:
            raise InputError(f"The component name {name[:40]!r}… is over {MAX_COMPONENT} characters.",
                             field="components")
        if name and name.casefold() not in {o.casefold() for o in out}:
            out.append(name)
    if len(out) > MAX_COMPONENTS:
        raise InputError(f"{len(out)} components: name at most {MAX_COMPONENTS}.", field="components")
    return out or None


def clean_email(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InputError(f"{value!r} is not an e-mail address: {exc}") from None


def clean_phone(value: str | None, region: str | None = None) -> str | None:
    """A phone number in E.164 (+4930123456); national forms need a region (DE, US…)."""
    if not value or not value.strip():
        return None
    try:
        number = phonenumbers.parse(value.strip(), region)
    except phonenumbers.NumberParseException:
        raise InputError(f"{value!r} is not a phone number; give it as +49 30 1234567.") from None
    if not phonenumbers.is_valid_number(number):
        raise InputError(f"{value!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _clean(data: dict[str, Any], *, now: datetime, where: str = "",
           problems: list[tuple[str | None, str]] | None = None) -> dict[str, Any]:
    """The stakeholder's fields checked and normalised. The first bad field raises,
    unless ``problems`` is given: then every bad field is added to it as (field,
    message) and the rest is still checked (an import names them all at once)."""
    bad_fields: set[str | None] = set()

    def bad(field: str | None, message: str) -> None:
        if problems is None:
            raise InputError(message, field=field)
        if field not in bad_fields:
            bad_fields.add(field)
            problems.append((field, message))

    for name_ in FIELDS + ("region",):
        try:
            inputs.check_fields(data, (name_,), where=where)
        except InputError as exc:
            bad(exc.field, str(exc))
    prefix = f"{where}: " if where else ""
    name = " ".join(str(data.get("name") or "").split())
    if not name or len(name) > 200:
        bad("name", f"{prefix}a stakeholder needs a name (up to 200 characters).")
    prefix = f"{where} ({name}): " if where else f"{name}: "
    kind = (data.get("kind") or "person").strip().lower()
    if kind not in KINDS:
        bad("kind", f"{prefix}kind is person or group, not {kind!r}.")
    clean = {"name": name, "kind": kind, "audience": (data.get("audience") or "").strip().lower()}
    for name_of, check in (("email", lambda: clean_email(data.get("email"))),
                         ("phone", lambda: clean_phone(data.get("phone"), data.get("region") or None))):
        if name_of in bad_fields:
            continue
        try:
            clean[name_of] = check()
        except InputError as exc:
            bad(name_of, f"{prefix}{exc}")
    for name_of in ("slack", "teams", "owner", "success_manager", "jurisdiction"):
        value = (data.get(name_of) or "").strip()
        clean[name_of] = value[:200] or None
    for name_of, check in (("timezone", audiences.check_zone), ("locale", audiences.check_locale)):
        if name_of in bad_fields:
            continue
        try:
            clean[name_of] = check(data[name_of]) if data.get(name_of) else None
        except InputError as exc:
            bad(name_of, f"{prefix}{exc}")
    verified = data.get("verified_at")
    if isinstance(verified, str) and verified.strip() and "verified_at" not in bad_fields:
        try:
            verified = parse_when(verified, now=now)
        except InputError as exc:
            bad("verified_at", f"{prefix}verified_at: {exc}")
            verified = None
        if verified is not None and verified > now:
            bad("verified_at", f"{prefix}verified_at is in the future.")
    clean["verified_at"] = verified or None
    for name_of, check in (("key_account", lambda: clean_flag(data.get("key_account"), field="key_account")),
                         ("components", lambda: clean_components(data.get("components")))):
        try:
            clean[name_of] = check()
        except InputError as exc:
            bad(name_of, f"{prefix}{exc}")
            clean[name_of] = None if name_of == "components" else False
    return clean


def manager_address(session, name: str | None, exercise_id: uuid.UUID | None = None) -> str | None:
    """The e-mail of a key account's success manager: a person in the people register
    or a stakeholder of the account's register (``exercise_id``: an exercise's), by
    name, whose address passes the checks; else None."""
    if not name:
        return None
    stakeholder = find_row(session, name, exercise_id)
    for email in (session.scalar(select(Person.email).where(Person.name == name)),
                  stakeholder.email if stakeholder is not None else None):
        if email:
            try:
                return clean_email(email)
            except InputError:
                return None
    return None


def _check_key_account(session, clean: dict[str, Any], prefix: str, exercise: uuid.UUID | None) -> None:
    if not clean.get("key_account"):
        return
    manager = clean.get("success_manager")
    if not manager:
        raise InputError(f"{prefix}a key account needs a success manager (--success-manager NAME): their "
                         "personal updates are drafted for them.", field="success_manager")
    if manager == clean["name"]:
        raise InputError(f"{prefix}a key account is not its own success manager.", field="success_manager")
    if manager_address(session, manager, exercise) is None:
        raise InputError(f"{prefix}the success manager {manager!r} must be a person or stakeholder with a valid "
                         "e-mail address: add them first (person add / stakeholder add --email).",
                         field="success_manager")


def _save_one(tx, clean: dict[str, Any], known_audiences: dict[str, bool], prefix: str,
              exercise: uuid.UUID | None = None) -> Stakeholder:
    if clean["audience"] not in known_audiences:
        raise InputError(f"{prefix}unknown audience {clean['audience']!r}: choose one of "
                         f"{', '.join(sorted(known_audiences))}.", field="audience")
    if exercise is None and _EXERCISE_TAG.search(clean["name"]):
        raise InputError(f"{prefix}a name ending in ~ and 8 hex digits is how an exercise tags its own "
                         "stakeholders: leave the tag off.", field="name")
    _check_key_account(tx.session, clean, prefix, exercise)
    row = find_row(tx.session, clean["name"], exercise)
    external = known_audiences[clean["audience"]]
    if row is None:
        stored = dict(clean, name=exercise_name(clean["name"], exercise)) if exercise is not None else clean
        row = Stakeholder(id=uuid7(), external=external, exercise_id=exercise, created_at=tx.now, updated_at=tx.now,
                          **stored)
        tx.session.add(row)
        payload = {**stored, "id": row.id, "external": external}
        if exercise is not None:
            payload["exercise_id"] = exercise
        tx.record("stakeholder.added", payload)
    else:
        changes = {k: [getattr(row, k), v] for k, v in clean.items() if k != "name" and getattr(row, k) != v}
        if changes:
            for k, (_old, v) in changes.items():
                setattr(row, k, v)
            row.external = external
            row.updated_at = tx.now
            tx.record("stakeholder.changed", {"name": row.name, "changes": changes, "external": external})
    return row


def save(store: Store, actor: str, *, exercise: uuid.UUID | None = None, **data: Any) -> StakeholderView:
    """Add a stakeholder to the register, or change the one of that name (``exercise``:
    a stakeholder of that exercise incident's alone, stored as :func:`exercise_name`)."""
    known = {a.name: a.external for a in audiences.list_audiences(store)}
    clean = _clean(data, now=store.clock.now())
    with store.write(actor) as tx:
        access.require(tx, Action.STAKEHOLDERS)
        row = _save_one(tx, clean, known, f"{clean['name']}: ", exercise)
        tx.session.flush()
        return _view(row)


def edit(store: Store, actor: str, name: str, **changes: Any) -> StakeholderView:
    """Change only the given fields of a stakeholder already in the register (``None``
    values are left as they are; an empty text clears)."""
    current = get(store, name)
    data = {f: getattr(current, f) for f in FIELDS if f != "verified_at"}
    data["verified_at"] = current.verified_at
    data["components"] = list(current.components) or None
    data.update({k: v for k, v in changes.items() if v is not None})
    return save(store, actor, **data)


def list_stakeholders(store: Store, *, audience: str | None = None, search: str | None = None,
                      exercise: uuid.UUID | None = None) -> list[StakeholderView]:
    """The real register (``exercise``: that exercise incident's own stakeholders instead)."""
    with store.read() as session:
        stmt = select(Stakeholder).where(in_register(exercise)).order_by(Stakeholder.audience, Stakeholder.name)
        if audience:
            stmt = stmt.where(Stakeholder.audience == audience)
        rows = [_view(r) for r in session.scalars(stmt)]
    if search:
        words = search.lower().split()
        rows = [r for r in rows if all(w in f"{r.name} {r.email or ''} {r.audience} {r.owner or ''}".lower()
                                       for w in words)]
    return rows


def for_incident(store: Store, incident, *, audience: str | None = None,
                 search: str | None = None) -> list[StakeholderView]:
    """The stakeholders an incident (a row or a view) addresses: an exercise's own, else the register."""
    with store.read() as session:
        exercise = register_of(session, incident)
    return list_stakeholders(store, audience=audience, search=search, exercise=exercise)


def read_file(path: str | Path) -> str:
    """A CSV or vCard file to import (``-``: standard input), at most :data:`MAX_IMPORT` bytes."""
    return inputs.read_text(path, MAX_IMPORT)


def to_cell(value: str) -> str:
    """A value as a CSV cell a spreadsheet shows as text: a leading formula character
    (or an apostrophe, so the escape is undone exactly) gets an apostrophe in front."""
    if value.startswith(FORMULA_START) or value.startswith("'"):
        return "'" + value
    return value


def from_cell(cell: str) -> str:
    """The value of a cell :func:`to_cell` wrote: a leading apostrophe before a formula
    character or another apostrophe is the escape, and goes."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START + ("'",)):
        return cell[1:]
    return cell


def import_csv(store: Store, actor: str, text: str, *, source: str = "CSV") -> int:
    """Validate every row first; a bad row imports nothing and names its line.

    A cell the export escaped (``'=…``) is read back as it was (``=…``)."""
    if len(text) > MAX_IMPORT:
        raise InputError(f"{source} is over {MAX_IMPORT // inputs.MIB} MB; import it in parts.", field="file")
    try:
        return _import_rows(store, actor, text, source)
    except csv.Error as exc:
        raise InputError(f"{source} cannot be read as CSV: {exc}.", field="file") from None


def _import_rows(store: Store, actor: str, text: str, source: str, *, cards: bool = False) -> int:
    """Check every row, then save them all in one transaction; any bad row saves
    nothing, and :class:`BadRows` names every one (``cards``: numbered as vCards)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "name" not in [f.strip() for f in reader.fieldnames]:
        raise InputError(f"{source}: the first line must name the columns, including 'name' and 'audience'.")
    known = {a.name: a.external for a in audiences.list_audiences(store)}
    now = store.clock.now()
    cleaned = []
    seen: dict[str, int] = {}
    bad_rows: list[tuple[int, str | None, str]] = []
    for line_no, row in enumerate(reader, start=2):
        number = line_no - 1 if cards else line_no
        row = {(k or "").strip(): from_cell(v) if isinstance(v, str) else "" for k, v in row.items()}
        where = f"{source} {'card' if cards else 'line'} {number}"
        problems: list[tuple[str | None, str]] = []
        clean = _clean(row, now=now, where=where, problems=problems)
        if clean["audience"] not in known and not any(f == "audience" for f, _ in problems):
            problems.append(("audience", f"{where} ({clean['name']}): unknown audience {clean['audience']!r}: "
                                         f"choose one of {', '.join(sorted(known))}."))
        if clean["name"] and clean["name"] in seen:
            problems.append(("name", f"{where}: {clean['name']!r} appears twice (also line {seen[clean['name']]})."))
        seen.setdefault(clean["name"], number)
        bad_rows.extend((number, field, message) for field, message in problems)
        cleaned.append(clean)
    if bad_rows:
        raise BadRows(source, bad_rows, unit="card" if cards else "line")
    with store.write(actor, warn_ms=None) as tx:
        access.require(tx, Action.STAKEHOLDERS)
        for clean in cleaned:
            _save_one(tx, clean, known, "")
    return len(cleaned)


def import_vcard(store: Store, actor: str, text: str, *, audience: str, source: str = "vCard",
                 region: str | None = None) -> int:
    """People from vCards (an address book export) into one audience; validated
    whole like a CSV import."""
    import vobject

    rows = []
    try:
        cards = list(vobject.readComponents(text))
    except Exception as exc:  # vobject raises its own ParseError and others on bad input
        raise InputError(f"{source} cannot be read as vCards: {exc}") from None
    for i, card in enumerate(cards, start=1):
        name = getattr(card, "fn", None)
        if name is None:
            raise InputError(f"{source} card {i}: no name (FN).")
        email = getattr(card, "email", None)
        tel = getattr(card, "tel", None)
        rows.append({"name": str(name.value), "audience": audience, "email": email.value if email else "",
                     "phone": tel.value if tel else "", "region": region or "",
                     "owner": "", "success_manager": "",
                     "jurisdiction": "", "kind": "person",
                     "slack": "", "teams": "", "timezone": "", "locale": "",
                     "verified_at": ""})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f for f in FIELDS] + ["region"], extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: to_cell(v) for k, v in row.items()} for row in rows)
    return _import_rows(store, actor, buffer.getvalue(), source, cards=True)


def export_csv(store: Store) -> str:
    """The register as CSV. A cell a spreadsheet would run as a formula (``=``, ``+``,
    ``-``, ``@``, tab, carriage return first) starts with an apostrophe instead."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for s in list_stakeholders(store):
        row = {f: getattr(s, f) for f in FIELDS}
        row["verified_at"] = s.verified_at.strftime("%Y-%m-%dT%H:%M:%SZ") if s.verified_at else ""
        row["key_account"] = "yes" if s.key_account else ""
        row["components"] = "; ".join(s.components)
        writer.writerow({k: to_cell("" if v is None else str(v)) for k, v in row.items()})
    return buffer.getvalue()


@dataclass(frozen=True)
class ValidationReport:
    missing: list[str]
    stale: list[str]
    total: int
    #: Stored contacts that no longer pass the checks (written by an older version,
    #: or by hand): an address, number, zone or locale a channel would refuse.
    invalid: list[str] = field(default_factory=list)
    #: Worth a look but not a failed check: a regulator no regulatory clock will name.
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.stale and not self.invalid


def _invalid(s: StakeholderView) -> list[str]:
    problems = []
    for label, value, check in (("e-mail", s.email, clean_email), ("phone", s.phone, clean_phone),
                                ("time zone", s.timezone, check_zone), ("locale", s.locale, check_locale)):
        if not value:
            continue
        try:
            cleaned = check(value)
        except InputError as exc:
            problems.append(f"{s.name}: {label} {value!r}: {exc}")
            continue
        if label == "phone" and cleaned != value:
            problems.append(f"{s.name}: phone {value!r} is not stored in E.164 ({cleaned})")
    return problems


def _regulator_warning(s: StakeholderView) -> str | None:
    """Why a regulators stakeholder is named by no regulatory clock, or None: its
    jurisdiction is empty or matches no shipped regime's (see
    :func:`warroom.services.regimes.jurisdiction_codes`)."""
    if s.audience != "regulators":        # obligations.REGULATORS: the audience whose updates answer the clocks
        return None
    shipped = regimes.regime_jurisdictions()
    codes = ", ".join(sorted(shipped))
    if not (s.jurisdiction or "").strip():
        return (f"{s.name} (regulators): no jurisdiction, so no regulatory clock names it as the one to notify "
                f"(give one of {codes}; an EU member state's code counts as EU)")
    if not regimes.jurisdiction_codes(s.jurisdiction) & shipped:
        return (f"{s.name} (regulators): jurisdiction {s.jurisdiction!r} matches no regime War room ships "
                f"({codes}; an EU member state's code counts as EU), so no clock names it")
    return None


def validate(store: Store, *, stale_after: timedelta = STALE_AFTER) -> ValidationReport:
    """Before an incident: who cannot be reached, whose contacts are stale, which
    regulator no regulatory clock would name (a warning)."""
    now = store.clock.now()
    missing, stale, invalid, warnings = [], [], [], []
    rows = list_stakeholders(store)
    for s in rows:
        invalid += _invalid(s)
        warning = _regulator_warning(s)
        if warning:
            warnings.append(warning)
        if not (s.email or s.phone or s.slack or s.teams):
            missing.append(f"{s.name} ({s.audience}): no contact at all")
        elif s.external and not (s.email or s.phone):
            missing.append(f"{s.name} ({s.audience}): external, but no e-mail or phone")
        if s.verified_at is None:
            stale.append(f"{s.name}: contacts never verified")
        elif now - s.verified_at > stale_after:
            stale.append(f"{s.name}: contacts last verified {s.verified_at:%Y-%m-%d}")
    return ValidationReport(missing, stale, len(rows), invalid, warnings)


def get(store: Store, name: str) -> StakeholderView:
    for s in list_stakeholders(store):
        if s.name == " ".join(name.split()):
            return s
    raise NotFound(f"No stakeholder {name!r}.")
