"""Templates: the sandboxed renderer, versions, import and export, selection, composing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.errors import InputError, NotFound
from warroom.text.render import TemplateError, render
from warroom import shipped
from warroom.services import audiences, compose, context, incidents, templates
from warroom.services import settings as org_settings
from warroom.text.smslength import sms_length
from warroom.store.models import JournalEvent
from warroom.identity import SYSTEM

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc)
CTX = {"incident": {"ref": "INC-7", "components": ["Checkout", "Login", "API"]},
       "update": {"now": NOW, "next_at": NOW + timedelta(minutes=30)}}


# -- the renderer --------------------------------------------------------------------

def test_filters_in_the_audiences_zone_and_locale():
    text = render("{{ incident.components | join_list }}; next {{ update.next_at | when }}", CTX,
                  locale="de_DE", zone="Europe/Berlin", now=NOW)
    assert text == "Checkout, Login und API; next 14:35 UTC (15:35 MEZ)\n" or \
        text == "Checkout, Login und API; next 14:35 UTC (15:35 CET)\n"
    assert render("{{ update.next_at | when }}", CTX, zone="UTC", now=NOW) == "14:35 UTC\n"
    tomorrow = {**CTX, "update": {"now": NOW, "next_at": NOW + timedelta(days=1)}}
    assert render("{{ update.next_at | when }}", tomorrow, locale="en", now=NOW) == "Nov 24, 14:05 UTC\n"


@pytest.mark.parametrize("source, line, words", [
    ("Hello {{ nobody }}", 1, "undefined"),
    ("one\ntwo\n{% if %}", 3, "syntax error"),
    ("{{ ''.__class__.__mro__ }}", 1, "not allowed"),
    ("x\n{{ incident.ref.__class__ }}", 2, "not allowed"),
    ("{{ incident.components.append('x') }}", 1, "not allowed"),  # immutable sandbox
    ("{% for i in range(100000) %}{% endfor %}", 1, "range"),
    ("{{ 'x' * 10000000 }}", 1, "too large"),
    ("{% for i in range(5000) %}{{ 'abcdefghij' }}{% endfor %}", 1, "longer than"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", None, "without end"),
    ("\n\n\n{{ 1 / 0 }}", 4, "ZeroDivisionError"),
])
def test_template_errors_name_the_line(source, line, words):
    with pytest.raises(TemplateError) as info:
        render(source, CTX, now=NOW)
    assert info.value.line == line
    assert words in str(info.value)


@pytest.mark.parametrize("source", [
    "{{ ('x'*20000)|replace('x','x'*20000)|length }}",
    "{{ ('%0300000000d' % 1)|length }}",
    "{{ 'x'|center(300000000)|length }}",
    "{{ 'x'.center(300000000)|length }}",
    "{{ '{:>300000000}'.format(1)|length }}",
    "{{ 'x'|indent(300000000)|length }}",
    "{{ 'a b'.expandtabs(100000000)|length }}",
    "{{ ','.join(['x'*10000]*10000)|length }}",
    "{{ ('x'*20000) + ('x'*90000) }}",
])
def test_templates_cannot_build_huge_values(source):
    with pytest.raises(TemplateError, match="not allowed|too large"):
        render(source, CTX, now=NOW)


def test_templates_cannot_read_the_real_clock():
    with pytest.raises(TemplateError, match="unsafe"):
        render("{{ update.now.now() }}", CTX, now=NOW)
    with pytest.raises(TemplateError, match="unsafe"):
        render("{{ update.now.astimezone() }}", CTX, now=NOW)


def test_a_loop_over_a_long_string_is_stopped_by_the_clock():
    """Loops that call nothing are still timed: the clock is checked as template lines run."""
    source = ("{% set s = 'x' * 1000 %}{% for a in s %}{% for b in s %}{% for c in s %}"
              "{% endfor %}{% endfor %}{% endfor %}")
    with pytest.raises(TemplateError, match="longer than"):
        render(source, CTX, now=NOW)


def test_deep_nesting_is_a_syntax_error_not_a_crash():
    from warroom.text.render import check_syntax

    assert "nests too deeply" in str(check_syntax("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}"))


def test_a_runaway_loop_is_stopped_by_the_clock():
    source = "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match="longer than"):
        render(source, CTX, now=NOW)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_template_text_renders_or_fails_cleanly(source):
    try:
        render(source, CTX, now=NOW)
    except TemplateError:
        pass


def test_sms_segments():
    assert (sms_length("a" * 160).segments, sms_length("a" * 161).segments) == (1, 2)
    assert sms_length("a" * 306).segments == 2 and sms_length("a" * 307).segments == 3
    assert sms_length("€" * 80).units == 160 and sms_length("€" * 80).encoding == "GSM-7"
    assert sms_length("Störung ✓").encoding == "UCS-2"
    assert sms_length("ü" * 70).segments == 1 and sms_length("✓" * 71).segments == 2


# -- templates in the store ------------------------------------------------------------

def _tpl(**kw):
    base = dict(name="app-customers-initial", locale="en", category="application", audience="customers",
                phase="initial", subject="{{ title }}", long="We are investigating {{ incident.ref }}.",
                short="{{ incident.ref }}: investigating.", chat="*{{ incident.ref }}* investigating")
    base.update(kw)
    return base


def test_editing_makes_a_new_version_and_keeps_the_old(store):
    first = templates.save(store, "Mia", **_tpl())
    assert first.version == 1
    same = templates.save(store, "Mia", **_tpl())
    assert same.version == 1  # nothing changed: no new version
    second = templates.save(store, "Mia", **_tpl(long="We are looking into {{ incident.ref }}."))
    assert second.version == 2 and second.id == first.id
    history = templates.versions(store, first.id)
    assert [v.long for v in history] == ["We are investigating {{ incident.ref }}.",
                                         "We are looking into {{ incident.ref }}."]
    with store.read() as session:
        saved = [e for e in session.query(JournalEvent).filter(JournalEvent.kind == "template.saved")]
    assert len(saved) == 2 and "looking into" in saved[1].payload


@pytest.mark.parametrize("change, message", [
    (dict(audience="martians"), "unknown audience"),
    (dict(category="weather"), "unknown category"),
    (dict(phase="someday"), "unknown phase"),
    (dict(locale="xx_YY"), "Unknown locale"),
    (dict(long="{% if %}"), "syntax error"),
    (dict(subject="two\nlines"), "one line"),
    (dict(long="  "), "empty"),
])
def test_bad_templates_are_refused(store, change, message):
    with pytest.raises(InputError, match=message):
        templates.save(store, "Mia", **_tpl(**change))
    assert templates.list_templates(store) == []


def test_a_bad_file_imports_nothing(store, tmp_path):
    good = [_tpl(name=f"t{i}") for i in range(3)]
    bad = good + [_tpl(name="broken", long="{{ unclosed")]
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"format": "warroom-templates", "templates": bad}))
    with pytest.raises(InputError, match="broken"):
        templates.import_many(store, "Mia", templates.read_file(path), source=str(path))
    assert templates.list_templates(store) == []
    path.write_text("not json")
    with pytest.raises(InputError, match="cannot be read"):
        templates.read_file(path)


def test_export_and_import_round_trip(store, tmp_path, clock):
    from warroom.store import Store

    templates.save(store, "Mia", **_tpl())
    templates.save(store, "Mia", **_tpl(name="any-customers-update", category="any", phase="update",
                                        preapproved=True))
    exported = templates.export(store)
    path = tmp_path / "export.json"
    path.write_text(exported)
    with Store.open(tmp_path / "other.db", clock=clock) as other:
        assert templates.import_many(other, "Ana", templates.read_file(path)) == (2, 0)
        assert templates.import_many(other, "Ana", templates.read_file(path)) == (0, 2)
        assert templates.export(other) == exported


def test_selection_falls_back_in_the_documented_order(store):
    for name, cat, phase, loc in [("a", "network", "initial", "de"), ("b", "any", "initial", "de"),
                                  ("c", "network", "update", "en"), ("d", "any", "update", "de"),
                                  ("e", "network", "initial", "de_CH")]:
        templates.save(store, "Mia", **_tpl(name=name, category=cat, phase=phase, locale=loc))

    def pick(category, phase, locale):
        return templates.select_template(store, category=category, audience="customers", phase=phase,
                                         locale=locale).name

    assert pick("network", "initial", "de_CH") == "e"   # exact
    assert pick("network", "initial", "de_AT") == "a"   # language only
    assert pick("security", "initial", "de") == "b"     # any category
    assert pick("network", "identified", "de") == "d"   # status term -> update, any category in German
    assert pick("network", "identified", "fr") == "c"   # nothing in French: English
    with pytest.raises(NotFound):
        pick("network", "holding", "en")


def test_compose_an_update_for_an_audience(store, clock):
    templates.save(store, "Mia", **_tpl(
        long="{{ title }} ({{ incident.status }}). Next update {{ update.next_at | when }}."
             "{% if etr %} Expected {{ etr.text }}. {{ etr.caveat }}{% endif %}"))
    audiences.save(store, "Mia", "customers", timezone="Europe/Berlin", locale="en_GB")
    org_settings.set_org(store, "Mia", name="Example Corp", status_url="https://status.example.com")
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1",
                                  category="application")
    r = compose.render_update(store, inc.ref, audience="customers", viewer=SYSTEM)
    assert r.template.name == "app-customers-initial"
    # The public title, never the internal one; the next update's time is written in at publish.
    assert r.title == "Service disruption" and "Checkout failing" not in r.long + r.subject + r.title
    assert r.long == "Service disruption (Investigating). Next update {next_update}.\n"
    with pytest.raises(InputError, match="assessed"):
        context.make_etr(clock.now() + timedelta(hours=2))
    etr = context.make_etr(clock.now() + timedelta(hours=1), clock.now() + timedelta(hours=2), confidence="low",
                           assessor="Ravi")
    r = compose.render_update(store, inc.ref, audience="customers", etr=etr, viewer=SYSTEM)
    assert "Expected between 10:00 UTC (11:00 CET) and 11:00 UTC (12:00 CET)." in r.long
    assert "early estimate" in r.long
    de = compose.render_update(store, inc.ref, audience="customers", locale="de", etr=etr, viewer=SYSTEM)
    assert de.template.locale == "en"  # no German template: English, with English words around it
    assert r.sms.segments == 1


def test_etr_window_must_be_ordered(clock):
    with pytest.raises(InputError, match="after its start"):
        context.make_etr(clock.now(), clock.now() - timedelta(minutes=1), assessor="Ravi")


def test_an_external_template_cannot_use_the_internal_title(store):
    with pytest.raises(InputError, match="never see the incident's internal title") as caught:
        templates.save(store, "Mia", **_tpl(subject="{{ incident.title }}"))
    assert caught.value.field == "subject"
    # An internal audience may: it is their own incident.
    templates.save(store, "Mia", **_tpl(audience="employees", subject="{{ incident.title }}"))
    # The public title has its own template, checked the same way.
    with pytest.raises(InputError, match="internal title"):
        templates.save(store, "Mia", **_tpl(title="Outage: {{ incident.title }}"))
    t = templates.save(store, "Mia", **_tpl(title="Checkout: {{ incident.status }}"))
    assert t.title == "Checkout: {{ incident.status }}"


def test_save_refuses_an_unknown_variable_and_a_fake_boolean(store):
    with pytest.raises(InputError, match="nonsense"):
        templates.save(store, "Mia", **_tpl(long="Sorry for {{ incident.nonsense }}."))
    with pytest.raises(InputError, match="true or false"):
        templates.save(store, "Mia", **_tpl(preapproved="no"))
    assert templates.list_templates(store) == []


def test_selection_for_a_regional_english(store):
    for name, cat, phase, loc in [("generic-gb", "any", "update", "en_GB"), ("specific-en", "network", "identified", "en")]:
        templates.save(store, "Mia", **_tpl(name=name, category=cat, phase=phase, locale=loc))
    # the language's own specific template beats a regional generic one
    assert templates.select_template(store, category="network", audience="customers", phase="identified",
                                     locale="en_GB").name == "specific-en"
    assert templates.candidate_keys("network", "identified", "en_GB")[:2] == [
        ("network", "identified", "en_GB"), ("network", "identified", "en")]


def test_shipped_templates_follow_a_new_release_unless_edited(store, monkeypatch, tmp_path):
    folder = tmp_path / "templates" / "en"
    folder.mkdir(parents=True)
    toml = ('[[template]]\nname = "{n}"\ncategory = "any"\naudience = "customers"\nphase = "update"\n'
            'subject = "s"\nlong = "{text}"\nshort = "x"\nchat = "x"\n')
    (folder / "any.toml").write_text(toml.format(n="a", text="first") + toml.format(n="b", text="first"))
    monkeypatch.setattr(shipped, "resource", lambda *parts: tmp_path.joinpath(*parts))   # a new release
    assert templates.ensure_defaults(store) == 2
    a = templates.get(store, "a", "en")
    assert a.id == templates.shipped_id("a", "en")  # the same on every device
    templates.save(store, "Mia", **{**a.as_dict(), "long": "mine"})
    (folder / "any.toml").write_text(toml.format(n="a", text="second") + toml.format(n="b", text="second"))
    assert templates.ensure_defaults(store) == 1
    assert templates.get(store, "a", "en").long == "mine"     # edited: left alone
    assert templates.get(store, "b", "en").long == "second"   # untouched: follows the release
    assert templates.ensure_defaults(store) == 0
    assert shipped.current(store)       # what opening the database checks before any of this loads
