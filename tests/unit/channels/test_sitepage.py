"""The self-hosted status page as a channel (warroom.channels.sitepage): the page shows
what was published to it, whatever route carried it."""

from __future__ import annotations

import json


from tests.helpers.delivery import make_dispatcher, publish_overridden
from warroom.services import channels, incidents, matrix


def test_the_public_page_shows_only_what_was_published_to_it(world, clock, tmp_path):
    channels.add(world, "admin", "internal", "sitepage", {"out_dir": str(tmp_path / "internal")})
    matrix.set_cell(world, "admin", "executives", "SEV1", channels="internal")
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="site")
    publish_overridden(world, title="Internal only: payroll DB breach", audience="executives")
    inc, _, _ = publish_overridden(world, title="Checkout failing")
    d = make_dispatcher(world, clock)
    d.run_once()
    incidents.update_incident(world, "Dana", inc.id, title="Checkout failing: root cause is vendor X's fraud")
    incidents.set_status(world, "Dana", inc.id, "resolved")
    clock.advance(60)
    publish_overridden(world, title="Another incident")          # rebuilds the whole page
    d.run_once()
    public = json.loads((tmp_path / "site" / "api" / "v2" / "incidents.json").read_text())
    # Only what went to the customers' page, under its public titles; the status follows the incident.
    assert sorted((i["name"], i["status"]) for i in public["incidents"]) == [
        ("Service disruption: Checkout", "investigating"), ("Service disruption: Checkout", "resolved")]
    built = "".join(p.read_text() for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert "payroll" not in built and "fraud" not in built and "Checkout failing" not in built


def test_the_page_shows_an_update_whatever_route_carried_it(world, clock, tmp_path, fake_statuspage):
    # Statuspage first, the self-hosted page as its fallback: Statuspage took it, and
    # the self-hosted page shows it too (a reader of either sees the same words).
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>site")
    publish_overridden(world)
    assert make_dispatcher(world, clock).run_once().delivered == 1
    from warroom.services import site

    built = site.build(world, tmp_path / "site", channels.get(world, "site").config,
                       channel_id=channels.get(world, "site").id)
    assert built
    page = (tmp_path / "site" / "index.html").read_text()
    assert "Service disruption: Checkout" in page and "**" not in page
