"""Atlassian Statuspage: against vendor-like servers on 127.0.0.1, what it sends, what it makes of
every answer, and that no secret ever shows up in an error."""

from __future__ import annotations

import json
import time

import pytest

from tests.fakes.vendors import FakeStatuspage
from tests.helpers.channels import (
    CORRECTED, LONG, NOTICE, STATUSPAGE_COMPONENTS, assert_secret_hidden, correction, ctx_for, message, retraction,
    send_error,
)
from warroom.channels import statuspage
from warroom.errors import InputError


def test_statuspage_render_creates_then_patches_with_mapped_components():
    cfg = statuspage.validate_config({"page_id": "kctbh9vrtdwd", "components": json.dumps(STATUSPAGE_COMPONENTS)})
    assert cfg["base_url"] == "https://api.statuspage.io/v1"
    first = statuspage.render(message(), None, cfg, None)
    assert first["method"] == "POST" and first["path"] == "/pages/kctbh9vrtdwd/incidents"
    inc = first["body"]["incident"]
    assert inc == {"name": "Checkout payments failing", "status": "identified", "body": LONG,
                   "impact_override": "major", "deliver_notifications": True,
                   "component_ids": ["8kbf7d35c070", "vtnh60py4yd7"],  # "Payments" matched "payments"
                   "components": {"8kbf7d35c070": "partial_outage", "vtnh60py4yd7": "partial_outage"}}
    later = statuspage.render(message(statuspage_status="resolved", status="resolved"), None, cfg,
                              {"incident_id": "p31zjtct2jer", "shortlink": "x"})
    assert later["method"] == "PATCH" and later["path"] == "/pages/kctbh9vrtdwd/incidents/p31zjtct2jer"
    assert set(later["body"]["incident"]["components"].values()) == {"operational"}
    assert statuspage.render(message(), None, cfg, {})["method"] == "POST"


def test_statuspage_create_then_update_the_same_incident(fake_statuspage):
    fake = fake_statuspage
    cfg = statuspage.validate_config({"page_id": fake.page_id, "base_url": fake.base_url,
                                      "components": STATUSPAGE_COMPONENTS})
    ctx = ctx_for(cfg, fake.api_key)
    receipt = statuspage.send(statuspage.render(message(), None, cfg, None), ctx)
    iid = receipt["incident_id"]
    assert iid in fake.incidents and receipt["shortlink"] == fake.incidents[iid]["shortlink"]
    assert fake.components["8kbf7d35c070"]["status"] == "partial_outage"
    assert fake.components["1f2g3h4j5k6l"]["status"] == "operational"  # not ours: untouched

    resolved = message(status="resolved", statuspage_status="resolved", long="All payments work again.")
    update = statuspage.render(resolved, None, cfg, receipt)
    again = statuspage.send(update, ctx)
    assert again["incident_id"] == iid and len(fake.incidents) == 1
    inc = fake.incidents[iid]
    assert inc["status"] == "resolved" and [u["body"] for u in inc["incident_updates"]] == [
        "All payments work again.", LONG]
    assert fake.components["8kbf7d35c070"]["status"] == "operational"
    assert fake.components["vtnh60py4yd7"]["status"] == "operational"
    methods = [(r.method, r.headers["Authorization"] == f"OAuth {fake.api_key}") for r in fake.requests]
    assert methods == [("POST", True), ("PATCH", True)]
    assert fake.api_key not in json.dumps([receipt, again, update])


def test_statuspage_test_reads_the_page_name(fake_statuspage):
    cfg = statuspage.validate_config({"page_id": fake_statuspage.page_id, "base_url": fake_statuspage.base_url})
    assert "Acme Status" in statuspage.test(ctx_for(cfg, fake_statuspage.api_key))
    assert fake_statuspage.requests[0].method == "GET"


