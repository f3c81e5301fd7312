"""Status-update templates: versions, selection, import and export.

Selection (:func:`select`) picks the most specific template for an incident and
an audience, falling back in this order:

1. the incident's category, the audience, the phase, the locale (``de_CH``);
2. the same with the locale's language only (``de``);
3. category ``any`` instead of the incident's, in the locale, then its language;
4. for a status term as phase (``identified`` …): all of the above with phase ``update``
   (and for ``final``: with ``resolved``);
5. all of the above in English.

Among templates with the same key, the one saved first wins (the query is ordered).
"""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from babel import Locale
from sqlalchemy import select

from warroom import inputs, shipped
from warroom.clock import UTC
from warroom.domain import Category, Role, Status
from warroom.errors import BadRows, InputError, NotFound, NotPermitted
from warroom.ids import uuid7
from warroom.services import access, context
from warroom.services.access import Action
from warroom.services.audiences import check_locale
from warroom.store import Store
from warroom.store.models import Audience, Meta, Template, TemplateApproval, TemplateVersion
from warroom.text.render import TemplateError, check_syntax, render_many, variables

#: Phases a template can be for: the first update, progress, the last one, a holding
#: statement, the post-incident report (what happened, the cause, what changed and the
#: follow-up actions), a notification to regulators (chosen by name, never by default),
#: a FAQ bulletin, a key account's personal update, or a specific status term.
PHASES = ("initial", "update", "resolved", "holding", "final", "postincident", "notification", "faq",
          "keyaccount") + tuple(s.value for s in Status)
CATEGORIES = ("any",) + tuple(c.value for c in Category)
CHANNELS = ("long", "short", "chat")
MAX_BODY = 20_000
#: The largest template file an import reads (JSON or TOML).
MAX_FILE = 10 * inputs.MIB
EXPORT_FORMAT = "warroom-templates"


@dataclass(frozen=True, slots=True)
class TemplateView:
    id: uuid.UUID
    name: str
    locale: str
    category: str
    audience: str
    phase: str
    preapproved: bool
    version: int
    subject: str
    long: str
    short: str
    chat: str
    author: str
    updated_at: datetime
    content_hash: str
    #: The public title's template ("": the audience's default).
    title: str = ""
    #: This version went through comms and legal review for pre-approval.
    reviewed: bool = False

    def body(self, channel: str) -> str:
        if channel not in CHANNELS:
            raise InputError(f"Unknown channel format {channel!r}: choose long, short or chat.")
        return getattr(self, channel)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items()
                if k not in ("id", "updated_at", "author", "content_hash", "reviewed")}


def content_hash(subject: str, long: str, short: str, chat: str, title: str = "") -> str:
    """The words' fingerprint; a title is part of it when there is one (hashes made
    before titles existed stay valid)."""
    words = [subject, long, short, chat] + ([title] if title else [])
    data = json.dumps(words, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _view(t: Template, v: TemplateVersion, reviewed: bool = False) -> TemplateView:
    return TemplateView(t.id, t.name, t.locale, t.category, t.audience, t.phase, t.preapproved, v.version,
                        v.subject, v.long, v.short, v.chat, v.author, v.created_at, v.content_hash, v.title or "",
                        reviewed)


#: The reviews that make a template version a pre-approved holding statement.
PREAPPROVAL_ROLES = ("comms_reviewer", "legal_reviewer")


def _reviewed(session, template_ids) -> set[tuple[uuid.UUID, int, str]]:
    """(template, version, content hash) of the versions comms and legal both approved."""
    roles: dict[tuple[uuid.UUID, int, str], set[str]] = {}
    if not template_ids:
        return set()
    for tid, version, digest, role in session.execute(
            select(TemplateApproval.template_id, TemplateApproval.version, TemplateApproval.content_hash,
                   TemplateApproval.role).where(TemplateApproval.template_id.in_(list(template_ids)))):
        roles.setdefault((tid, version, digest), set()).add(role)
    return {key for key, got in roles.items() if set(PREAPPROVAL_ROLES) <= got}


def _current(session, stmt) -> list[TemplateView]:
    rows = session.execute(
        stmt.join(TemplateVersion, (TemplateVersion.template_id == Template.id)
                  & (TemplateVersion.version == Template.current_version))
        .add_columns(TemplateVersion)
    ).all()
    reviewed = _reviewed(session, {t.id for t, _v in rows if t.preapproved})
    return [_view(t, v, (t.id, v.version, v.content_hash) in reviewed) for t, v in rows]


def preapproved(session, template_id: uuid.UUID | None, version: int | None) -> bool:
    """Whether this exact version is a pre-approved holding statement: marked as one,
    and reviewed by comms and legal (both recorded) on these very words."""
    if template_id is None or version is None:
        return False
    t = session.get(Template, template_id)
    if t is None or not t.preapproved:
        return False
    v = session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == template_id,
                                                      TemplateVersion.version == version)).first()
    return v is not None and (template_id, version, v.content_hash) in _reviewed(session, {template_id})


