"""The Retrospective tab (ui/retro.py): the figures the core computes, the chart, a
model that behaves, markup shown as text, and Export… through the core."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers.window import HOSTILE, select_incident
from warroom import retro
from warroom.services import drafts, publishing, review


def _show(window):
    window.tabs.setCurrentWidget(window.retro)
    return window.retro


def test_the_tab_shows_the_figures_the_core_computes(window, store, seeded, qtmodeltester):
    tab = _show(window)
    assert tab.retro is not None and tab.retro.ref == seeded.ref
    expected = retro.compute(store, seeded.id, viewer=window.actor).to_json()
    assert tab.retro.to_json() == expected
    model = tab.model
    qtmodeltester.check(model, force_py=True)
    rows = [tuple(model.index(r, c).data() for c in range(3)) for r in range(model.rowCount())]
    assert ("Time to first word", "detection → declared", "0 s") in rows
    assert tab.export_button.isEnabled()
    assert "CADENCE KEPT" in tab.details.toPlainText()


def test_the_chart_draws_updates_and_review_waits(open_window, world, clock, qtbot):
    from tests.helpers.window import declared

    inc = declared(world)
    clock.advance(timedelta(minutes=5))
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(world, "Sam Writer", d.id, acknowledge=True)
    clock.advance(timedelta(minutes=4))
    review.override(world, "Dana", d.id, "Reviewers unreachable", acknowledge=True)
    publishing.publish(world, "Dana", d.id, acknowledge=True)
    clock.advance(timedelta(minutes=40))
    from warroom.services import timeline

    timeline.log(world, "Dana", inc.id, "Still no word to customers")    # the record runs to here
    w = open_window(world, "Dana")
    select_incident(w, inc)
    tab = _show(w)
    chart = tab.chart.chart
    assert [lane.label for lane in chart.lanes if lane.group == "audience"] == ["customers"]
    assert {m.kind for m in chart.marks} >= {"update", "due", "silence", "overdue", "review"}
    assert any(lane.group == "review" for lane in chart.lanes)
    image = tab.chart.grab().toImage()
    assert image.height() >= tab.chart.sizeHint().height() - 1
    # The dot of the update is painted in the update's colour, and tells what it is.
    update = next(m for m in chart.marks if m.kind == "update")
    point = tab.chart.where(update)
    assert image.pixelColor(int(point.x()), int(point.y())).name() == update.colour
    assert tab.chart.tip_at(point).startswith("customers: update published")


def test_markup_in_a_title_is_shown_as_text(hostile_window, hostile):
    tab = _show(hostile_window)
    assert HOSTILE in tab.title.text()
    from ui.qt import Qt

    assert tab.title.textFormat() == Qt.TextFormat.PlainText


def test_export_writes_html_and_pdf_through_the_core(window, tmp_path):
    tab = _show(window)
    html = tab.export_to(str(tmp_path / "r.html"))
    pdf = tab.export_to(str(tmp_path / "r.pdf"))
    from pathlib import Path

    assert Path(html).read_bytes().startswith(b"<!DOCTYPE html>")
    assert Path(pdf).read_bytes().startswith(b"%PDF-")


def test_a_new_entry_redraws_the_tab_while_it_is_shown(window, store, seeded, clock):
    from warroom.services import timeline

    tab = _show(window)
    before = tab.retro.end
    clock.advance(600)
    timeline.log(store, "Dana", seeded.id, "Still investigating")
    window.check_for_changes()
    assert tab.retro.end > before


def test_no_incident_no_figures(open_window, store):
    w = open_window(store)
    tab = _show(w)
    assert tab.retro is None and not tab.export_button.isEnabled()
    assert tab.model.rowCount() == 0


def test_export_of_an_exercise_leads_with_its_score_card_and_lists_the_follow_ups(open_window, db_path, clock,
                                                                                 memory_keyring, tmp_path):
    """The same core call as ``exercise end --out``: the card first, then the chart and the figures."""
    from pathlib import Path

    from tests.unit.exercise.conftest import FACILITATOR, SCENARIOS
    from warroom.app import open_store
    from warroom.exercise import play, scenario
    from warroom.exercise.score import card_of
    from warroom.services import followups

    store = open_store(db_path, clock=clock)
    played = play.play(store, FACILITATOR, scenario.load(SCENARIOS / "regional-cloud-outage.scenario.toml"))
    followups.add_followup(store, "Alex Rivera", played.incident_id, "Second mail relay outside eu-central-1",
                           owner="Chloe Martin", due="2027-01-15")
    w = open_window(store, FACILITATOR)
    w.reload_incidents(select=played.incident_id)
    tab = _show(w)
    html = Path(tab.export_to(str(tmp_path / "drill.html"))).read_text(encoding="utf-8")
    assert html.index("<h2>Score card</h2>") < html.index("<svg") < html.index("<h2>Time to first word</h2>")
    card = card_of(store, played.incident_id, viewer=FACILITATOR)
    from markupsafe import escape

    for row in card:
        assert escape(row.target) in html and escape(row.why) in html
    follow = html[html.index("<h2>Follow-up actions</h2>"):]
    assert "Second mail relay outside eu-central-1" in follow and "Chloe Martin" in follow
    assert "2027-01-15" in follow and "open" in follow
    pdf = Path(tab.export_to(str(tmp_path / "drill.pdf")))
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert not w.errors
    w.close()
    store.close()


def test_export_of_a_real_incident_has_no_score_card(window, tmp_path):
    from pathlib import Path

    html = Path(_show(window).export_to(str(tmp_path / "r.html"))).read_text(encoding="utf-8")
    assert "Score card" not in html and "<h2>Time to first word</h2>" in html
