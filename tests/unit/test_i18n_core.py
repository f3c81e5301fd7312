"""The core's words in German, French and Spanish (the ``warroom`` catalogs): complete,
with their placeholders, in step with the code, and used where people read them —
status and impact labels, ETR wording and caveats, the default public title, the
retraction notice — with dates and lists written the audience's way (Babel)."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from warroom import i18n
from warroom.clock import UTC
from warroom.domain import Category, Impact, Severity, Status
from warroom.paths import resource
from warroom.services import context, publishing
from warroom.services.followups import FollowupView
from warroom.text.render import format_when, render

LANGS = ("de", "fr", "es")
PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)[sd]|%[sd]")
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _catalog(name: str):
    node = resource("locale", *name.split("/"))
    return read_po(io.BytesIO(node.read_bytes()))


def _code_messages() -> set[str]:
    import warroom

    folder = warroom.__path__[0]
    return {msg for _f, _l, msg, _c, _ctx in extract_from_dir(folder, method_map=[("**.py", "python")],
                                                               keywords={"N_": None}) if msg}


@pytest.mark.parametrize("lang", LANGS)
def test_each_catalog_is_at_least_95_percent_translated(lang):
    done, total = i18n.coverage("warroom", lang)
    assert total >= 25
    assert done / total >= 0.95, (lang, done, total)


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_their_placeholders(lang):
    for m in _catalog(f"{lang}/LC_MESSAGES/warroom.po"):
        if m.id and m.string:
            assert Counter(PLACEHOLDER.findall(m.id)) == Counter(PLACEHOLDER.findall(m.string)), (lang, m.id)


def test_the_catalogs_are_in_step_with_the_code():
    """What Babel extracts from warroom/ (the N_() marks) is the template, and every
    language's catalog has exactly those messages: run make i18n-update when this fails."""
    in_code = _code_messages()
    assert {"Investigating", "Resolved", "by {a}", "Correction: update withdrawn"} <= in_code
    assert {m.id for m in _catalog("warroom.pot") if m.id} == in_code
    for lang in LANGS:
        assert {m.id for m in _catalog(f"{lang}/LC_MESSAGES/warroom.po") if m.id} == in_code, lang


def test_every_code_people_read_has_a_translated_message():
    """Each status, impact, category and severity reads from the catalogs, translated in every language."""
    in_code = _code_messages()
    for lang in LANGS:
        translated = {m.id: m.string for m in _catalog(f"{lang}/LC_MESSAGES/warroom.po") if m.id}
        for value in (*Status, *Impact, *Category, *Severity):
            english = context.label(value, "en")
            assert english in in_code and translated.get(english), (lang, value)
            assert context.label(value, lang) == translated[english]


def test_the_german_words_stay_what_they_were():
    de = {s: context.label(s, "de") for s in Status}
    assert de == {Status.INVESTIGATING: "Untersuchung läuft", Status.IDENTIFIED: "Ursache identifiziert",
                  Status.MITIGATED: "Auswirkungen gemildert", Status.MONITORING: "Beobachtung",
                  Status.RESOLVED: "Behoben"}
    assert context.label(Impact.PARTIAL_OUTAGE, "de_AT") == "Teilausfall"
    assert context.label(Category.THIRD_PARTY, "de") == "Drittanbieter"
    assert context.tr(context.CAVEATS[context.Confidence.MEDIUM], "de") == (
        "Dies ist eine Schätzung, die sich noch ändern kann.")


@pytest.mark.parametrize(("locale", "resolved", "identified", "caveat", "between"), [
    ("fr_FR", "Résolu", "Cause identifiée", "Il s'agit d'une estimation, susceptible d'évoluer",
     "entre 10:00 UTC (11:00 CET) et 11:00 UTC (12:00 CET)"),
    ("es_ES", "Resuelto", "Causa identificada", "Se trata de una estimación y puede cambiar",
     "entre las 10:00 UTC (11:00 CET) y las 11:00 UTC (12:00 CET)"),
    ("en", "Resolved", "Identified", "This is an estimate and may change", "between 10:00 UTC"),
])
def test_status_etr_and_caveat_follow_the_audiences_language(locale, resolved, identified, caveat, between):
    inc = context.sample_incident(NOW, status=Status.IDENTIFIED)
    etr = context.make_etr(NOW + timedelta(hours=1), NOW + timedelta(hours=2), assessor="Sam Rivera")
    ctx = context.context(inc, locale=locale, now=NOW, etr=etr, zone="Europe/Paris")
    assert ctx["incident"]["status"] == identified
    assert ctx["incident"]["status_code"] == "identified"
    assert ctx["incident"]["severity"] == "SEV2"
    assert ctx["incident"]["severity_label"] == {"fr_FR": "Majeure", "es_ES": "Grave", "en": "Major"}[locale]
    assert ctx["etr"]["text"] == between if locale != "en" else ctx["etr"]["text"].startswith(between)
    assert ctx["etr"]["caveat"].startswith(caveat)
    done = context.context(context.sample_incident(NOW, resolved=True), locale=locale, now=NOW)
    assert done["incident"]["status"] == resolved