def approve_version(store: Store, actor: str, name: str, locale: str | None = None, *,
                    version: int | None = None, role: str | None = None) -> TemplateView:
    """Record a comms or legal review of one template version for pre-approval. With
    both, that version (and only it) is published unchanged without review."""
    t0 = get(store, name, locale)
    with store.write(actor) as tx:
        w = access.require(tx, Action.PREAPPROVE)
        t = tx.session.get(Template, t0.id)
        if not t.preapproved:
            raise InputError(f"{t.name} is not a holding statement (marked pre-approved); only those are "
                             "reviewed for pre-approval.", field="template")
        number = version or t.current_version
        v = tx.session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == t.id,
                                                             TemplateVersion.version == number)).first()
        if v is None:
            raise NotFound(f"{t.name} has versions 1 to {t.current_version}.", field="version")
        mine = [r for r in PREAPPROVAL_ROLES if Role(r) in w.roles or w.system or w.open_register]
        if role:
            mine = [r for r in mine if r == Role.parse(role).value]
        done = {a.role: a.decided_by for a in tx.session.scalars(select(TemplateApproval).where(
            TemplateApproval.template_id == t.id, TemplateApproval.version == number))}
        mine = [r for r in mine if r not in done]
        if not mine:
            raise NotPermitted(f"Nothing for {actor} to review on {t.name} v{number}: comms and legal review it, "
                               f"and {', '.join(sorted(done)) or 'neither'} already did.", field="actor")
        if v.author == actor:
            raise NotPermitted("Nobody pre-approves their own words: ask another reviewer.", field="actor")
        if actor in done.values():
            raise NotPermitted(f"{actor} already reviewed this version; the other review must come from someone "
                               "else.", field="actor")
        approval = TemplateApproval(id=uuid7(), template_id=t.id, version=number, content_hash=v.content_hash,
                                    role=mine[0], decided_by=actor, decided_at=tx.now)
        tx.session.add(approval)
        tx.record("template.approved", {"template_id": t.id, "name": t.name, "locale": t.locale, "version": number,
                                        "content_hash": v.content_hash, "role": mine[0], "approval_id": approval.id})
    return get(store, name, t0.locale)


def list_templates(store: Store, *, category: str | None = None, audience: str | None = None,
                   locale: str | None = None, phase: str | None = None) -> list[TemplateView]:
    stmt = select(Template)
    for column, value in ((Template.category, category), (Template.audience, audience),
                          (Template.locale, locale), (Template.phase, phase)):
        if value:
            stmt = stmt.where(column == value)
    stmt = stmt.order_by(Template.category, Template.audience, Template.phase, Template.locale, Template.name)
    with store.read() as session:
        return _current(session, stmt)


def get(store: Store, name: str, locale: str | None = None) -> TemplateView:
    stmt = select(Template).where(Template.name == name)
    if locale:
        stmt = stmt.where(Template.locale == check_locale(locale))
    with store.read() as session:
        found = _current(session, stmt)
    if not found:
        raise NotFound(f"No template {name!r}" + (f" in {locale}" if locale else "") +
                       ": the template list shows them.", field="template")
    if len(found) > 1:
        raise InputError(f"Template {name!r} exists in {', '.join(t.locale for t in found)}: add --locale.")
    return found[0]


def versions(store: Store, template_id: uuid.UUID) -> list[TemplateView]:
    with store.read() as session:
        t = session.get(Template, template_id)
        if t is None:
            raise NotFound("No such template.")
        rows = session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == template_id)
                               .order_by(TemplateVersion.version)).all()
        reviewed = _reviewed(session, {t.id}) if t.preapproved else set()
        return [_view(t, v, (t.id, v.version, v.content_hash) in reviewed) for v in rows]


# -- validation and saving -----------------------------------------------------------

