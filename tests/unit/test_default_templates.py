"""The templates a new database imports: complete, renderable, and clean by the linter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom.app import open_store
from warroom.domain import Category, Impact, Severity, Status
from warroom.text.lint import lint
from warroom.text.render import render
from warroom.services import audiences, context, templates
from warroom.services.incidents import IncidentView
from warroom.services.settings import Org
from warroom.text.lint import LintConfig


@pytest.fixture(scope="module")
def defaults(tmp_path_factory):
    from warroom.clock import SimulatedClock
    from tests.conftest import T0

    store = open_store(tmp_path_factory.mktemp("defaults") / "w.db", clock=SimulatedClock(T0))
    yield store, templates.list_templates(store), {a.name: a for a in audiences.list_audiences(store)}
    store.close()


def test_the_shipped_set_is_complete(defaults):
    _, rows, _ = defaults
    have = {(t.category, t.audience, t.phase, t.locale) for t in rows}
    for locale in ("en", "de", "fr", "es"):
        for category in ("network", "application", "security", "third_party"):
            for audience in ("executives", "employees", "customers"):
                for phase in ("initial", "update", "resolved"):
                    assert (category, audience, phase, locale) in have
        holding = {(t.category, t.audience) for t in rows if t.phase == "holding" and t.locale == locale}
        assert {("security", "customers"), ("any", "customers"), ("third_party", "customers")} <= holding
    assert all(t.preapproved for t in rows if t.phase == "holding")
    assert not any(t.preapproved for t in rows if t.phase != "holding")


def test_importing_again_changes_nothing(defaults):
    store, rows, _ = defaults
    assert templates.ensure_defaults(store) == 0
    assert len(templates.list_templates(store)) == len(rows)


def _incident(category: Category, status: Status, components: tuple[str, ...], now) -> IncidentView:
    return IncidentView(
        id=None, ref="INC-42", title="Payments failing for some customers", category=category,
        severity=Severity.SEV2, impact=Impact.PARTIAL_OUTAGE, status=status, customer_facing=True,
        components=components, commander="Dana Okafor", confidential=False, exercise=False,
        detected_at=now - timedelta(minutes=20), declared_at=now - timedelta(minutes=15), status_changed_at=now,
        resolved_at=now if status == Status.RESOLVED else None, last_update_at=None, updated_at=now,
        next_update_due=None if status == Status.RESOLVED else now + timedelta(minutes=30))


PHASE_STATUS = {"initial": Status.INVESTIGATING, "holding": Status.INVESTIGATING, "update": Status.IDENTIFIED,
                "resolved": Status.RESOLVED}
CONFIG = LintConfig(public_hosts=("status.example.com",))


def _contexts(t, category, now, org):
    status = PHASE_STATUS.get(t.phase, Status(t.phase) if t.phase in {s.value for s in Status} else Status.IDENTIFIED)
    for components in ((), ("Checkout", "Payments", "Public API")):
        for etr in (None, context.make_etr(now + timedelta(hours=2), confidence="low", assessor="Ravi")):
            if etr is not None and status == Status.RESOLVED:
                continue
            yield status, context.context(_incident(category, status, components, now), locale=t.locale, now=now,
                                          etr=etr, zone="Europe/Berlin", org=org)


ORG = Org("Example Corp", "https://status.example.com")


def test_every_default_renders_for_every_category(defaults):
    store, rows, _ = defaults
    now = store.clock.now()
    for category in Category:
        for t in rows:
            for _status, ctx in _contexts(t, category, now, ORG):
                for field in ("subject", "long", "short", "chat"):
                    text = render(getattr(t, field), ctx, locale=t.locale, zone="Europe/Berlin", now=now)
                    assert text.strip(), (t.locale, t.name, field)
                    if field == "subject":
                        assert "\n" not in text.strip(), (t.locale, t.name)


def test_every_default_passes_the_linter_for_its_audience(defaults):
    store, rows, auds = defaults
    now = store.clock.now()
    problems = []
    for t in rows:
        category = Category.OTHER if t.category == "any" else Category(t.category)
        for status, ctx in _contexts(t, category, now, ORG):
            for field in ("long", "short", "chat"):
                text = render(getattr(t, field), ctx, locale=t.locale, zone="Europe/Berlin", now=now)
                for f in lint(text, external=auds[t.audience].external, status=status.value, channel=field,
                              config=CONFIG):
                    problems.append(f"{t.locale}/{t.name} {field}: [{f.rule}] {text[f.start:f.end]!r}")
    assert problems == []


def test_english_sms_stays_in_gsm7(defaults):
    """US 12-hour times carry a narrow no-break space in CLDR; it must not make SMS Unicode."""
    store, rows, _ = defaults
    now = store.clock.now()
    t = next(t for t in rows if t.name == "network-customers-update" and t.locale == "en")
    _status, ctx = next(_contexts(t, Category.NETWORK, now, ORG))
    text = render(t.short, ctx, locale="en_US", zone="America/New_York", now=now)
    from warroom.text.smslength import sms_length

    assert sms_length(text.strip()).encoding == "GSM-7", text


@pytest.mark.parametrize("locale", ["de", "fr", "es"])
def test_update_templates_say_the_status_in_every_language(defaults, locale):
    """The status sentence follows the status, in German, French and Spanish as in English."""
    store, rows, _ = defaults
    now = store.clock.now()
    t = next(t for t in rows if t.name == "network-customers-update" and t.locale == locale)
    texts = set()
    for status in (Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED, Status.MONITORING):
        ctx = context.context(_incident(Category.NETWORK, status, (), now), locale=locale, now=now, org=ORG)
        text = render(t.long, ctx, locale=locale, zone="UTC", now=now)
        assert context.label(status, locale) in text
        texts.add(text)
    assert len(texts) == 4


@pytest.mark.parametrize(("locale", "label", "identified", "resolved", "caveat", "resolved_words"), [
    ("fr", "Statut :", "Cause identifiée", "Résolu", "Il s'agit d'une première estimation, qui évoluera probablement",
     "est résolu"),
    ("es", "Estado:", "Causa identificada", "Resuelto", "Se trata de una estimación preliminar que probablemente cambie",
     "está resuelto"),
])
def test_a_french_or_spanish_audience_reads_the_status_and_the_caveat_in_its_language(
        tmp_path, clock, locale, label, identified, resolved, caveat, resolved_words):
    from tests.helpers.team import team
    from warroom.services import compose, incidents

    store = open_store(tmp_path / "w.db", clock=clock)
    team(store)
    inc = incidents.open_incident(store, "Dana", title="Checkout failing at db-7.corp", severity="SEV2",
                                  category="network", components=["Checkout"], customer_facing=True)
    incidents.set_status(store, "Dana", inc.ref, "identified")
    etr = context.make_etr(clock.now() + timedelta(hours=2), confidence="low", assessor="Ravi")
    r = compose.render_update(store, inc.ref, audience="customers", viewer="Dana", locale=locale, etr=etr,
                              phase="update")
    assert (r.template.name, r.template.locale) == ("network-customers-update", locale)
    for text in (r.long, r.chat):
        assert f"{label} {identified}" in text and caveat in text, text
    assert r.subject.startswith(identified)
    assert "Identified" not in r.long + r.short + r.chat and "estimate" not in r.long
    incidents.set_status(store, "Dana", inc.ref, "resolved")
    r = compose.render_update(store, inc.ref, audience="customers", viewer="Dana", locale=locale)
    assert r.template.phase == "resolved" and r.subject.startswith(resolved) and resolved_words in r.long
    store.close()