def test_statuspage_420_is_a_rate_limit(fake_statuspage):
    cfg = statuspage.validate_config({"page_id": fake_statuspage.page_id, "base_url": fake_statuspage.base_url})
    fake_statuspage.fail_next(1, "420", retry_after=3)
    exc = send_error(statuspage, statuspage.render(message(), None, cfg, None), ctx_for(cfg, fake_statuspage.api_key))
    assert exc.status == 420 and exc.transient and exc.retry_after == 3.0


def test_statuspage_refusals_are_permanent(fake_statuspage):
    fake = fake_statuspage
    cfg = statuspage.validate_config({"page_id": fake.page_id, "base_url": fake.base_url})
    payload = statuspage.render(message(), None, cfg, None)
    wrong_key = "0" * 40
    exc = send_error(statuspage, payload, ctx_for(cfg, wrong_key))
    assert exc.status == 401 and not exc.transient and "API key" in str(exc)
    assert_secret_hidden(exc, wrong_key, fake.api_key)

    other = statuspage.validate_config({"page_id": "nosuchpage", "base_url": fake.base_url})
    exc = send_error(statuspage, statuspage.render(message(), None, other, None), ctx_for(other, fake.api_key))
    assert exc.status == 404 and not exc.transient

    bad = json.loads(json.dumps(payload))
    bad["body"]["incident"]["status"] = "fixed"
    exc = send_error(statuspage, bad, ctx_for(cfg, fake.api_key))
    assert exc.status == 422 and not exc.transient and "fixed" in str(exc)

    gone = statuspage.render(message(), None, cfg, {"incident_id": "deletedincid"})
    exc = send_error(statuspage, gone, ctx_for(cfg, fake.api_key))
    assert exc.status == 404 and not exc.transient
    assert fake.incidents == {}


def statuspage_world(fake):
    cfg = statuspage.validate_config({"page_id": fake.page_id, "base_url": fake.base_url,
                                      "components": STATUSPAGE_COMPONENTS})
    return cfg, ctx_for(cfg, fake.api_key)


def published(fake, cfg, ctx, texts):
    """Publish one update per text on one incident; the receipts, oldest first."""
    receipts = []
    for text in texts:
        previous = receipts[-1] if receipts else None
        receipts.append(statuspage.send(statuspage.render(message(long=text), None, cfg, previous), ctx))
    return receipts


