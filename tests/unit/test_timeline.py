"""The timeline: logging, back-dating, edits, search and paging."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.domain import EntryKind
from warroom.errors import InputError, NotFound
from warroom.services import incidents, timeline
from warroom.services.timeline import TimelineQuery, fts_query
from warroom.identity import SYSTEM


@pytest.fixture
def inc(store):
    return incidents.open_incident(store, "Ana", title="Payments failing", severity="SEV2")


def test_log_defaults_to_now_and_a_note(store, clock, inc):
    clock.advance(30)
    e = timeline.log(store, "Ben", inc.ref, "  Checking the payment gateway  ")
    assert e.kind is EntryKind.NOTE and e.text == "Checking the payment gateway"
    assert e.occurred_at == clock.now() == e.recorded_at and e.author == "Ben"


def test_back_dated_entries_sort_into_place(store, clock, inc):
    clock.advance(600)
    timeline.log(store, "Ben", inc.ref, "now")
    timeline.log(store, "Ben", inc.ref, "five minutes ago", at=clock.now() - timedelta(minutes=5), kind="external")
    texts = [e.text for e in timeline.entries(store, inc.ref, viewer=SYSTEM)]
    assert texts[-2:] == ["five minutes ago", "now"]


@pytest.mark.parametrize("text, kind, at_delta, message", [
    ("", "note", None, "empty"),
    ("   \n ", "note", None, "empty"),
    ("x" * (timeline.MAX_TEXT + 1), "note", None, "limit"),
    ("a\x00b", "note", None, "control character"),
    ("\x1b[2J wipe the screen", "note", None, "control character"),
    ("hi", "gossip", None, "Unknown entry kind"),
    ("hi", "status_change", None, "written by status"),
    ("hi", "note", timedelta(seconds=1), "in the future"),
])
def test_bad_entries_are_refused_and_nothing_is_written(store, inc, text, kind, at_delta, message, clock):
    before = len(timeline.entries(store, inc.ref, viewer=SYSTEM))
    at = clock.now() + at_delta if at_delta else None
    with pytest.raises(InputError, match=message):
        timeline.log(store, "Ben", inc.ref, text, kind=kind, at=at)
    assert len(timeline.entries(store, inc.ref, viewer=SYSTEM)) == before


def test_a_ten_megabyte_note_is_refused(store, inc):
    with pytest.raises(InputError, match="limit"):
        timeline.log(store, "Ben", inc.ref, "x" * 10_000_000)


def test_edit_keeps_history_and_refuses_system_entries(store, inc, clock):
    e = timeline.log(store, "Ben", inc.ref, "Restarted teh pods")
    clock.advance(5)
    edited = timeline.edit(store, "Ben", e.id, "Restarted the pods")
    assert edited.text == "Restarted the pods" and edited.edited_at == clock.now()
    assert timeline.entries(store, inc.ref, search="teh", viewer=SYSTEM) == []
    assert [x.id for x in timeline.entries(store, inc.ref, search="the pods", viewer=SYSTEM)] == [e.id]
    declared = timeline.entries(store, inc.ref, viewer=SYSTEM)[0]
    with pytest.raises(InputError, match="cannot be edited"):
        timeline.edit(store, "Ben", declared.id, "rewrite history")
    with pytest.raises(NotFound):
        timeline.edit(store, "Ben", "not-an-id", "x")


def test_search_is_word_and_prefix_based_and_safe(store, inc):
    timeline.log(store, "Ben", inc.ref, "Gateway timeouts from the card processor")
    timeline.log(store, "Ben", inc.ref, "Rolled back release 2.4.1 of checkout-api", kind="action")
    timeline.log(store, "Ben", inc.ref, "Décision: keep the gateway in read-only mode", kind="decision")
    assert [e.text[:7] for e in timeline.entries(store, inc.ref, search="gateway", viewer=SYSTEM)] == ["Gateway", "Décisio"]
    assert len(timeline.entries(store, inc.ref, search="time", viewer=SYSTEM)) == 1          # prefix of "timeouts"
    assert len(timeline.entries(store, inc.ref, search="decision", viewer=SYSTEM)) == 1      # diacritics folded
    assert len(timeline.entries(store, inc.ref, search="checkout-api", viewer=SYSTEM)) == 1  # punctuation is safe
    assert len(timeline.entries(store, inc.ref, search="gateway", kind="decision", viewer=SYSTEM)) == 1
    for nasty in ['"', "AND", "NOT x", "*", "a OR", "(", "NEAR(", "col:x"]:
        timeline.entries(store, inc.ref, search=nasty, viewer=SYSTEM)  # never an FTS syntax error


@given(st.text(max_size=40))
def test_fts_query_never_breaks_fts5(text):
    q = fts_query(text)
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    if q is not None:
        con.execute("SELECT * FROM t WHERE t MATCH ?", (q,)).fetchall()


@pytest.fixture
def many(store, clock, inc):
    start = clock.now() - timedelta(hours=2)
    items = [(EntryKind.NOTE if i % 3 else EntryKind.ACTION, f"event number {i} {'alpha' if i % 7 == 0 else 'beta'}",
              start + timedelta(seconds=(i * 37) % 3000)) for i in range(700)]
    timeline.bulk_log(store, "gen", inc.id, items, batch=256)
    return inc


def test_bulk_log_is_journaled(store, many):
    from warroom.journal import verify

    with store.read() as session:
        report = verify(session)
    assert report.ok and report.events >= 700


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(0, 760), limit=st.integers(1, 120),
       kind=st.sampled_from([None, "note", "action"]), search=st.sampled_from([None, "alpha", "beta", "number"]))
def test_pages_agree_with_the_whole_list(store, many, offset, limit, kind, search):
    full = timeline.entries(store, many.id, kind=kind, search=search, viewer=SYSTEM)
    keys = [(e.occurred_at, e.id) for e in full]
    assert keys == sorted(keys)
    q = TimelineQuery(store, many.id, kind=kind, search=search, viewer=SYSTEM)
    assert q.count() == len(full)
    assert [e.id for e in q.page(offset, limit)] == [e.id for e in full[offset:offset + limit]]


def test_keyset_pages_continue_where_offset_pages_end(store, many):
    q = TimelineQuery(store, many.id, viewer=SYSTEM)
    first = q.page(0, 50)
    nxt = q.page_after(first[-1], 50)
    assert [e.id for e in nxt] == [e.id for e in q.page(50, 50)]
    prev = q.page_before(nxt[0], 50)
    assert [e.id for e in prev] == [e.id for e in first]
    target = q.page(333, 1)[0]
    assert q.position(target.id) == 333
    alpha = TimelineQuery(store, many.id, search="alpha", viewer=SYSTEM)
    hits = alpha.page(0, 1000)
    assert alpha.position(hits[37].id) == 37
    beta_only = next(e for e in q.page(0, 50) if "beta" in e.text)
    assert alpha.position(beta_only.id) is None
    actions = TimelineQuery(store, many.id, kind="action", viewer=SYSTEM)
    action_ids = [e.id for e in actions.page(0, 1000)]
    assert actions.position(action_ids[12]) == 12
    note = next(e for e in q.page(0, 50) if e.kind is EntryKind.NOTE)
    assert actions.position(note.id) is None


def test_counts_kept_by_triggers_match_a_real_count(store, many, db_path):
    import sqlite3

    con = sqlite3.connect(db_path)
    real = dict(con.execute("SELECT kind, count(*) FROM timeline_entry WHERE incident_id = ? GROUP BY kind",
                            (many.id.hex,)).fetchall())
    kept = dict(con.execute("SELECT kind, n FROM timeline_count WHERE incident_id = ?", (many.id.hex,)).fetchall())
    con.close()
    assert kept == real
    assert TimelineQuery(store, many.id, viewer=SYSTEM).count() == sum(real.values())
    assert TimelineQuery(store, many.id, kind="action", viewer=SYSTEM).count() == real["action"]
    assert TimelineQuery(store, many.id, kind="decision", viewer=SYSTEM).count() == 0


def test_a_search_matching_too_much_shows_the_newest(store, many, monkeypatch):
    monkeypatch.setattr(TimelineQuery, "MAX_HITS", 25)
    everything = timeline.entries(store, many.id, viewer=SYSTEM)  # no search: never cut
    assert not everything.truncated and len(everything) == 701
    beta = [e for e in everything if "beta" in e.text]
    shown = timeline.entries(store, many.id, search="beta", viewer=SYSTEM)
    assert shown.truncated and len(shown) == 25
    # the 25 most recently recorded matches (bulk_log records in list order), in time order
    newest = sorted(beta, key=lambda e: e.id)[-25:]
    assert [e.id for e in shown] == [e.id for e in sorted(newest, key=lambda e: (e.occurred_at, e.id))]
    few = timeline.entries(store, many.id, search="number 7", viewer=SYSTEM)  # 7 and 70-79
    assert not few.truncated and len(few) == 11
