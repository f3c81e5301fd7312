"""The stakeholder matrix (warroom.services.matrix): routes, cadences, whose words an
audience gets, and when each audience is due its next update."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers.delivery import publish_overridden
from warroom.errors import InputError
from warroom.identity import SYSTEM
from warroom.services import channels, drafts, incidents, matrix, publishing, review


def test_the_matrix_plan_for_an_incident(world):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>site, email",
                    cadence=timedelta(minutes=20), owner="Dana")
    matrix.set_cell(world, "admin", "executives", "all", told=False)
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1")
    plan = {p.audience: p for p in matrix.plan(world, inc.id, viewer=SYSTEM)}
    assert plan["customers"].cadence == timedelta(minutes=20)
    assert plan["customers"].next_due == inc.declared_at + timedelta(minutes=20)
    assert [(n, have, missing) for n, _, _, have, missing in plan["customers"].channels] == [
        ("statuspage", 1, 0), ("site", 1, 0), ("email", 3, 1)]
    assert not plan["executives"].cell.told and plan["executives"].next_due is None


def test_matrix_refuses_unknown_channels_and_double_routes(world):
    with pytest.raises(InputError, match="No channel named pager"):
        matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>pager")
    with pytest.raises(InputError, match="twice"):
        matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>slack")
    with pytest.raises(InputError, match="not in the people register"):
        matrix.set_cell(world, "admin", "customers", "SEV1", owner="Nobody")


def test_a_channel_in_use_or_with_queued_deliveries_cannot_be_removed(world):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    with pytest.raises(InputError, match="used in the matrix"):
        channels.remove(world, "admin", "slack")
    publish_overridden(world)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email")
    with pytest.raises(InputError, match="still wait"):
        channels.remove(world, "admin", "slack")


def test_the_matrix_template_audience_picks_whose_words_are_used(world):
    from warroom.services import compose, templates

    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application")
    own = compose.render_update(world, inc.id, audience="executives", viewer=SYSTEM)
    matrix.set_cell(world, "admin", "executives", "SEV1", template_audience="customers")
    borrowed = compose.render_update(world, inc.id, audience="executives", viewer=SYSTEM)
    assert own.template.audience == "executives" and borrowed.template.audience == "customers"
    assert borrowed.audience == "executives"          # still addressed to the executives
    assert templates.get(world, borrowed.template.name, "en").audience == "customers"


def test_each_audience_is_due_its_own_cadence_from_its_own_last_update(world, clock):
    from warroom.services.matrix import update_dues

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack", cadence=timedelta(hours=2))
    matrix.set_cell(world, "admin", "partners", "SEV1", channels="email")           # the SEV1 default, 30 min
    matrix.set_cell(world, "admin", "executives", "SEV1", channels="email", told=False)
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    declared = clock.now()
    assert [(d.audience, d.at - declared) for d in update_dues(world, inc.id, viewer=SYSTEM)] == [
        ("partners", timedelta(minutes=30)), ("customers", timedelta(hours=2))]
    clock.advance(600)
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["partners"])[0]
    review.submit(world, "Dana", d.id)
    review.override(world, "Dana", d.id, "Reviewers unreachable at night")
    publishing.publish(world, "Dana", d.id)
    dues = {d.audience: d for d in update_dues(world, inc.id, viewer=SYSTEM)}
    assert dues["partners"].at == clock.now() + timedelta(minutes=30) and dues["partners"].last_update_at
    assert dues["customers"].at == declared + timedelta(hours=2) and dues["customers"].last_update_at is None
    incidents.set_severity(world, "Dana", inc.id, "SEV3")                   # the matrix routes nobody at SEV3
    assert update_dues(world, inc.id, viewer=SYSTEM) == []