def test_statuspage_receipt_names_the_incident_update_it_created(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    first, second = published(fake, cfg, ctx, [LONG, "Fix deployed; we are watching."])
    iid = first["incident_id"]
    assert set(first) == {"incident_id", "shortlink", "incident_update_id"}
    newest, oldest = fake.updates(iid)
    assert first["incident_update_id"] == oldest["id"] and oldest["body"] == LONG
    assert second == {"incident_id": iid, "shortlink": first["shortlink"], "incident_update_id": newest["id"]}
    assert newest["body"] == "Fix deployed; we are watching."


def test_statuspage_receipt_takes_no_update_id_it_cannot_vouch_for():
    answer = {"id": "p31zjtct2jer", "incident_updates": [{"id": "old1", "body": "Earlier words."}]}
    assert statuspage._new_update_id(answer, "Our words.") is None      # the newest is not ours
    assert statuspage._new_update_id(answer, "Earlier words.\n") == "old1"
    assert statuspage._new_update_id({"id": "p31zjtct2jer"}, "Our words.") is None
    assert statuspage._new_update_id({"incident_updates": []}, "Our words.") is None
    assert statuspage._new_update_id({"incident_updates": [{"id": "new1"}]}, "Our words.") == "new1"


def test_statuspage_render_retraction_edits_the_retracted_update_only():
    cfg = statuspage.validate_config({"page_id": "kctbh9vrtdwd", "components": STATUSPAGE_COMPONENTS})
    target = {"incident_id": "p31zjtct2jer", "shortlink": "https://stspg.io/p31zjt", "incident_update_id": "upd2"}
    latest = {"incident_id": "p31zjtct2jer", "shortlink": "https://stspg.io/p31zjt", "incident_update_id": "upd3"}
    payload = statuspage.render(retraction(target), None, cfg, latest)
    assert payload == {
        "method": "PATCH", "path": "/pages/kctbh9vrtdwd/incidents/p31zjtct2jer/incident_updates/upd2",
        "body": {"incident_update": {"body": NOTICE}},
        "edits": {"incident_id": "p31zjtct2jer", "incident_update_id": "upd2", "shortlink": "https://stspg.io/p31zjt"}}
    assert json.loads(json.dumps(payload)) == payload


def test_statuspage_retraction_replaces_exactly_the_retracted_words(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    wrong = "The cause is a faulty database upgrade by our payment partner."
    first, bad, third = published(fake, cfg, ctx, [LONG, wrong, "Next update by 11:00 UTC."])
    iid = first["incident_id"]
    before = fake.updates(iid)
    status, components = fake.incidents[iid]["status"], {k: v["status"] for k, v in fake.components.items()}

    receipt = statuspage.send(statuspage.render(retraction(bad), None, cfg, third), ctx)
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"],
                       "incident_update_id": bad["incident_update_id"]}
    request = fake.requests[-1]
    assert (request.method, request.route) == (
        "PATCH", f"/v1/pages/{fake.page_id}/incidents/{iid}/incident_updates/{bad['incident_update_id']}")
    assert request.json() == {"incident_update": {"body": NOTICE}}

    after = fake.updates(iid)
    assert [u["id"] for u in after] == [u["id"] for u in before]          # no update added
    assert fake.update(bad["incident_update_id"])["body"] == NOTICE
    assert wrong not in json.dumps(fake.incidents)                         # the words are gone
    untouched = [u for u in after if u["id"] != bad["incident_update_id"]]
    assert untouched == [u for u in before if u["id"] != bad["incident_update_id"]]
    assert fake.incidents[iid]["status"] == status
    assert {k: v["status"] for k, v in fake.components.items()} == components

    # the retraction's receipt is the next update's previous: it goes on the same incident
    following = statuspage.render(message(long="All payments work again."), None, cfg, receipt)
    assert following["method"] == "PATCH" and following["path"] == f"/pages/{fake.page_id}/incidents/{iid}"


def test_statuspage_retraction_of_an_undelivered_update_sends_nothing(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first,) = published(fake, cfg, ctx, [LONG])
    sent = len(fake.requests)

    payload = statuspage.render(retraction(None), None, cfg, first)
    assert payload["method"] == "NONE"
    receipt = statuspage.send(payload, ctx_for(cfg, None))      # no request, so no key needed
    assert len(fake.requests) == sent
    assert receipt["nothing_needed"] is True and "never reached Statuspage" in receipt["reason"]
    assert (receipt["incident_id"], receipt["shortlink"], receipt["incident_update_id"]) == (
        first["incident_id"], first["shortlink"], None)
    assert [u["body"] for u in fake.updates(first["incident_id"])] == [LONG]

    # still the incident of this War room incident: the correction goes on it
    correction = statuspage.render(message(kind="correction", long="Corrected."), None, cfg, receipt)
    assert correction["path"] == f"/pages/{fake.page_id}/incidents/{first['incident_id']}"
    # retracting what put nothing on the page puts nothing on it either
    assert statuspage.render(retraction(receipt), None, cfg, receipt)["method"] == "NONE"
    # nothing published on this channel yet: nothing to carry
    alone = statuspage.send(statuspage.render(retraction(None), None, cfg, None), ctx)
    assert alone["incident_id"] is None and alone["nothing_needed"] is True


def test_statuspage_retraction_without_an_update_id_posts_the_notice(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first,) = published(fake, cfg, ctx, [LONG])
    iid = first["incident_id"]
    old_receipt = {"incident_id": iid, "shortlink": first["shortlink"]}    # kept before update ids were

    payload = statuspage.render(retraction(old_receipt, statuspage_status="resolved"), None, cfg, old_receipt)
    assert payload["method"] == "PATCH" and payload["path"] == f"/pages/{fake.page_id}/incidents/{iid}"
    assert payload["body"] == {"incident": {"name": "Checkout payments failing", "body": NOTICE,
                                            "deliver_notifications": True}}
    receipt = statuspage.send(payload, ctx)
    newest, oldest = fake.updates(iid)
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"], "incident_update_id": newest["id"]}
    assert newest["body"] == NOTICE and oldest["body"] == LONG
    assert fake.incidents[iid]["status"] == "identified"                   # status left as it was
    assert fake.components["8kbf7d35c070"]["status"] == "partial_outage"


def retracted(fake, cfg, ctx, texts, index):
    """Publish ``texts`` on one incident and retract the one at ``index``: (receipts, the retraction's)."""
    receipts = published(fake, cfg, ctx, texts)
    notice = statuspage.send(statuspage.render(retraction(receipts[index]), None, cfg, receipts[-1]), ctx)
    return receipts, notice


def test_statuspage_render_correction_edits_then_sets_the_incident_without_a_body():
    cfg = statuspage.validate_config({"page_id": "kctbh9vrtdwd", "components": STATUSPAGE_COMPONENTS})
    target = {"incident_id": "p31zjtct2jer", "shortlink": "https://stspg.io/p31zjt", "incident_update_id": "upd2"}
    latest = {"incident_id": "p31zjtct2jer", "shortlink": "https://stspg.io/p31zjt", "incident_update_id": "upd3"}
    payload = statuspage.render(correction(target, title="Saved cards failing"), None, cfg, latest)
    assert payload == {
        "method": "PATCH", "path": "/pages/kctbh9vrtdwd/incidents/p31zjtct2jer/incident_updates/upd2",
        "body": {"incident_update": {"body": CORRECTED}},
        "edits": {"incident_id": "p31zjtct2jer", "incident_update_id": "upd2", "shortlink": "https://stspg.io/p31zjt"},
        "then": {"method": "PATCH", "path": "/pages/kctbh9vrtdwd/incidents/p31zjtct2jer",
                 "body": {"incident": {"name": "Saved cards failing", "status": "identified",
                                       "impact_override": "major", "deliver_notifications": True,
                                       "component_ids": ["8kbf7d35c070", "vtnh60py4yd7"],
                                       "components": {"8kbf7d35c070": "partial_outage",
                                                      "vtnh60py4yd7": "partial_outage"}}}}}
    assert json.loads(json.dumps(payload)) == payload
    assert statuspage.render(correction(target, title="Saved cards failing"), None, cfg, latest) == payload


def test_statuspage_correction_replaces_exactly_the_retracted_words(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    wrong = "The cause is a faulty database upgrade by our payment partner."
    (first, bad, third), notice = retracted(fake, cfg, ctx, [LONG, wrong, "Next update by 11:00 UTC."], 1)
    iid = first["incident_id"]
    before = fake.updates(iid)
    assert fake.update(bad["incident_update_id"])["body"] == NOTICE
    sent = len(fake.requests)

    fixed = correction(bad, title="Saved card payments failing", impact="critical", component_status="major_outage")
    receipt = statuspage.send(statuspage.render(fixed, None, cfg, notice), ctx)
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"],
                       "incident_update_id": bad["incident_update_id"]}

    edit, incident = fake.requests[sent:]                                   # two requests, in this order
    assert (edit.method, edit.route) == (
        "PATCH", f"/v1/pages/{fake.page_id}/incidents/{iid}/incident_updates/{bad['incident_update_id']}")
    assert edit.json() == {"incident_update": {"body": CORRECTED}}
    assert (incident.method, incident.route) == ("PATCH", f"/v1/pages/{fake.page_id}/incidents/{iid}")
    assert "body" not in incident.json()["incident"]

    after = fake.updates(iid)
    assert [u["id"] for u in after] == [u["id"] for u in before]           # no update added
    assert fake.update(bad["incident_update_id"])["body"] == CORRECTED      # the corrected words replace…
    assert NOTICE not in json.dumps(fake.incidents)                         # …the retraction notice
    assert wrong not in json.dumps(fake.incidents)
    untouched = [u for u in after if u["id"] != bad["incident_update_id"]]
    assert untouched == [u for u in before if u["id"] != bad["incident_update_id"]]
    assert [u["body"] for u in untouched] == ["Next update by 11:00 UTC.", LONG]

    inc = fake.incidents[iid]                                               # the incident follows the correction
    assert inc["name"] == "Saved card payments failing" and inc["impact"] == "critical"
    assert inc["status"] == "identified"
    assert fake.components["8kbf7d35c070"]["status"] == "major_outage"
    assert fake.components["vtnh60py4yd7"]["status"] == "major_outage"
    assert fake.components["1f2g3h4j5k6l"]["status"] == "operational"       # not ours: untouched
    assert len(fake.incidents) == 1

    # the next update goes on the same incident, as a new update
    following = statuspage.render(message(long="All payments work again."), None, cfg, receipt)
    assert following["method"] == "PATCH" and following["path"] == f"/pages/{fake.page_id}/incidents/{iid}"
    assert "then" not in following


def test_statuspage_correction_that_moves_the_status_adds_only_the_status_change(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first, bad), notice = retracted(fake, cfg, ctx, [LONG, "Wrong cause."], 1)
    iid = first["incident_id"]
    before = fake.updates(iid)

    fixed = correction(bad, statuspage_status="monitoring", status="monitoring")
    receipt = statuspage.send(statuspage.render(fixed, None, cfg, notice), ctx)
    assert receipt["incident_update_id"] == bad["incident_update_id"]
    newest, *rest = fake.updates(iid)
    assert [u["id"] for u in rest] == [u["id"] for u in before]
    assert (newest["status"], newest["body"]) == ("monitoring", "")          # the status change, no words twice
    assert [u["body"] for u in rest] == [CORRECTED, LONG]
    assert fake.incidents[iid]["status"] == "monitoring"


def test_statuspage_correction_without_a_receipt_posts_normally(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first,) = published(fake, cfg, ctx, [LONG])
    iid = first["incident_id"]

    # the retracted words never reached Statuspage: a new update on the incident
    payload = statuspage.render(correction(None, statuspage_status="monitoring", status="monitoring"),
                                None, cfg, first)
    assert payload["method"] == "PATCH" and payload["path"] == f"/pages/{fake.page_id}/incidents/{iid}"
    assert payload["body"]["incident"]["body"] == CORRECTED and "then" not in payload and "edits" not in payload
    receipt = statuspage.send(payload, ctx)
    newest, oldest = fake.updates(iid)
    assert (newest["body"], oldest["body"]) == (CORRECTED, LONG)
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"], "incident_update_id": newest["id"]}
    assert fake.incidents[iid]["status"] == newest["status"] == "monitoring"

    # a receipt saying nothing was needed, or one without the update's id, is no usable receipt either
    nothing = {"incident_id": iid, "shortlink": first["shortlink"], "incident_update_id": None,
               "nothing_needed": True}
    old_receipt = {"incident_id": iid, "shortlink": first["shortlink"]}
    for target in (nothing, old_receipt, {**first, "nothing_needed": True}):
        again = statuspage.render(correction(target), None, cfg, receipt)
        assert again == statuspage.render(message(long=CORRECTED), None, cfg, receipt)

    # nothing on this channel yet: the correction creates the incident
    fresh = statuspage.render(correction(None), None, cfg, None)
    assert fresh["method"] == "POST" and fresh["path"] == f"/pages/{fake.page_id}/incidents"
    statuspage.send(fresh, ctx)
    assert len(fake.incidents) == 2


@pytest.mark.parametrize("code", ["429", "420"])
def test_statuspage_correction_rate_limited_on_the_edit_changes_nothing(fake_statuspage, code):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first, bad), notice = retracted(fake, cfg, ctx, [LONG, "Wrong cause."], 1)
    payload = statuspage.render(correction(bad, title="Saved cards failing"), None, cfg, notice)
    sent = len(fake.requests)

    fake.fail_next(1, code, retry_after=7)
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == int(code) and exc.retry_after == 7.0
    assert getattr(exc, "partial_receipt", None) is None                    # nothing done: the retry does it all
    assert len(fake.requests) == sent + 1                                   # the incident was not touched
    assert fake.update(bad["incident_update_id"])["body"] == NOTICE
    assert fake.incidents[first["incident_id"]]["name"] == "Checkout payments failing"
    assert_secret_hidden(exc, fake.api_key)

    statuspage.send(payload, ctx)
    assert fake.update(bad["incident_update_id"])["body"] == CORRECTED
    assert fake.incidents[first["incident_id"]]["name"] == "Saved cards failing"


