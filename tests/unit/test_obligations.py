"""Regulatory clocks: the shipped regimes read strictly; due times across time zones,
summer time, weekends and holidays with known answers; flags set through the
service (who may, what is refused, the journal, rebuilt elsewhere); clocks met or
missed by the regulators updates; and legal review gating every update to
regulators."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.helpers.team import team
from tests.helpers.rebuilt import rebuilt
from warroom.app import open_store
from warroom.changes import Change, collect
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import drafts, incidents, obligations, publishing, regimes, review, review_rules, stakeholders, templates
from warroom.services.regimes import RegimeDataError
from warroom.store.models import IncidentFlag, JournalEvent

NY = ZoneInfo("America/New_York")
UTC = timezone.utc


def regime(key: str) -> regimes.Regime:
    return next(r for r in regimes.regimes() if r.key == key)


# -- the data --------------------------------------------------------------------------------

def test_the_shipped_regimes_carry_the_checked_deadlines():
    flags, rows = regimes.shipped()
    assert len(rows) == 27 and len({r.key for r in rows}) == 27
    # every flag starts at least one regime, and every regime names known flags
    assert {f for r in rows for f in r.flags} == set(flags)
    facts = {r.key: (r.unit, r.amount) for r in rows}
    assert facts["gdpr-33"] == ("hours", 72) and facts["uk-gdpr-33"] == ("hours", 72)
    assert facts["sec-8k-105"] == ("business_days", 4) and regime("sec-8k-105").holidays == "US"
    assert (facts["nis2-early-warning"], facts["nis2-notification"], facts["nis2-final"]) == (
        ("hours", 24), ("hours", 72), ("months", 1))
    assert (facts["dora-initial"], facts["dora-intermediate"], facts["dora-final"]) == (
        ("hours", 4), ("hours", 72), ("months", 1))
    assert facts["hipaa-individuals"] == ("days", 60) and facts["us-bank"] == ("hours", 36)
    assert facts["nydfs-500-17"] == ("hours", 72)
    assert facts["gdpr-34"] == ("none", None) and facts["ca-pipeda"] == ("none", None)
    assert {r.key for r in rows if not r.in_force} == {"circia-incident", "circia-ransom"}
    assert [r.key for r in regimes.started_by("nis2-entity")] == ["nis2-early-warning", "nis2-notification",
                                                                  "nis2-final"]
    assert all(r.url.startswith("https://") and r.citation for r in rows)


GOOD = regimes.resource("obligations", "regulatory_clocks.csv").read_bytes()


def _with_row(row: str) -> bytes:
    return GOOD + row.encode() + b"\n"


def _row(**changes: str) -> bytes:
    """A good row (a made-up regime started by nis2-entity) with some fields changed."""
    fields = dict(key="a-b", regime="Name", jurisdiction="EU", flags="nis2-entity", applies_when="", notify_whom="Who",
                  deadline="72 h", clock_start="aware", counts_from="", unit="hours", amount="72", due_time="", cap="",
                  timezone="UTC", holidays="", status="in force", citation="Cite", url="https://e.example", notes="")
    assert set(changes) <= set(fields) and tuple(fields) == regimes.REGIME_COLUMNS
    return _with_row(",".join({**fields, **changes}.values()))


@pytest.mark.parametrize("data, message", [
    (b"key,regime\nx,y\n", "the columns must be"),
    (GOOD + b"x" * regimes.MAX_BYTES, "larger than"),
    (b"\xff\xfe" + GOOD, "not UTF-8"),
    (_row(flags="nobody"), "unknown flag"),
    (_row(unit="fortnights", amount="2"), "unit"),
    (_row(amount="-3"), "whole number"),
    (_row(amount="99999"), "outside"),
    (_row(timezone="Mars/Base"), "not a time zone"),
    (_row(unit="business_days", amount="4"), "holiday calendar"),
    (_row(unit="business_days", amount="4", holidays="XX"), "holiday calendar"),
    (_row(key="gdpr-33"), "not a new"),
    (_row(url="http://e.example"), "https"),
    (_with_row('a-b,Name,nis2-entity,Who'), "fields, expected"),
    (_row(regime='"Name\x07"'), "control character"),
    (_row(jurisdiction="Europe"), "jurisdiction"),
    (_row(applies_when="if it is bad"), "neither a flag nor a number"),
    (_row(applies_when="affected>=500"), "a number its flags do not record"),     # nis2-entity records no count
    (_row(counts_from="classified_at"), "a time its flags do not record"),
    (_row(due_time="17:30"), "business-day deadline only"),
    (_row(unit="business_days", amount="4", holidays="US", due_time="25:00"), "HH:MM"),
    (_row(cap="a day after awareness"), "a cap is"),
])
def test_bad_regime_data_is_a_clear_error_naming_the_line(data, message):
    with pytest.raises(RegimeDataError, match=message) as err:
        regimes.parse_regimes(data)
    if b"a-b" in data or b"gdpr-33,Name" in data:
        assert "line 29" in str(err.value)


# -- due times ------------------------------------------------------------------------------

def test_four_business_days_from_the_wednesday_before_thanksgiving_is_the_next_wednesday():
    start = datetime(2026, 11, 25, 15, 0, tzinfo=NY)
    due = regime("sec-8k-105").due(start).astimezone(NY)
    assert due.date().isoformat() == "2026-12-02" and due.weekday() == 2
    # at 17:30 New York time: EDGAR dates a filing made later the next business day
    assert (due.hour, due.minute, due.second) == (17, 30, 0)
    assert due == datetime(2026, 12, 2, 17, 30, tzinfo=NY) and "17:30" in regime("sec-8k-105").period()
    assert "Rule 13(a)(2)" in regime("sec-8k-105").citation and "5:30 pm ET" in regime("sec-8k-105").notes
    # Without the holiday calendar the Thursday would count: due the Tuesday.
    assert regimes.due_at("business_days", 4, start, zone=NY).astimezone(NY).date().isoformat() == "2026-12-01"


def test_business_days_count_from_the_local_date_of_the_start():
    # 23:30 in New York on Wednesday is already Thursday in UTC: New York's Wednesday counts.
    late = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)
    assert regime("sec-8k-105").due(late).astimezone(NY).date().isoformat() == "2026-12-02"
    # The same instant starts no earlier clock in Tokyo's calendar terms: a Friday there.
    assert regimes.due_at("business_days", 1, late, zone=ZoneInfo("Asia/Tokyo"),
                          calendar_code="US").astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat() == "2026-11-27"


@pytest.mark.parametrize("start, days, due", [
    ("2026-12-22", 4, "2026-12-29"),        # Christmas Friday and the weekend skipped
    ("2026-12-30", 4, "2027-01-06"),        # New Year's Day, in the next year's calendar
    ("2026-11-27", 1, "2026-11-30"),        # Friday -> Monday
    ("2026-11-28", 1, "2026-11-30"),        # a Saturday start: Monday is the first business day
    ("2027-01-15", 1, "2027-01-19"),        # Martin Luther King Jr. Day (Monday 18th)
])
def test_weekends_and_us_federal_holidays_do_not_count(start, days, due):
    at = datetime.fromisoformat(start).replace(hour=10, tzinfo=NY)
    assert regimes.due_at("business_days", days, at, zone=NY, calendar_code="US").astimezone(NY).date().isoformat() \
        == due


def test_hours_are_elapsed_time_across_the_end_of_summer_time():
    # US summer time ends on 1 November 2026: 36 h from Saturday noon is 23:00 on Sunday
    # by the wall clock (the clocks went back an hour), exactly 36 h later.
    start = datetime(2026, 10, 31, 12, 0, tzinfo=NY)
    due = regime("us-bank").due(start)
    assert due - start == timedelta(hours=36)
    assert due.astimezone(NY).strftime("%Y-%m-%d %H:%M %Z") == "2026-11-01 23:00 EST"
    # EU summer time ends 25 October 2026: 72 h of GDPR is 72 h, whatever the zone.
    gdpr_start = datetime(2026, 10, 24, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert regime("gdpr-33").due(gdpr_start) - gdpr_start == timedelta(hours=72)
    assert regime("gdpr-33").due(gdpr_start).astimezone(ZoneInfo("Europe/Berlin")).hour == 8


def test_calendar_days_keep_the_wall_clock_time_across_the_start_of_summer_time():
    # HIPAA: 60 calendar days from 10:00 EST on 1 March 2026 is 10:00 EDT on 30 April,
    # an hour less than 60 x 24 h.
    start = datetime(2026, 3, 1, 10, 0, tzinfo=NY)
    due = regime("hipaa-individuals").due(start)
    assert due.astimezone(NY).strftime("%Y-%m-%d %H:%M %Z") == "2026-04-30 10:00 EDT"
    assert due - start == timedelta(days=60, hours=-1)


def test_a_wall_time_skipped_by_summer_time_is_read_after_the_change():
    # 02:30 on 8 March 2026 does not exist in New York: one day from 02:30 the day before.
    start = datetime(2026, 3, 7, 2, 30, tzinfo=NY)
    due = regimes.due_at("days", 1, start, zone=NY).astimezone(NY)
    assert due.strftime("%Y-%m-%d %H:%M %Z") == "2026-03-08 03:30 EDT"


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)), count=st.integers(1, 25),
       hour=st.integers(0, 23))
def test_a_business_day_deadline_lands_on_a_business_day_with_exactly_that_many_counted(day, count, hour):
    start = datetime.combine(day, time(hour, 30), tzinfo=NY)
    due = regimes.due_at("business_days", count, start, zone=NY, calendar_code="US").astimezone(NY)
    assert regimes.is_business_day(due.date(), "US") and (due.hour, due.minute) == (23, 59)
    between = [day + timedelta(days=n) for n in range(1, (due.date() - day).days + 1)]
    assert sum(regimes.is_business_day(d, "US") for d in between) == count


@settings(max_examples=100, deadline=None)
@given(at=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)),
       zone=st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Sydney", "Europe/London"]),
       hours=st.integers(1, 24 * 40))
def test_an_hours_deadline_is_that_many_elapsed_hours_in_every_zone(at, zone, hours):
    start = at.replace(tzinfo=ZoneInfo(zone))
    assert regimes.due_at("hours", hours, start, zone=ZoneInfo(zone)) - start == timedelta(hours=hours)


def test_a_month_ends_on_the_last_day_of_a_shorter_month():
    start = datetime(2027, 1, 31, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    due = regime("nis2-final").due(start).astimezone(ZoneInfo("Europe/Brussels"))
    assert due.strftime("%Y-%m-%d %H:%M") == "2027-02-28 09:00"
    assert regimes.add_months(datetime(2028, 1, 31).date(), 1).isoformat() == "2028-02-29"
    assert regimes.add_months(datetime(2026, 11, 30).date(), 3).isoformat() == "2027-02-28"


def test_a_regime_without_a_fixed_deadline_has_no_due_time():
    assert regime("gdpr-34").due(datetime(2026, 11, 23, tzinfo=UTC)) is None
    assert regime("gdpr-34").period() == "without undue delay"
    assert obligations.format_left(None) == "no deadline"
    assert obligations.format_left(timedelta(days=2, hours=3, minutes=5)) == "2d 03h left"
    assert obligations.format_left(timedelta(hours=-5, minutes=-10)) == "5h 10m overdue"


# -- flags on an incident ---------------------------------------------------------------------

@pytest.fixture
def store(db_path, clock):
    s = open_store(db_path, clock=clock)            # with the shipped templates
    yield s
    s.close()


@pytest.fixture
def inc(store):
    team(store)
    return incidents.open_incident(store, "Dana", title="Customer records exposed", severity="SEV1",
                                   category="security", components=["Accounts"])


def _events(store) -> list[tuple[str, dict]]:
    with store.read() as session:
        rows = session.scalars(select(JournalEvent).where(JournalEvent.kind.like("obligation.%"))
                               .order_by(JournalEvent.seq))
        return [(r.kind, json.loads(r.payload)) for r in rows]


def test_a_gdpr_flag_starts_its_72_hour_clock_and_shows_the_article_34_duty_without_countdown(store, clock, inc):
    aware = clock.now() - timedelta(hours=2)
    with collect() as seen:
        fv = obligations.flag(store, "Dana", inc.ref, "personal-data-eu", at="2h ago")
    assert seen.flags & Change.INCIDENTS
    assert fv.started_at == aware and fv.set_by == "Dana"
    listed = obligations.clocks(store, inc.ref, viewer="Vic Viewer")
    assert [c.regime.key for c in listed] == ["gdpr-33", "gdpr-34"]
    gdpr, art34 = listed
    assert gdpr.due == aware + timedelta(hours=72) and gdpr.left == timedelta(hours=70)
    assert gdpr.state == "running" and gdpr.as_dict()["seconds_left"] == 70 * 3600
    assert gdpr.as_dict()["due_local"].startswith((aware + timedelta(hours=72)).astimezone(
        ZoneInfo("Europe/Brussels")).strftime("%Y-%m-%dT%H:%M"))
    assert art34.due is None and art34.left is None and art34.state == "no deadline"
    clock.advance(timedelta(hours=71))
    assert obligations.clocks(store, inc.ref, viewer="Dana")[0].state == "overdue"
    [(kind, payload)] = _events(store)
    assert kind == "obligation.flagged" and payload["flag"] == "personal-data-eu"
    assert payload["flag_id"] == _flag_id(store)
    assert datetime.fromisoformat(payload["started_at"].replace("Z", "+00:00")) == aware


def _flag_id(store) -> str:
    with store.read() as session:
        return str(session.scalars(select(IncidentFlag.id)).one())


def test_the_start_is_now_by_default_never_in_the_future_nor_years_ago(store, clock, inc):
    with pytest.raises(InputError, match="in the future") as err:
        obligations.flag(store, "Dana", inc.ref, "sec-material", at="in 2h")
    assert err.value.field == "at"
    with pytest.raises(InputError, match="in the future"):
        obligations.flag(store, "Dana", inc.ref, "sec-material", at=clock.now() + timedelta(hours=1))
    with pytest.raises(InputError, match="more than a year ago"):
        obligations.flag(store, "Dana", inc.ref, "sec-material", at="2024-01-01T00:00Z")
    with pytest.raises(InputError, match="Cannot read|time"):
        obligations.flag(store, "Dana", inc.ref, "sec-material", at="yesterday-ish")
    with pytest.raises(InputError, match="no flag 'gdpr'") as err:
        obligations.flag(store, "Dana", inc.ref, "gdpr")
    assert err.value.field == "flag" and "personal-data-eu" in str(err.value)
    assert _events(store) == []                                      # nothing half-written
    fv = obligations.flag(store, "Dana", inc.ref, "SEC_material")     # case and _ forgiven
    assert fv.flag.key == "sec-material" and fv.started_at == clock.now()


@pytest.mark.parametrize("actor, error", [("Sam", NotPermitted), ("Vic Viewer", NotPermitted),
                                          ("Lea Braun", NotPermitted), ("Stranger", NotPermitted)])
def test_only_an_incident_commander_flags(store, inc, actor, error):
    with pytest.raises(error):
        obligations.flag(store, actor, inc.ref, "personal-data-eu")
    assert obligations.list_flags(store, inc.ref, viewer=SYSTEM) == []


def test_reflagging_moves_the_start_and_unflagging_removes_the_clocks(store, clock, inc):
    first = obligations.flag(store, "Dana", inc.ref, "nis2-entity", at="30m ago")
    obligations.flag(store, "Dana", inc.ref, "nis2-entity", at="30m ago")          # the same: nothing new
    moved = obligations.flag(store, "Dana", inc.ref, "nis2-entity", at="3h ago")
    assert moved.started_at == first.started_at - timedelta(hours=2, minutes=30)
    assert [c.regime.key for c in obligations.clocks(store, inc.ref, viewer="Dana")] == [
        "nis2-early-warning", "nis2-notification", "nis2-final"]
    obligations.unflag(store, "Dana", inc.ref, "nis2-entity")
    assert obligations.clocks(store, inc.ref, viewer="Dana") == []
    with pytest.raises(NotFound, match="not flagged"):
        obligations.unflag(store, "Dana", inc.ref, "nis2-entity")
    assert [k for k, _ in _events(store)] == ["obligation.flagged", "obligation.start_changed",
                                               "obligation.unflagged"]


def test_a_confidential_incidents_clocks_are_not_found_by_outsiders(store, inc):
    incidents.update_incident(store, "Dana", inc.ref, confidential=True)
    obligations.flag(store, "Dana", inc.ref, "personal-data-eu")
    with pytest.raises(NotFound):
        obligations.clocks(store, inc.ref, viewer="Vic Viewer")


def test_the_journal_alone_rebuilds_the_same_flags(store, clock, inc, tmp_path):
    obligations.flag(store, "Dana", inc.ref, "personal-data-eu", at="1h ago")
    obligations.flag(store, "Dana", inc.ref, "sec-material")
    clock.advance(600)
    obligations.flag(store, "Dana", inc.ref, "sec-material", at="5m ago")
    obligations.flag(store, "Dana", inc.ref, "us-bank")
    obligations.unflag(store, "Dana", inc.ref, "us-bank")
    with rebuilt(store, tmp_path / "other.db", clock) as other:
        assert len(other.rows["incident_flag"]) == 2
        assert [c.regime.key for c in obligations.clocks(other.store, inc.ref, viewer=SYSTEM)] == \
            [c.regime.key for c in obligations.clocks(store, inc.ref, viewer=SYSTEM)]


# -- legal review gates every update to regulators ------------------------------------------------

def _regulators_draft(store, inc):
    return drafts.compose_drafts(store, "Sam", inc.id, ["regulators"])[0]


def test_a_regulators_update_cannot_be_published_without_a_legal_reviewers_approval(store, clock, inc):
    d = _regulators_draft(store, inc)
    asked = review.submit(store, "Sam", d.id)
    assert "legal_reviewer" in [r.role.value for r in asked]
    review.decide(store, "Ravi Shah", d.id, "approve")
    review.decide(store, "Mia Lindqvist", d.id, "approve")
    # The commander cannot override the missing legal review …
    with pytest.raises(InputError, match="legal reviewer's approval"):
        review.override(store, "Dana", d.id, "The deadline is in an hour")
    assert review.allowed(store, d.id, "Dana").why_not_override
    # … and nobody can publish without it.
    with pytest.raises(InputError, match="needs its reviews"):
        publishing.publish(store, "Dana", d.id, acknowledge=True)
    assert review.allowed(store, d.id, "Dana").why_not_publish
    assert review.decide(store, "Lea Braun", d.id, "approve") == "approved"
    publishing.publish(store, "Dana", d.id, acknowledge=True)
    with store.read() as session:
        kinds = [k for k in session.scalars(select(JournalEvent.kind).where(JournalEvent.kind == "update.published"))]
    assert kinds == ["update.published"]


def test_a_preapproved_holding_statement_to_regulators_still_waits_for_legal(store, inc):
    templates.approve_version(store, "Mia Lindqvist", "security-regulators-holding", "en")
    templates.approve_version(store, "Lea Braun", "security-regulators-holding", "en")
    d = drafts.compose_drafts(store, "Sam", inc.id, ["regulators"], phase="holding")[0]
    assert review.allowed(store, d.id, "Dana").preapproved      # comms and legal approved the template …
    with pytest.raises(InputError, match="legal reviewer's approval"):
        publishing.publish(store, "Dana", d.id, acknowledge=True)   # … but not these words for this incident
    with store.read() as session:
        assert session.scalars(select(JournalEvent).where(JournalEvent.kind == "update.published")).first() is None


def test_with_legal_approval_the_other_reviews_may_still_be_overridden(store, inc):
    d = _regulators_draft(store, inc)
    review.submit(store, "Sam", d.id)
    review.decide(store, "Lea Braun", d.id, "approve")
    assert review.override(store, "Dana", d.id, "Technical reviewer unreachable", acknowledge=True) == "overridden"
    publishing.publish(store, "Dana", d.id, acknowledge=True)


def test_no_review_rule_takes_legal_off_updates_to_regulators(store, inc):
    with pytest.raises(InputError, match="needs legal review"):
        review_rules.set_policy(store, "admin", "regulators", "technical_reviewer,comms_reviewer")
    with pytest.raises(InputError, match="needs legal review"):
        review_rules.set_policy(store, "admin", "regulators", "comms_reviewer", severity="SEV4")
    view = incidents.get(store, inc.ref, viewer="Dana")
    rules = {"regulators": (review_rules.Role.COMMS_REVIEWER,)}      # as an older database might hold
    assert review_rules.Role.LEGAL_REVIEWER in review_rules.required_roles("regulators", view, rules)


def test_a_clock_is_met_by_a_regulators_update_published_in_time(store, clock, inc):
    obligations.flag(store, "Dana", inc.ref, "nis2-entity", at="1h ago")
    d = _regulators_draft(store, inc)
    review.submit(store, "Sam", d.id)
    for who in ("Ravi Shah", "Mia Lindqvist", "Lea Braun"):
        review.decide(store, who, d.id, "approve")
    clock.advance(timedelta(hours=2))
    publishing.publish(store, "Dana", d.id, acknowledge=True)
    clock.advance(timedelta(hours=80))
    states = {c.regime.key: c.state for c in obligations.clocks(store, inc.ref, viewer="Dana")}
    # the early warning went in time; nothing answered the 72-hour notification
    assert states == {"nis2-early-warning": "met", "nis2-notification": "overdue", "nis2-final": "running"}


# -- the command line ----------------------------------------------------------------------

def test_the_command_line_flags_lists_clocks_and_unflags(cli, db_path):
    from tests.helpers.team import team_file

    team_file(db_path)
    assert cli("incident", "open", "Records exposed", "-s", "SEV1", "--as", "Dana")[0] == 0
    code, out, err = cli("incident", "flag", "INC-1", "personal-data-eu", "--at", "2h ago", "--as", "Dana")
    assert code == 0 and "GDPR Art.33, GDPR Art.34" in out, err
    code, out, err = cli("incident", "flag", "INC-1", "sec-material", "--as", "Dana")
    assert code == 0
    code, out, _ = cli("clocks", "INC-1")
    assert code == 0
    blocks = out.split("\n", 1)[0]
    assert blocks.startswith("GDPR Art.33  (72 hours; flag personal-data-eu)")
    assert "Lead/competent supervisory authority" in out and "Reg. (EU) 2016/679 Art.33(1)-(2)" in out
    assert "h left (running)" in out and "no fixed deadline: without undue delay" in out
    assert " EST)" in out or " EDT)" in out                              # the SEC's due, New York time
    code, out, _ = cli("clocks", "INC-1", "--json")
    data = json.loads(out)
    assert [d["key"] for d in data] == ["gdpr-33", "sec-8k-105", "gdpr-34"]
    gdpr = data[0]
    start = datetime.fromisoformat(gdpr["start"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(gdpr["due"].replace("Z", "+00:00")) - start == timedelta(hours=72)
    assert 69 * 3600 < gdpr["seconds_left"] <= 70 * 3600 and gdpr["state"] == "running"
    assert data[2]["due"] is None and data[2]["seconds_left"] is None
    # refused: a commander's work, a future start, an unknown flag
    code, _, err = cli("incident", "flag", "INC-1", "nis2-entity", "--as", "Sam")
    assert code == 3
    code, _, err = cli("incident", "flag", "INC-1", "nis2-entity", "--at", "in 3h", "--as", "Dana")
    assert code == 2 and "in the future" in err
    code, _, err = cli("incident", "flag", "INC-1", "hipaa", "--as", "Dana")
    assert code == 2 and "health-data-us" in err
    assert cli("incident", "unflag", "INC-1", "sec-material", "--as", "Dana")[0] == 0
    code, out, _ = cli("clocks", "INC-1", "--json")
    assert [d["key"] for d in json.loads(out)] == ["gdpr-33", "gdpr-34"]
    code, out, _ = cli("clocks", "--flags", "--json")
    flags = {f["flag"]: f["regimes"] for f in json.loads(out)}
    assert flags["nis2-entity"] == ["nis2-early-warning", "nis2-notification", "nis2-final"]
    code, _, err = cli("clocks")
    assert code == 2 and "Name the incident" in err


# -- notification templates for regulators ---------------------------------------------------------

NOTIFICATIONS = {"gdpr-art33-notification": ("en", "de", "fr", "es"), "sec-8k-item105": ("en",),
                 "nis2-early-warning": ("en", "de", "fr", "es")}


def test_the_notification_templates_pass_the_import_checks_in_every_shape(store, inc):
    shipped = {(t.name, t.locale) for t in templates.list_templates(store, phase="notification")}
    assert shipped == {(name, loc) for name, locales in NOTIFICATIONS.items() for loc in locales}
    for locale in ("en", "de", "fr", "es"):
        items = [{**item, "locale": locale}
                 for item in templates.read_file(regimes.resource("templates") / locale / "regulatory.toml")]
        # check=True renders every template against every incident shape
        assert templates.import_many(store, SYSTEM, items, source=f"{locale}/regulatory.toml") == (0, len(items))


@pytest.mark.parametrize("name, locale, words", [
    ("gdpr-art33-notification", "en", ("Article 33", "(a) Nature of the breach", "approximate number of data "
                                       "subjects", "(b) Contact point", "(c) Likely consequences",
                                       "(d) Measures taken or proposed", "reasons for the delay")),
    ("gdpr-art33-notification", "de", ("Artikel 33", "ungefähre Zahl der betroffenen Personen", "Anlaufstelle",
                                       "Wahrscheinliche Folgen", "Maßnahmen", "Gründe für die Verzögerung")),
    ("sec-8k-item105", "en", ("Item 1.05 Material Cybersecurity Incidents", "Nature of the incident",
                              "Scope of the incident", "Timing of the incident",
                              "financial condition and results of operations", "four business days")),
    ("nis2-early-warning", "en", ("Article 23(4)(a)", "unlawful or malicious acts", "cross-border impact")),
    ("nis2-early-warning", "de", ("Artikel 23 Absatz 4 Buchstabe a", "böswillige Handlungen",
                                  "grenzüberschreitende")),
    ("gdpr-art33-notification", "fr", ("article 33", "a) Nature de la violation", "nombre approximatif de personnes",
                                       "b) Point de contact", "c) Conséquences probables",
                                       "d) Mesures prises ou proposées", "motifs du retard")),
    ("gdpr-art33-notification", "es", ("artículo 33", "a) Naturaleza de la violación",
                                       "número aproximado de interesados", "b) Punto de contacto",
                                       "c) Posibles consecuencias", "d) Medidas adoptadas o propuestas",
                                       "motivos de la dilación")),
    ("nis2-early-warning", "fr", ("article 23, paragraphe 4, point a)", "actes illicites ou malveillants",
                                  "transfrontière")),
    ("nis2-early-warning", "es", ("artículo 23, apartado 4, letra a)", "actos ilícitos o malintencionados",
                                  "transfronterizo")),
])
def test_each_notification_renders_its_legal_content_list_and_lints_clean(store, inc, name, locale, words):
    d = drafts.compose_drafts(store, "Sam", inc.id, ["regulators"], template=name,
                              locales={"regulators": locale})[0]
    assert d.template == name and d.audience == "regulators"
    for w in words:
        assert w in d.long, (name, locale, w)
    assert inc.ref in d.subject and "Accounts" in d.long
    allowed = review.allowed(store, d.id, "Sam")
    assert list(allowed.flags) == [], [f.describe() for f in allowed.flags]       # not even a warning
    asked = review.submit(store, "Sam", d.id, acknowledge=True)
    assert "legal_reviewer" in [r.role.value for r in asked]


@pytest.mark.parametrize("locale, to", [("en", "To"), ("de", "An"), ("fr", "À"), ("es", "Para")])
def test_a_notification_is_addressed_to_the_regulators_of_its_regimes_jurisdiction(store, inc, locale, to):
    """The regulators the register names for the regime's jurisdiction head the letter;
    without one, no empty line is left."""
    obligations.flag(store, "Dana", inc.ref, "personal-data-eu", at="1h ago")
    d = drafts.compose_drafts(store, "Sam", inc.id, ["regulators"], template="gdpr-art33-notification",
                              locales={"regulators": locale})[0]
    assert f"**{to}:**" not in d.long and not d.long.startswith("\n")
    stakeholders.save(store, "admin", name="Data Protection Commission (IE)", audience="regulators",
                      email="breaches@dpc.example", jurisdiction="IE")
    d = drafts.compose_drafts(store, "Sam", inc.id, ["regulators"], template="gdpr-art33-notification",
                              locales={"regulators": locale})[0]
    assert d.long.startswith(f"**{to}:** Data Protection Commission (IE)\n\n")


# -- the retrospective -------------------------------------------------------------------------

def test_the_retrospective_shows_each_clock_met_or_missed(store, clock, inc):
    from warroom.retro.figures import compute
    from warroom.retro.report import render_html
    from warroom.retro.summary import text_report

    obligations.flag(store, "Dana", inc.ref, "nis2-entity", at="1h ago")
    obligations.flag(store, "Dana", inc.ref, "personal-data-eu", at="30m ago")
    obligations.flag(store, "Dana", inc.ref, "us-bank")
    obligations.unflag(store, "Dana", inc.ref, "us-bank")              # taken off: not in the report
    d = _regulators_draft(store, inc)
    review.submit(store, "Sam", d.id, acknowledge=True)
    for who in ("Ravi Shah", "Mia Lindqvist", "Lea Braun"):
        review.decide(store, who, d.id, "approve", acknowledge=True)
    clock.advance(timedelta(hours=3))
    publishing.publish(store, "Dana", d.id, acknowledge=True)           # 4 h after NIS2 awareness: in time
    clock.advance(timedelta(hours=90))
    incidents.set_status(store, "Dana", inc.ref, "resolved")
    r = compute(store, inc.ref, viewer="Dana")
    items = {i["key"]: i for i in r.figures["clocks"]}
    assert set(items) == {"nis2-early-warning", "nis2-notification", "nis2-final", "gdpr-33", "gdpr-34"}
    assert items["nis2-early-warning"]["outcome"] == "met"
    assert items["nis2-early-warning"]["margin_s"] == 20 * 3600
    assert items["gdpr-33"]["outcome"] == "met"                        # the same update went to both authorities
    assert items["nis2-notification"]["outcome"] == "missed"           # nothing more was sent in 72 h
    assert items["nis2-final"]["outcome"] == "open"
    assert items["gdpr-34"]["outcome"] == "no deadline" and items["gdpr-34"]["due"] is None
    text = text_report(r, width=120)
    section = text.split("REGULATORY CLOCKS", 1)[1]
    assert "deadlines met: 2 of 4" in section and "missed or late: 1" in section
    assert "NIS2 Art.23 incident notification" in section and "missed" in section
    assert "Regulatory clocks" in render_html(r)


def test_an_incident_without_flags_has_no_clocks_section(store, inc):
    from warroom.retro.figures import compute
    from warroom.retro.summary import text_report

    assert "REGULATORY CLOCKS" not in text_report(compute(store, inc.ref, viewer="Dana"))


def test_a_flagged_incidents_notification_carries_the_recorded_awareness_time(store, clock, inc):
    blank = drafts.compose_drafts(store, "Sam", inc.id, ["regulators"], template="gdpr-art33-notification")[0]
    assert "**Became aware:** [date and time]" in blank.long
    obligations.flag(store, "Dana", inc.ref, "personal-data-eu", at="2026-11-23T07:15Z")
    obligations.flag(store, "Dana", inc.ref, "sec-material", at="2026-11-23T08:00Z")
    filled = drafts.compose_drafts(store, "Sam", inc.id, ["regulators"], template="gdpr-art33-notification")[0]
    line = next(x for x in filled.long.splitlines() if x.startswith("- **Became aware:**"))
    assert "[date and time]" not in line and "7:15" in line
    sec = drafts.compose_drafts(store, "Sam", inc.id, ["regulators"], template="sec-8k-item105")[0]
    assert "Determined to be material: 08:00 UTC" in sec.long and "this report is due by" in sec.long
    assert "due by Nov 30, 22:30 UTC" in sec.long    # 4 business days, Thanksgiving skipped: Monday 30th, 17:30 EST


def test_the_incident_export_carries_its_clocks(store, clock, inc):
    from warroom.services import export

    assert "Regulatory clocks" not in export.export_incident(store, inc.ref, "markdown", viewer="Dana")
    obligations.flag(store, "Dana", inc.ref, "personal-data-eu", at="1h ago")
    text = export.export_incident(store, inc.ref, "markdown", viewer="Dana")
    section = text.split("## Regulatory clocks", 1)[1].split("## Timeline", 1)[0]
    assert "| GDPR Art.33 | 2026-11-23 08:00:00 UTC | 2026-11-26 08:00:00 UTC | running |" in section
    assert "| GDPR Art.34 |" in section and "without undue delay" in section
    doc = json.loads(export.export_incident(store, inc.ref, "json", viewer="Dana"))
    assert [(c["key"], c["state"]) for c in doc["clocks"]] == [("gdpr-33", "running"), ("gdpr-34", "no deadline")]
