"""Post-incident reports: a template per audience in English, German, French and Spanish, with the
incident's follow-up actions in them (outsiders without the owners' names), checked
like any template at import, and taken through the normal review and publish flow
onto the status page."""

from __future__ import annotations

import json

import pytest

from tests.helpers.delivery import make_dispatcher
from tests.helpers.team import team
from warroom.app import open_store
from warroom.errors import InputError
from warroom.identity import SYSTEM
from warroom.services import (
    compose, drafts, followups, incidents, matrix, publishing, review, templates,
)
from warroom.paths import resource

AUDIENCES = ("customers", "executives", "employees", "it", "partners", "regulators")
EXTERNAL = {"customers", "partners", "regulators"}
#: Words each language's report uses for its sections.
LOCALES = ("en", "de", "fr", "es")
SECTIONS = {"en": ("What happened", "What we will change"), "de": ("Was geschah", "ändern werden"),
            "fr": ("Ce qui s'est passé", "Ce que nous allons changer"), "es": ("Qué ocurrió", "Qué vamos a cambiar")}
SECTIONS_REGULATORS = {"en": ("Root cause", "Measures planned"), "de": ("Ursache", "Geplante Maßnahmen"),
                       "fr": ("Cause", "Mesures prévues"), "es": ("Causa", "Medidas previstas")}
#: A follow-up's due date (2026-12-20) as each language writes it out (Babel, CLDR's long date).
DUE = {"en": "December 20, 2026", "de": "20. Dezember 2026", "fr": "20 décembre 2026",
       "es": "20 de diciembre de 2026"}
APOLOGY = {"en": "apologise", "de": "entschuldigen", "fr": "excuser", "es": "disculpas"}
OVERDUE = {"en": "overdue", "de": "überfällig", "fr": "en retard", "es": "vencida"}


@pytest.fixture
def resolved(tmp_path, clock):
    store = open_store(tmp_path / "w.db", clock=clock)
    team(store)
    inc = incidents.open_incident(store, "Dana", title="Checkout failing at db-7.corp", severity="SEV2",
                                  category="application", components=["Checkout"], customer_facing=True)
    done = followups.add_followup(store, "Dana", inc.ref, "Added an alert on the payment error rate",
                                  owner="Ravi Shah", due="2026-11-30")
    followups.mark_done(store, "Ravi Shah", done.ref)
    followups.add_followup(store, "Dana", inc.ref, "Test the checkout failover every quarter", owner="Mia Lindqvist",
                           due="2026-12-20")
    followups.add_followup(store, "Dana", inc.ref, "Review the capacity plan", owner="Lea Braun",
                           due="2026-11-01")                                   # already overdue
    incidents.set_status(store, "Dana", inc.ref, "resolved")
    yield store, inc
    store.close()


def test_every_audience_has_a_report_in_every_language_that_passes_the_import_checks(resolved):
    store, _inc = resolved
    shipped = {(t.audience, t.locale) for t in templates.list_templates(store, phase="postincident")}
    assert shipped == {(a, loc) for a in AUDIENCES for loc in LOCALES}
    for locale in LOCALES:
        items = [{**item, "locale": locale}
                 for item in templates.read_file(resource("templates") / locale / "postincident.toml")]
        # check=True: every template rendered against every incident shape, follow-ups included.
        assert templates.import_many(store, SYSTEM, items, source=f"{locale}/postincident.toml") == (0, len(items))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_report_lists_the_follow_ups_and_outsiders_never_see_their_owners(resolved, audience, locale):
    store, inc = resolved
    r = compose.render_update(store, inc.ref, audience=audience, viewer="Dana", locale=locale, phase="postincident")
    assert r.template.phase == "postincident" and r.template.locale == locale
    text = r.long
    sections = SECTIONS_REGULATORS if audience == "regulators" else SECTIONS
    assert all(word in text for word in sections[locale]), text
    for words in ("Added an alert on the payment error rate", "Test the checkout failover every quarter",
                  "Review the capacity plan"):
        assert words in text, (audience, locale)
    assert DUE[locale] in text
    owners = ("Ravi Shah", "Mia Lindqvist", "Lea Braun")
    if audience in EXTERNAL:
        assert not any(name in field for name in owners for field in (r.title, r.subject, r.long, r.short, r.chat))
        assert "db-7.corp" not in r.subject + r.title + text     # nor the internal title
    else:
        assert all(name in text for name in owners[1:])
    if audience in ("customers", "partners"):
        assert APOLOGY[locale] in text
    if audience in ("executives", "it"):
        assert OVERDUE[locale] in text.lower()


def test_a_report_for_outsiders_that_names_an_owner_is_refused_at_import(resolved):
    store, _inc = resolved
    t = templates.get(store, "any-customers-postincident", "en")
    with pytest.raises(InputError, match="owner") as caught:
        templates.save(store, "admin", **{**t.as_dict(), "name": "leaky-report",
                                          "long": t.long + "\n{% for f in followups %}{{ f.owner }}{% endfor %}"})
    assert caught.value.field == "long"
    # Insiders' reports may name them.
    e = templates.get(store, "any-employees-postincident", "en")
    templates.save(store, "admin", **{**e.as_dict(), "name": "named-report",
                                      "long": e.long + "\n{% for f in followups %}{{ f.owner }}{% endfor %}"})


def test_the_customers_report_is_reviewed_published_and_shown_on_the_status_page(world, clock, tmp_path):
    matrix.set_cell(world, "admin", "customers", "all", channels="site")
    inc = incidents.open_incident(world, "Dana", title="Checkout failing at db-7.corp", severity="SEV2",
                                  category="application", components=["Checkout"], customer_facing=True)
    f = followups.add_followup(world, "Dana", inc.ref, "Fail over the payment provider automatically",
                               owner="Ravi Shah", due="2026-12-20")
    incidents.set_status(world, "Dana", inc.ref, "resolved")
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"], phase="postincident")[0]
    assert d.state == "draft" and d.template == "any-customers-postincident"
    review.submit(world, "Sam Writer", d.id, acknowledge=True)
    assert review.decide(world, "Ravi Shah", d.id, "approve", acknowledge=True) == "in_review"
    assert review.decide(world, "Mia Lindqvist", d.id, "approve", acknowledge=True) == "approved"
    publishing.publish(world, "Dana", d.id, acknowledge=True)
    assert make_dispatcher(world, clock).run_once().delivered >= 1
    public = json.loads((tmp_path / "site" / "api" / "v2" / "incidents.json").read_text())
    [shown] = public["incidents"]
    assert shown["name"] == "Service disruption: Checkout" and shown["status"] == "resolved"
    body = shown["incident_updates"][0]["body"]
    assert "Post-incident report" in body and f.text in body and "December 20, 2026" in body
    built = "".join(p.read_text() for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert "Ravi Shah" not in built and "db-7.corp" not in built
    assert "Post-incident report" in (tmp_path / "site" / "index.html").read_text()