@pytest.mark.parametrize("code", ["429", "420"])
def test_statuspage_correction_rate_limited_after_the_edit_retries_only_the_rest(fake_statuspage, code):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first, bad), notice = retracted(fake, cfg, ctx, [LONG, "Wrong cause."], 1)
    iid = first["incident_id"]
    before = [u["id"] for u in fake.updates(iid)]
    payload = statuspage.render(correction(bad, title="Saved cards failing"), None, cfg, notice)

    fake.fail_next(1, "ok")                                                 # the edit goes through…
    fake.fail_next(1, code, retry_after=7)                                  # …the incident's fields do not
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == int(code) and exc.retry_after == 7.0
    assert "corrected words are on the page" in str(exc)
    assert_secret_hidden(exc, fake.api_key)
    assert fake.update(bad["incident_update_id"])["body"] == CORRECTED
    assert fake.incidents[iid]["name"] == "Checkout payments failing"
    partial = exc.partial_receipt
    assert partial["edited_update_id"] == bad["incident_update_id"] and json.loads(json.dumps(partial)) == partial

    # the next attempt (the dispatcher hands back the partial receipt) sends only what is missing
    sent = len(fake.requests)
    retry = ctx_for(cfg, fake.api_key)
    retry.extra["partial"] = partial
    receipt = statuspage.send(payload, retry)
    (only,) = fake.requests[sent:]
    assert (only.method, only.route) == ("PATCH", f"/v1/pages/{fake.page_id}/incidents/{iid}")
    assert receipt == {"incident_id": iid, "shortlink": first["shortlink"],
                       "incident_update_id": bad["incident_update_id"]}
    assert fake.incidents[iid]["name"] == "Saved cards failing"

    # without it (or with one about other words), the edit is made again: the same words, no harm
    for extra in ({}, {"partial": {**partial, "edited_sha256": "0" * 64}}):
        sent = len(fake.requests)
        again = ctx_for(cfg, fake.api_key)
        again.extra.update(extra)
        assert statuspage.send(payload, again) == receipt
        assert [r.route.rsplit("/", 2)[-2] for r in fake.requests[sent:]] == ["incident_updates", "incidents"]
    assert [u["id"] for u in fake.updates(iid)] == before
    assert [u["body"] for u in fake.updates(iid)] == [CORRECTED, LONG]


