"""What a regulatory flag records besides its time, and the clocks that follow, with
known answers: DORA's initial notification at the earlier of 4 hours from the
classification and 24 hours from awareness; NYDFS 500.17(c) on an extortion
payment by a covered entity; the SEC's 8-K at 17:30 New York time on the fourth
business day; the HIPAA clocks a breach's size calls for (the conservative ones,
said, when the size is not recorded); and the regulators a clock names by
jurisdiction."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.helpers.team import team
from tests.helpers.rebuilt import rebuilt
from warroom.app import open_store
from warroom.errors import InputError
from warroom.identity import SYSTEM
from warroom.services import incidents, obligations, regimes, stakeholders
from warroom.services.regimes import Facts

NY = ZoneInfo("America/New_York")
BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = timezone.utc


def regime(key: str) -> regimes.Regime:
    return next(r for r in regimes.regimes() if r.key == key)


def keys(plans: dict) -> set[str]:
    return {k for k, p in plans.items() if p is not None}


# -- DORA: 4 h from classification, and no later than 24 h from awareness ------------------------------

AWARE = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)        # Saturday evening; Brussels moves to summer time that night


def test_dora_classified_soon_after_awareness_is_due_4_hours_from_the_classification():
    plan = regime("dora-initial").plan(AWARE, Facts(classified_at=AWARE + timedelta(hours=2)))
    assert plan.start == AWARE + timedelta(hours=2) and plan.due == AWARE + timedelta(hours=6)   # elapsed hours
    assert plan.binds == "4 hours from classification as major"
    assert "24 hours from awareness falls later (2026-03-29 20:00 UTC)" in plan.basis[0]


def test_dora_classified_30_hours_after_awareness_is_due_24_hours_from_awareness():
    plan = regime("dora-initial").plan(AWARE, Facts(classified_at=AWARE + timedelta(hours=30)))
    assert plan.due == AWARE + timedelta(hours=24) == datetime(2026, 3, 29, 20, 0, tzinfo=UTC)
    assert plan.due < plan.start                     # overdue the moment it was classified: the text applied literally
    assert plan.binds == "24 hours from awareness"
    assert plan.basis == ("24 hours from awareness binds (2026-03-29 20:00 UTC): earlier than 4 hours from "
                          "classification as major (2026-03-30 06:00 UTC)",)
    # 21 h after awareness: 4 h would run past the 24 h, which binds
    assert regime("dora-initial").plan(AWARE, Facts(classified_at=AWARE + timedelta(hours=21))).due == \
        AWARE + timedelta(hours=24)


def test_dora_not_yet_classified_shows_the_24_hour_limit_and_the_reports_count_from_awareness():
    plan = regime("dora-initial").plan(AWARE, Facts())
    assert plan.due == AWARE + timedelta(hours=24) and plan.binds == "24 hours from awareness"
    assert "classification as major not recorded" in plan.basis[0]
    inter = regime("dora-intermediate").plan(AWARE, Facts())
    assert inter.due == AWARE + timedelta(hours=72) and "counted from the flag's time" in inter.basis[0]
    classified = AWARE + timedelta(hours=3)
    assert regime("dora-intermediate").plan(AWARE, Facts(classified_at=classified)).due == \
        classified + timedelta(hours=72)
    # a month from the classification, in Brussels wall-clock time (summer time began in between)
    final = regime("dora-final").plan(AWARE, Facts(classified_at=classified)).due
    assert final.astimezone(BRUSSELS).replace(tzinfo=None) == datetime(2026, 4, 29, 0, 0)


# -- NYDFS 500.17(c): an extortion payment by a covered entity --------------------------------------

def test_a_ransom_paid_by_a_nydfs_covered_entity_starts_the_24_hour_notice_and_the_30_day_explanation():
    paid = datetime(2026, 3, 1, 10, 0, tzinfo=NY)                    # EST
    alone = {r.key: r.plan(paid, Facts(), {"ransom-paid"}) for r in regimes.started_by("ransom-paid")}
    assert keys(alone) == {"circia-ransom"}
    both = {r.key: r.plan(paid, Facts(), {"ransom-paid", "nydfs-covered"}) for r in regimes.started_by("ransom-paid")}
    assert keys(both) == {"circia-ransom", "nydfs-500-17c-notice", "nydfs-500-17c-reasons"}
    assert both["nydfs-500-17c-notice"].due == paid + timedelta(hours=24)
    # 30 calendar days at the same New York wall-clock time, across the start of summer time (8 March)
    assert both["nydfs-500-17c-reasons"].due == datetime(2026, 3, 31, 10, 0, tzinfo=NY) == \
        datetime(2026, 3, 31, 14, 0, tzinfo=UTC)
    assert "applies because the incident is also flagged nydfs-covered" in both["nydfs-500-17c-notice"].basis
    notice = regime("nydfs-500-17c-notice")
    assert notice.citation == "23 NYCRR 500.17(c)(1)" and notice.in_force and notice.jurisdiction == "US-NY"
    assert regime("nydfs-500-17c-reasons").citation == "23 NYCRR 500.17(c)(2)"


# -- SEC 8-K: 17:30 New York time on the fourth business day ---------------------------------------

@pytest.mark.parametrize("determined, due", [
    (datetime(2026, 11, 25, 15, 0, tzinfo=NY), datetime(2026, 12, 2, 17, 30, tzinfo=NY)),    # Thanksgiving
    (datetime(2026, 10, 30, 12, 0, tzinfo=NY), datetime(2026, 11, 5, 17, 30, tzinfo=NY)),    # summer time ends 1 Nov
    (datetime(2026, 11, 9, 9, 0, tzinfo=NY), datetime(2026, 11, 16, 17, 30, tzinfo=NY)),     # Veterans Day, 11 Nov
    (datetime(2026, 11, 28, 23, 0, tzinfo=UTC), datetime(2026, 12, 3, 17, 30, tzinfo=NY)),   # a Saturday: Mon is 1
])
def test_an_8k_is_due_at_1730_eastern_on_the_fourth_business_day(determined, due):
    got = regime("sec-8k-105").due(determined)
    assert got == due and got.tzinfo == UTC
    assert got.astimezone(NY).strftime("%H:%M") == "17:30"


# -- HIPAA: which clocks follow from the breach's size ---------------------------------------------

DISCOVERED = datetime(2026, 8, 10, 14, 0, tzinfo=NY)


def _hipaa(facts: Facts) -> dict[str, regimes.Plan | None]:
    return {r.key: r.plan(DISCOVERED, facts, {"health-data-us"}) for r in regimes.started_by("health-data-us")}


def test_with_the_size_unknown_the_conservative_hipaa_clocks_apply_and_say_so():
    plans = _hipaa(Facts())
    assert keys(plans) == {"hipaa-individuals", "hipaa-media", "hipaa-hhs"}
    assert "individuals affected not recorded: applies as if 500 or more (the conservative reading)" in \
        plans["hipaa-hhs"].basis[0]
    assert "not recorded: applies as if more than 500" in plans["hipaa-media"].basis[0]
    assert plans["hipaa-hhs"].due == datetime(2026, 10, 9, 14, 0, tzinfo=NY)       # 60 calendar days


def test_a_breach_of_1200_with_300_in_one_state_tells_hhs_now_but_no_media():
    plans = _hipaa(Facts(affected=1200, most_in_one_state=300))
    assert keys(plans) == {"hipaa-individuals", "hipaa-hhs"}
    assert plans["hipaa-hhs"].basis == ("applies: 1,200 individuals affected (500 or more)",)
    plans = _hipaa(Facts(affected=1200, most_in_one_state=501))
    assert keys(plans) == {"hipaa-individuals", "hipaa-hhs", "hipaa-media"}
    # 500 exactly in one State is not "more than 500"; 500 in all is "500 or more"
    assert keys(_hipaa(Facts(affected=500, most_in_one_state=500))) == {"hipaa-individuals", "hipaa-hhs"}


def test_a_breach_of_fewer_than_500_goes_in_the_annual_log_due_60_days_after_the_year_ends():
    plans = _hipaa(Facts(affected=120))          # no State can have more than 500 of 120: no media either
    assert keys(plans) == {"hipaa-individuals", "hipaa-hhs-log"}
    assert plans["hipaa-hhs-log"].due.astimezone(NY).replace(tzinfo=None) == \
        datetime(2027, 3, 1, 23, 59, 59, 999999)                         # 60 days after 31 Dec 2026
    leap = regime("hipaa-hhs-log").due(datetime(2027, 5, 1, 9, 0, tzinfo=NY))
    assert leap.astimezone(NY).date().isoformat() == "2028-02-29"       # 2028 is a leap year
    # 800 in all, the largest State not recorded: the media notice may be owed, and shows
    assert keys(_hipaa(Facts(affected=800))) == {"hipaa-individuals", "hipaa-hhs", "hipaa-media"}


# -- through the service: recorded, journalled, rebuilt ---------------------------------------------

@pytest.fixture
def store(db_path, clock):
    s = open_store(db_path, clock=clock)
    yield s
    s.close()


@pytest.fixture
def inc(store):
    team(store)
    return incidents.open_incident(store, "Dana", title="Ledger outage", severity="SEV1", category="security",
                                   components=["Payments"])


def test_the_commander_records_the_classification_and_the_numbers_with_the_flag(store, clock, inc):
    now = clock.now()
    obligations.flag(store, "Dana", inc.ref, "dora-major", at=now - timedelta(hours=30))
    [initial] = [c for c in obligations.clocks(store, inc.ref, viewer="Dana") if c.regime.key == "dora-initial"]
    assert initial.due == now - timedelta(hours=6) and initial.state == "overdue"
    fv = obligations.flag(store, "Dana", inc.ref, "dora-major", classified="now")
    assert fv.started_at == now - timedelta(hours=30) and fv.facts.classified_at == now    # awareness kept
    by_key = {c.regime.key: c for c in obligations.clocks(store, inc.ref, viewer="Dana")}
    initial = by_key["dora-initial"]
    assert (initial.start, initial.flag_time, initial.due) == (now, now - timedelta(hours=30), now - timedelta(hours=6))
    assert initial.binds == "24 hours from awareness" and initial.as_dict()["binds"] == "24 hours from awareness"
    assert by_key["dora-intermediate"].due == now + timedelta(hours=72)
    # refused: a classification before awareness, a fact the flag does not record, a number that is not one
    with pytest.raises(InputError, match="before awareness") as err:
        obligations.flag(store, "Dana", inc.ref, "dora-major", classified=now - timedelta(hours=31))
    assert err.value.field == "classified"
    with pytest.raises(InputError, match="only dora-major"):
        obligations.flag(store, "Dana", inc.ref, "personal-data-eu", classified="now")
    with pytest.raises(InputError, match="only health-data-us"):
        obligations.flag(store, "Dana", inc.ref, "dora-major", affected=10)
    with pytest.raises(InputError, match="whole number"):
        obligations.flag(store, "Dana", inc.ref, "health-data-us", affected="many")
    with pytest.raises(InputError, match="more than the 100"):
        obligations.flag(store, "Dana", inc.ref, "health-data-us", affected=100, most_in_one_state=600)
    obligations.flag(store, "Dana", inc.ref, "health-data-us", affected="1,200")
    obligations.flag(store, "Dana", inc.ref, "health-data-us", most_in_one_state=700)        # keeps the 1,200
    [hipaa] = [f for f in obligations.list_flags(store, inc.ref, viewer="Dana") if f.flag.key == "health-data-us"]
    assert (hipaa.facts.affected, hipaa.facts.most_in_one_state) == (1200, 700)
    assert hipaa.as_dict()["affected"] == 1200 and "classified_at" not in hipaa.as_dict()
    media = next(c for c in obligations.clocks(store, inc.ref, viewer="Dana") if c.regime.key == "hipaa-media")
    assert media.basis == ("applies: 700 residents of the most affected State or jurisdiction (more than 500)",)


def test_the_journal_alone_rebuilds_the_facts_and_an_old_dora_event_reads_as_the_classification(
        store, clock, inc, tmp_path):
    obligations.flag(store, "Dana", inc.ref, "dora-major", at="3h ago", classified="1h ago")
    obligations.flag(store, "Dana", inc.ref, "health-data-us", affected=40)
    obligations.flag(store, "Dana", inc.ref, "health-data-us", affected=4000, most_in_one_state=900)
    with rebuilt(store, tmp_path / "other.db", clock) as other:
        assert [(c.regime.key, c.due) for c in obligations.clocks(other.store, inc.ref, viewer=SYSTEM)] == \
            [(c.regime.key, c.due) for c in obligations.clocks(store, inc.ref, viewer=SYSTEM)]
    # Written before flags recorded facts, a DORA flag's time was its classification: read so,
    # its initial notification stays due 4 hours after it.
    start = "2026-11-23T05:00:00Z"
    old = obligations.event_facts("dora-major", {"flag": "dora-major", "started_at": start},
                                  lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")))
    assert old.classified_at == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    assert obligations.event_facts("personal-data-eu", {"started_at": start}, datetime.fromisoformat) == Facts()


def test_the_retrospective_counts_the_binding_limit(store, clock, inc):
    from warroom.retro.figures import compute

    obligations.flag(store, "Dana", inc.ref, "dora-major", at="30h ago", classified="now")
    obligations.flag(store, "Dana", inc.ref, "ransom-paid", at="2h ago")
    obligations.flag(store, "Dana", inc.ref, "nydfs-covered", at="2h ago")
    clock.advance(timedelta(hours=1))
    incidents.set_status(store, "Dana", inc.ref, "resolved")
    items = {i["key"]: i for i in compute(store, inc.ref, viewer="Dana").figures["clocks"]}
    assert items["dora-initial"]["due"] == clock.now() - timedelta(hours=7)
    assert items["dora-initial"]["binds"] == "24 hours from awareness" and items["dora-initial"]["outcome"] == "missed"
    assert items["nydfs-500-17c-notice"]["outcome"] == "open"


# -- jurisdiction: whom to notify -------------------------------------------------------------------

def test_a_stakeholders_jurisdiction_names_the_regimes_it_answers_for():
    assert regimes.jurisdiction_codes("EU / BaFin") == {"EU"}
    assert "EU" in regimes.jurisdiction_codes("de") and "EU" in regimes.jurisdiction_codes("Ireland (IE)")
    assert regimes.jurisdiction_codes("US-NY") == {"US-NY"} and "UK" in regimes.jurisdiction_codes("GB")
    assert not regimes.jurisdiction_codes("Germany") & regimes.regime_jurisdictions()
    assert regimes.jurisdiction_codes(None) == frozenset()
    assert regimes.regime_jurisdictions() == {"EU", "US", "US-NY", "UK", "AU", "CA"}


def _regulators(store):
    for name, where in (("BaFin", "DE / BaFin"), ("CNIL", "FR"), ("NYDFS", "US-NY"), ("ICO", "UK"),
                        ("Moon Authority", "Moon"), ("Somebody", "")):
        stakeholders.save(store, SYSTEM, name=name, audience="regulators", email=f"x{len(name)}@example.org",
                          jurisdiction=where, external=True)
    stakeholders.save(store, SYSTEM, name="Globex", audience="customers", email="it@globex.example")


def test_each_clock_names_the_regulators_of_its_jurisdiction_and_the_drafts_know_them(store, inc):
    _regulators(store)
    obligations.flag(store, "Dana", inc.ref, "personal-data-eu")
    obligations.flag(store, "Dana", inc.ref, "nydfs-covered")
    named = {c.regime.key: c.regulators for c in obligations.clocks(store, inc.ref, viewer="Dana")}
    assert named["gdpr-33"] == ("BaFin", "CNIL") and named["nydfs-500-17"] == ("NYDFS",)
    # what a regulators draft's template is given: each clock's regulators and jurisdiction
    from warroom.services.context import context, sample_incident

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    data = context(sample_incident(now), locale="en", now=now,
                   clocks=obligations.clocks(store, inc.ref, viewer="Dana"))
    assert data["clock"]["gdpr-33"]["regulators"] == ["BaFin", "CNIL"]
    assert data["clock"]["nydfs-500-17"]["jurisdiction"] == "US-NY"


def test_validate_warns_of_a_regulator_no_clock_names(store):
    _regulators(store)
    report = stakeholders.validate(store)
    assert report.warnings == [
        "Moon Authority (regulators): jurisdiction 'Moon' matches no regime War room ships (AU, CA, EU, UK, US, "
        "US-NY; an EU member state's code counts as EU), so no clock names it",
        "Somebody (regulators): no jurisdiction, so no regulatory clock names it as the one to notify (give one of "
        "AU, CA, EU, UK, US, US-NY; an EU member state's code counts as EU)"]


# -- the command line ----------------------------------------------------------------------------

def test_the_command_line_records_the_facts_and_shows_which_limit_binds(cli, db_path):
    from tests.helpers.team import team_file

    team_file(db_path)
    assert cli("incident", "open", "Ledger outage", "-s", "SEV1", "--as", "Dana")[0] == 0
    assert cli("stakeholder", "add", "BaFin", "--audience", "regulators", "--email", "meldung@bafin.example",
               "--jurisdiction", "DE / BaFin", "--as", "admin")[0] == 0
    code, out, err = cli("incident", "flag", "INC-1", "dora-major", "--at", "30h ago", "--classified", "now",
                         "--as", "Dana")
    assert code == 0 and "classification as major: " in out and "DORA initial notification" in out, err
    code, out, err = cli("incident", "flag", "INC-1", "health-data-us", "--affected", "120", "--as", "Dana")
    assert code == 0 and "individuals affected: 120" in out and "HIPAA HHS annual log" in out, err
    assert "HIPAA media" not in out
    code, out, _ = cli("clocks", "INC-1")
    block = out.split("DORA initial notification", 1)[1].split("\n\n")[0]
    assert "whom:    BaFin (EU)" in block and "flagged: " in block
    assert "note:    24 hours from awareness binds" in block and "overdue" in block
    assert "No regulators stakeholder of jurisdiction US in the register" in out     # said once, not per clock
    assert out.count("No regulators stakeholder") == 1 and "of jurisdiction EU" not in out
    hipaa = out.split("HIPAA individuals", 1)[1].split("\n\n")[0]
    assert "whom:" not in hipaa                                   # individuals are not a regulator
    code, out, _ = cli("clocks", "INC-1", "--json")
    data = {d["key"]: d for d in json.loads(out)}
    assert data["dora-initial"]["binds"] == "24 hours from awareness" and data["dora-initial"]["regulators"] == ["BaFin"]
    assert data["dora-initial"]["flag_time"] != data["dora-initial"]["start"]
    assert "hipaa-hhs" not in data and data["hipaa-hhs-log"]["basis"] == [
        "applies: 120 individuals affected (fewer than 500)"]
    code, out, _ = cli("clocks", "--flags")
    assert "nydfs-500-17c-notice (if nydfs-covered)" in out and "hipaa-hhs (if affected>=500)" in out
    code, _, err = cli("incident", "flag", "INC-1", "sec-material", "--classified", "now", "--as", "Dana")
    assert code == 2 and "only dora-major" in err
    assert cli("stakeholder", "add", "Moon Authority", "--audience", "regulators", "--email", "m@moon.example",
               "--jurisdiction", "Moon", "--as", "admin")[0] == 0
    code, out, _ = cli("stakeholder", "validate")
    assert "Warnings:" in out and "jurisdiction 'Moon' matches no regime" in out
    code, out, _ = cli("stakeholder", "validate", "--json")
    assert any("Moon" in w for w in json.loads(out)["warnings"])


def test_the_migration_keeps_an_existing_dora_flags_time_as_its_classification(store, clock, inc, db_path):
    import sqlalchemy as sa
    from alembic import command

    from warroom.store.db import alembic_config

    obligations.flag(store, "Dana", inc.ref, "dora-major", at="2h ago")
    obligations.flag(store, "Dana", inc.ref, "personal-data-eu", at="2h ago")
    store.close()
    engine = sa.create_engine(f"sqlite:///{db_path}")
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0023")             # as a database of the version before
            command.upgrade(cfg, "head")
            rows = dict(conn.exec_driver_sql("SELECT flag, classified_at IS NOT NULL FROM incident_flag").fetchall())
    finally:
        engine.dispose()
    assert rows == {"dora-major": 1, "personal-data-eu": 0}