def _clean(data: dict[str, Any], audiences: dict[str, bool], where: str = "", *,
           check: bool = True) -> dict[str, Any]:
    """``audiences``: name -> external."""
    prefix = f"{where}: " if where else ""
    missing = [k for k in ("name", "locale", "category", "audience", "phase", "subject", "long", "short", "chat")
               if not isinstance(data.get(k), str)]
    if missing:
        raise InputError(f"{prefix}missing or not text: {', '.join(missing)}.")
    inputs.check_fields(data, ("name", "locale", "category", "audience", "phase", "title", "subject", "long",
                               "short", "chat"), where=where, multiline=("long", "short", "chat"))
    clean = {k: data[k] for k in ("name", "subject", "long", "short", "chat")}
    title = data.get("title", "")
    if not isinstance(title, str):
        raise InputError(f"{prefix}title must be text.", field="title")
    clean["title"] = " ".join(title.split())
    clean["name"] = clean["name"].strip()
    if not clean["name"] or len(clean["name"]) > 100:
        raise InputError(f"{prefix}a template needs a name of up to 100 characters.", field="name")
    prefix = f"{where} ({clean['name']}): " if where else f"{clean['name']}: "
    clean["locale"] = check_locale(data["locale"])
    category = data["category"].strip().lower().replace("-", "_")
    if category not in CATEGORIES:
        raise InputError(f"{prefix}unknown category {data['category']!r}: choose one of {', '.join(CATEGORIES)}.")
    clean["category"] = category
    audience = data["audience"].strip().lower()
    if audience not in audiences:
        raise InputError(f"{prefix}unknown audience {audience!r}: choose one of {', '.join(sorted(audiences))}.")
    clean["audience"] = audience
    phase = data["phase"].strip().lower()
    if phase not in PHASES:
        raise InputError(f"{prefix}unknown phase {phase!r}: choose one of {', '.join(PHASES)}.")
    clean["phase"] = phase
    pre = data.get("preapproved", False)
    if not isinstance(pre, bool):
        raise InputError(f"{prefix}preapproved is true or false, not {pre!r}.")
    clean["preapproved"] = pre
    if "\n" in clean["subject"].strip():
        raise InputError(f"{prefix}the subject is one line.", field="subject")
    for field in ("title", "subject", "long", "short", "chat"):
        if len(clean[field]) > MAX_BODY:
            raise InputError(f"{prefix}the {field} text is over {MAX_BODY:,} characters.")
        error = check_syntax(clean[field]) if check else None
        if error is not None:
            raise InputError(f"{prefix}{field}, {error}")
    if not clean["long"].strip():
        raise InputError(f"{prefix}the long text (status page and e-mail) is empty.")
    if check:
        _check_renders(clean, prefix, audiences[audience])
    return clean


#: The longest the import check may take for one template (every shape, every field).
CHECK_SECONDS = 20.0


def _check_renders(clean: dict[str, Any], prefix: str, external: bool) -> None:
    """Render against made-up incidents of every shape (:func:`context.sample_shapes`:
    each status, with and without components, an ETR, the next update; internal
    and external audiences). An unknown variable is refused now, not when someone
    composes an update with it mid-incident; so is a template that hits a render
    limit (time, memory, output size) in any shape, however rare — a payload behind
    an ``{% if %}`` included. The template's own kind of audience must render
    cleanly; the other kind (the matrix can lend an audience's templates to
    another) must stay within the limits. For an external audience the internal
    title is not there to use."""
    fields = ("subject", "long", "short", "chat")
    names = set().union(*(variables(clean[f]) for f in ("title", *fields)))
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    shapes = context.sample_shapes(now, etr="etr" in names, next_update="update" in names,
                                   audiences=(external, not external), followups="followups" in names,
                                   clocks="clocks" in names)
    started = time.monotonic()
    for shape in shapes:
        ctx = context.context(shape.incident, locale=clean["locale"], now=now, etr=shape.etr, next_at=shape.next_at,
                              external=shape.external, title="Sample title", followups=shape.followups,
                              clocks=shape.clocks)
        title_source = clean["title"] or context.default_title(clean["locale"], shape.external)
        jobs = [("title", title_source), *((f, clean[f]) for f in fields)]
        results = render_many([(source, ctx) for _field, source in jobs], locale=clean["locale"], now=now)
        for (field, _source), result in zip(jobs, results):
            if not isinstance(result, TemplateError):
                continue
            if shape.external != external and result.limit is None:
                continue  # words for insiders need not suit outsiders, only stay within bounds
            hint = (" External audiences never see the incident's internal title: use title, the public one."
                    if shape.external and "title" in str(result) else "")
            raise InputError(f"{prefix}{field}, {result} (for {shape.describe()}).{hint}", field=field)
        if time.monotonic() - started > CHECK_SECONDS:
            raise InputError(f"{prefix}the template renders too slowly: checking it against {len(shapes)} made-up "
                             f"incidents took over {CHECK_SECONDS:g} s.")