def test_statuspage_correction_5xx_after_the_edit_is_transient(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first, bad), notice = retracted(fake, cfg, ctx, [LONG, "Wrong cause."], 1)
    payload = statuspage.render(correction(bad), None, cfg, notice)
    fake.fail_next(1, "ok")
    fake.fail_next(1, "500")
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == 500 and exc.retry_after is None and exc.partial_receipt
    assert fake.update(bad["incident_update_id"])["body"] == CORRECTED


def test_statuspage_correction_at_the_vendor_rate_gets_through_on_the_retry():
    with FakeStatuspage(rate_per_s=2.0) as fake:
        cfg, ctx = statuspage_world(fake)
        (bad,) = published(fake, cfg, ctx, ["Wrong cause."])                 # (no retraction needed here)
        time.sleep(0.6)
        payload = statuspage.render(correction(bad, title="Saved cards failing"), None, cfg, bad)
        exc = send_error(statuspage, payload, ctx)                           # the edit, then one too soon
        assert exc.status == 429 and exc.transient and exc.retry_after == 1.0 and fake.rate_limited == 1
        assert fake.update(bad["incident_update_id"])["body"] == CORRECTED
        time.sleep(exc.retry_after)
        retry = ctx_for(cfg, fake.api_key)
        retry.extra["partial"] = exc.partial_receipt
        statuspage.send(payload, retry)                                      # one request: within the rate
        assert fake.rate_limited == 1
        assert fake.incidents[bad["incident_id"]]["name"] == "Saved cards failing"