def test_a_language_without_a_catalog_reads_english():
    assert context.label(Status.RESOLVED, "it") == "Resolved"
    assert context.label(Status.RESOLVED, "pt_BR") == "Resolved"


@pytest.mark.parametrize(("locale", "with_components", "without"), [
    ("en", "Service disruption: Checkout and Payments", "Service disruption"),
    ("de", "Störung: Checkout und Payments", "Störung"),
    ("fr", "Interruption de service : Checkout et Payments", "Interruption de service"),
    ("es", "Interrupción del servicio: Checkout y Payments", "Interrupción del servicio"),
])
def test_the_default_public_title_is_in_the_audiences_language(locale, with_components, without):
    source = context.default_title(locale, True)
    for components, want in ((True, with_components), (False, without)):
        ctx = context.context(context.sample_incident(NOW, components=components), locale=locale, now=NOW,
                              external=True)
        assert render(source, ctx, locale=locale, zone="UTC", now=NOW).strip() == want


def test_words_from_a_catalog_never_run_as_template_code(monkeypatch):
    monkeypatch.setattr(context, "tr", lambda message, locale: "{{ incident.title }} {% if 1 %}x{% endif %}")
    source = context.default_title("fr", True)
    ctx = context.context(context.sample_incident(NOW, components=False), locale="fr", now=NOW, external=True)
    text = render(source, ctx, locale="fr", zone="UTC", now=NOW)
    assert "Checkout failing" not in text and "{ { incident.title }}" in text


@pytest.mark.parametrize(("locale", "subject", "body"), [
    ("fr", "Correction : mise à jour retirée", "Nous avons retiré notre mise à jour de 08:00 UTC (09:00 CET)."),
    ("es", "Corrección: actualización retirada", "Hemos retirado nuestra actualización de 08:00 UTC (9:00 CET)."),
    ("de", "Korrektur: Meldung zurückgezogen", "Wir haben unsere Meldung von 08:00 UTC (09:00 CET) zurückgezogen."),
])
def test_the_retraction_notice_is_in_the_audiences_language(locale, subject, body):
    texts = publishing.notice_texts(locale, NOW - timedelta(hours=1), zone="Europe/Berlin", now=NOW)
    assert texts["subject"] == texts["title"] == subject
    assert texts["short"].startswith(body), texts["short"]


@pytest.mark.parametrize(("locale", "due", "joined", "when"), [
    ("fr", "20 décembre 2026", "Checkout, Payments et Public API", "20 déc., 14:05 UTC (15:05 CET)"),
    ("es", "20 de diciembre de 2026", "Checkout, Payments y Public API", "20 dic, 14:05 UTC (15:05 CET)"),
    ("de", "20. Dezember 2026", "Checkout, Payments und Public API", "20. Dez., 14:05 UTC (15:05 CET)"),
])
def test_dates_lists_and_times_are_written_the_audiences_way(locale, due, joined, when):
    item = FollowupView(id=None, incident_id=None, ref="INC-0/F1", text="x", owner="Sam", due=date(2026, 12, 20),
                        done_at=None, done_by=None, created_by="Dana", created_at=NOW, updated_at=NOW, overdue=False)
    assert context.followup_context([item], locale, external=True)[0]["due"] == due
    ctx = {"incident": {"components": ["Checkout", "Payments", "Public API"]}}
    assert render("{{ incident.components | join_list }}", ctx, locale=locale, zone="UTC", now=NOW).strip() == joined
    moment = datetime(2026, 12, 20, 14, 5, tzinfo=UTC)
    assert format_when(moment, locale=locale, zone="Europe/Paris", now=NOW) == when