def _audience_names(session) -> dict[str, bool]:
    """Audience name -> external."""
    return {name: external for name, external in session.execute(select(Audience.name, Audience.external))}


def shipped_id(name: str, locale: str) -> uuid.UUID:
    """Shipped templates get the same id on every device, so team sync sees one."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"warroom:template:{locale}:{name}")


def _save(tx, clean: dict[str, Any], *, template_id: uuid.UUID | None = None) -> tuple[Template, TemplateVersion, bool]:
    """Create the template or add a version; returns (template, version, changed)."""
    session = tx.session
    digest = content_hash(clean["subject"], clean["long"], clean["short"], clean["chat"], clean["title"])
    t = session.scalars(select(Template).where(Template.name == clean["name"],
                                                Template.locale == clean["locale"])).first()
    if t is not None:
        current = session.scalars(select(TemplateVersion).where(
            TemplateVersion.template_id == t.id, TemplateVersion.version == t.current_version)).one()
        same_meta = (t.category, t.audience, t.phase, t.preapproved) == (
            clean["category"], clean["audience"], clean["phase"], clean["preapproved"])
        if current.content_hash == digest and same_meta:
            return t, current, False
        t.category, t.audience, t.phase, t.preapproved = (clean["category"], clean["audience"], clean["phase"],
                                                          clean["preapproved"])
        t.current_version += 1
        t.updated_at = tx.now
    else:
        t = Template(id=template_id or uuid7(), name=clean["name"], locale=clean["locale"], category=clean["category"],
                     audience=clean["audience"], phase=clean["phase"], preapproved=clean["preapproved"],
                     current_version=1, created_at=tx.now, updated_at=tx.now)
        session.add(t)
    v = TemplateVersion(id=uuid7(), template_id=t.id, version=t.current_version, subject=clean["subject"],
                        long=clean["long"], short=clean["short"], chat=clean["chat"], author=tx.actor,
                        created_at=tx.now, content_hash=digest, title=clean["title"])
    session.add(v)
    # The journal keeps every version's words: an audit can show what a template said when.
    tx.record("template.saved", {"template_id": t.id, "name": t.name, "locale": t.locale, "version": v.version,
                                 "category": t.category, "audience": t.audience, "phase": t.phase,
                                 "preapproved": t.preapproved, "subject": v.subject, "long": v.long,
                                 "short": v.short, "chat": v.chat, "title": v.title, "content_hash": digest,
                                 "version_id": v.id})
    return t, v, True


def save(store: Store, actor: str, **data: Any) -> TemplateView:
    """Create a template, or save a new version of it (editing never overwrites)."""
    with store.write(actor) as tx:
        access.require(tx, Action.TEMPLATES)
        clean = _clean(data, _audience_names(tx.session))
        t, v, _changed = _save(tx, clean)
        tx.session.flush()
        return _view(t, v)


def import_many(store: Store, actor: str, items: Iterable[dict[str, Any]], *, source: str = "",
                check: bool = True, shipped: bool = False) -> tuple[int, int]:
    """Validate every template first, then save them in one transaction: a bad file
    imports nothing. Returns (new versions, unchanged). ``check=False`` skips the
    template syntax check (for the shipped set, which the test suite renders whole)."""
    items = list(items)
    with store.write(actor, warn_ms=None) as tx:
        access.require(tx, Action.TEMPLATES)
        names = _audience_names(tx.session)
        cleaned, bad = [], []
        for i, item in enumerate(items, 1):  # every bad template is named at once
            try:
                cleaned.append(_clean(item if isinstance(item, dict) else {}, names,
                                      where=f"{source} template {i}".strip(), check=check))
            except InputError as exc:
                bad.append((i, exc.field, str(exc)))
        seen: set[tuple[str, str]] = set()
        for c in cleaned:
            key = (c["name"], c["locale"])
            if key in seen:
                bad.append((0, "name", f"{source}: the template {c['name']!r} ({c['locale']}) appears twice."))
            seen.add(key)
        if bad:
            raise BadRows(source or "The templates", bad, unit="template")
        # One flush at the end rather than one per template (names are unique in the batch,
        # checked above): a new database imports some 300 shipped templates on open.
        with tx.session.no_autoflush:
            changed = sum(1 for c in cleaned
                          if _save(tx, c, template_id=shipped_id(c["name"], c["locale"]) if shipped else None)[2])
    return changed, len(cleaned) - changed


def read_file(path: Path) -> list[dict[str, Any]]:
    """Templates from a JSON export or a TOML file with ``[[template]]`` tables."""
    text = inputs.read_text(path, MAX_FILE)
    try:
        if path.suffix.lower() == ".toml":
            doc = tomllib.loads(text)
            items = doc.get("template", [])
        else:
            doc = json.loads(text)
            if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
                raise InputError(f"{path} is not a War room template export (no \"format\": \"{EXPORT_FORMAT}\").")
            items = doc.get("templates", [])
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} cannot be read: {exc}.") from None
    if not isinstance(items, list):
        raise InputError(f"{path}: the templates must be a list.")
    return items


def export(store: Store) -> str:
    doc = {"format": EXPORT_FORMAT, "version": 1,
           "templates": [t.as_dict() for t in list_templates(store)]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


#: The shipped files and the ``meta`` key of their fingerprint (see :mod:`warroom.shipped`).
default_files = shipped.template_files
DEFAULTS_KEY = shipped.DEFAULTS_KEY


def ensure_defaults(store: Store, actor: str = access.SYSTEM) -> int:
    """Import the shipped templates a database does not have yet.

    Runs on every open, cheaply: the shipped set's digest is kept, and only when it
    differs (a new database, a new release) are templates added — never over one the
    users have (an edited default stays as they left it)."""
    fingerprint, texts = shipped.read_set()
    with store.read() as session:
        row = session.get(Meta, DEFAULTS_KEY)
        if row is not None and row.value == fingerprint:
            return 0
        # Templates someone has edited are theirs: a new release leaves them alone.
        # Those only the shipped set ever wrote follow the shipped text.
        edited = set(session.execute(
            select(Template.name, Template.locale).join(TemplateVersion, TemplateVersion.template_id == Template.id)
            .where(TemplateVersion.author != actor)).all())
    items: list[dict[str, Any]] = []
    for locale, name, text in texts:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"The shipped template file {locale}/{name} is broken: {exc}.") from None
        for item in doc.get("template", []):
            item = {"locale": locale, **item}
            if (item.get("name"), check_locale(locale)) not in edited:
                items.append(item)
    changed, _ = (import_many(store, actor, items, source="default templates", check=False, shipped=True)
                  if items else (0, 0))
    with store.write(actor) as tx:
        row = tx.session.get(Meta, DEFAULTS_KEY)
        if row is None:
            tx.session.add(Meta(key=DEFAULTS_KEY, value=fingerprint))
        else:
            row.value = fingerprint
        tx.record("templates.defaults_imported", {"added": changed, "fingerprint": fingerprint})
    return changed


# -- selection ---------------------------------------------------------------------------

def _language(locale: str) -> str:
    return Locale.parse(locale).language


def select_template(store: Store, *, category: str, audience: str, phase: str, locale: str = "en") -> TemplateView:
    """The most specific template (see the module's docstring for the order)."""
    locale = check_locale(locale)
    with store.read() as session:
        rows = _current(session, select(Template).where(Template.audience == audience)
                        .order_by(Template.created_at.desc(), Template.id.desc()))
    if not rows:
        raise NotFound(f"No template for the audience {audience!r}; add one in the template editor.")
    table = {(t.category, t.phase, t.locale): t for t in rows}
    for candidate in candidate_keys(category, phase, locale):
        if candidate in table:
            return table[candidate]
    raise NotFound(f"No template for {audience} / {phase} / {category} in {locale} or English; "
                   "add one in the template editor.")


def candidate_keys(category: str, phase: str, locale: str) -> list[tuple[str, str, str]]:
    own = [locale] + ([_language(locale)] if _language(locale) != locale else [])
    phases = [phase] + (["update"] if phase in {s.value for s in Status} - {"resolved"} else []) + \
        (["resolved"] if phase == "final" else [])
    keys: list[tuple[str, str, str]] = []
    for loc_group in (own, ["en"]):  # the user's locale and its language first, then English
        for ph in phases:
            for cat in (category, "any"):
                for loc in loc_group:
                    key = (cat, ph, loc)
                    if key not in keys:
                        keys.append(key)
    return keys