def test_statuspage_edit_refusals_and_rate_limits(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    (first,) = published(fake, cfg, ctx, [LONG])
    payload = statuspage.render(retraction(first), None, cfg, first)

    fake.fail_next(1, "429", retry_after=7)
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == 429 and exc.retry_after == 7.0
    fake.fail_next(1, "420", retry_after=3)
    exc = send_error(statuspage, payload, ctx)
    assert exc.transient and exc.status == 420 and exc.retry_after == 3.0
    assert fake.update(first["incident_update_id"])["body"] == LONG          # refused: nothing changed

    wrong_key = "0" * 40
    exc = send_error(statuspage, payload, ctx_for(cfg, wrong_key))
    assert exc.status == 401 and not exc.transient
    assert_secret_hidden(exc, wrong_key, fake.api_key)

    for target in ({**first, "incident_update_id": "nosuchupdate"}, {**first, "incident_id": "nosuchincid"}):
        exc = send_error(statuspage, statuspage.render(retraction(target), None, cfg, first), ctx)
        assert exc.status == 404 and not exc.transient
    assert fake.update(first["incident_update_id"])["body"] == LONG

    statuspage.send(payload, ctx)                                             # and then it goes through
    assert fake.update(first["incident_update_id"])["body"] == NOTICE


def test_statuspage_edit_is_held_to_the_vendor_rate():
    with FakeStatuspage(rate_per_s=1.0) as fake:
        cfg, ctx = statuspage_world(fake)
        (first,) = published(fake, cfg, ctx, [LONG])
        exc = send_error(statuspage, statuspage.render(retraction(first), None, cfg, first), ctx)
        assert exc.status == 429 and exc.transient and exc.retry_after == 1.0 and fake.rate_limited == 1
        assert fake.update(first["incident_update_id"])["body"] == LONG


def test_statuspage_incident_name_follows_the_title(fake_statuspage):
    fake = fake_statuspage
    cfg, ctx = statuspage_world(fake)
    receipt = statuspage.send(statuspage.render(message(), None, cfg, None), ctx)
    iid = receipt["incident_id"]
    assert fake.incidents[iid]["name"] == "Checkout payments failing"
    renamed = message(title="Card payments failing in checkout", long="Still working on it.")
    payload = statuspage.render(renamed, None, cfg, receipt)
    assert payload["body"]["incident"]["name"] == "Card payments failing in checkout"
    receipt = statuspage.send(payload, ctx)
    assert fake.incidents[iid]["name"] == "Card payments failing in checkout"
    statuspage.send(statuspage.render(message(kind="correction", title="Saved cards failing", long="Corrected."),
                                      None, cfg, receipt), ctx)
    assert fake.incidents[iid]["name"] == "Saved cards failing"
    assert fake.requests[-1].json()["incident"]["name"] == "Saved cards failing"


@pytest.mark.parametrize("config, needle", [
    ({}, "page_id"),
    ({"page_id": "abc/def"}, "page_id"),
    ({"page_id": "abc", "components": "{not json"}, "components"),
    ({"page_id": "abc", "components": {"Checkout": ""}}, "components"),
    ({"page_id": "abc", "base_url": "http://api.statuspage.io/v1"}, "https"),
    ({"page_id": "abc", "base_url": "ftp://x"}, "base_url"),
])
def test_statuspage_config_errors_name_the_setting(config, needle):
    with pytest.raises(InputError) as info:
        statuspage.validate_config(config)
    assert needle in str(info.value)
