"""``inbound import FILE`` takes a batch saved while offline: a JSON array of bodies
or JSON lines, each payload checked, deduplicated and applied as a received one,
reported one by one; a payload that fails writes nothing; a file too large, with too
many payloads or too many signals is refused whole before anything is applied."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.unit.inbound.payloads import alertmanager, pagerduty
from warroom.errors import InputError
from warroom.inbound import batch
from warroom.inbound.signal import MAX_BODY, BadPayload
from warroom.services import components, incidents, timeline
from warroom.store.models import InboundEvent, JournalEvent

SEQUENCE = ("incident.triggered", "incident.acknowledged", "incident.resolved")


def _journal(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(JournalEvent))


def _events(store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(InboundEvent.vendor_event_id)))


def _pd_bodies():
    return [json.loads(pagerduty(kind, f"EV-{n}")) for n, kind in enumerate(SEQUENCE, 1)]


def test_a_json_array_of_bodies_imports_in_one_go(inbound, tmp_path):
    f = tmp_path / "offline.json"
    f.write_text(json.dumps(_pd_bodies(), indent=2))
    done = batch.import_file(inbound, f, "pd")
    assert done.batch and done.failed == []
    assert [(p.number, [o.result for o in p.outcomes]) for p in done.payloads] == [
        (1, ["handled"]), (2, ["handled"]), (3, ["handled"])]
    assert done.payloads[2].outcomes[0].message == "INC-1 resolved"
    assert [(i.ref, i.status.value) for i in incidents.list_incidents(inbound, viewer="Dana")] == [
        ("INC-1", "resolved")]
    # the same file again: every payload a duplicate, nothing written
    before = _journal(inbound)
    again = batch.import_file(inbound, f, "pd")
    assert [o.result for o in again.outcomes] == ["duplicate"] * 3 and _journal(inbound) == before


def test_json_lines_report_each_payload_and_a_bad_one_writes_nothing(inbound, tmp_path):
    good = _pd_bodies()
    broken = json.loads(pagerduty("incident.annotated", "EV-BAD"))
    del broken["event"]["data"]["incident"]["id"]            # no incident id: not what PagerDuty sends
    lines = [json.dumps(good[0]), json.dumps(good[0]), "{not json", json.dumps(broken), "",
             json.dumps(good[1])]
    f = tmp_path / "offline.jsonl"
    f.write_text("\n".join(lines) + "\n")
    done = batch.import_file(inbound, f, "pd")
    by_number = {p.number: p for p in done.payloads}
    assert [o.result for o in by_number[1].outcomes] == ["handled"]
    assert [o.result for o in by_number[2].outcomes] == ["duplicate"]        # deduplicated within the file too
    assert by_number[3].error == "line 3 is not JSON." and by_number[3].outcomes == []
    assert "incident id" in by_number[4].error and by_number[4].outcomes == []
    assert [o.result for o in by_number[5].outcomes] == ["handled"]
    assert [p.number for p in done.failed] == [3, 4]
    assert "EV-BAD" not in _events(inbound) and _events(inbound) == {"EV-1", "EV-2"}
    texts = [e.text for e in timeline.entries(inbound, "INC-1", viewer="Dana")]
    assert "PagerDuty Q2K9XJ4: Acknowledged by Ravi Shah" in texts
    assert not any("Rolled back" in t for t in texts)


def test_one_payload_over_several_lines_is_still_one_payload(inbound, tmp_path):
    f = tmp_path / "one.json"
    f.write_text(json.dumps(_pd_bodies()[0], indent=2))
    done = batch.import_file(inbound, f, "pd")
    assert not done.batch and [o.message for o in done.outcomes] == ["opened INC-1 (SEV1)"]
    f.write_text('{"event": ')
    with pytest.raises(BadPayload, match="not JSON"):
        batch.import_file(inbound, f, "pd")


def test_too_many_payloads_or_too_large_a_file_is_refused_whole(inbound, tmp_path):
    before = _journal(inbound)
    many = tmp_path / "many.jsonl"
    many.write_text("\n".join([json.dumps(_pd_bodies()[0])] + ["{}"] * batch.MAX_PAYLOADS) + "\n")
    with pytest.raises(BadPayload, match=f"at most {batch.MAX_PAYLOADS} payloads"):
        batch.import_file(inbound, many, "pd")
    many.write_text(json.dumps([_pd_bodies()[0]] + [{}] * batch.MAX_PAYLOADS))
    with pytest.raises(BadPayload, match=f"more than {batch.MAX_PAYLOADS} payloads"):
        batch.import_file(inbound, many, "pd")
    big = tmp_path / "big.jsonl"
    big.write_bytes((json.dumps(_pd_bodies()[0]) + "\n").encode() + b" " * batch.MAX_FILE)
    with pytest.raises(BadPayload, match="split it"):
        batch.import_file(inbound, big, "pd")
    assert _journal(inbound) == before and incidents.count(inbound) == 0


def test_too_many_signals_in_all_is_refused_before_anything_is_applied(inbound, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "MAX_SIGNALS", 2)
    lines = [alertmanager("firing", fingerprint=f"f{n}", service="checkout").decode() for n in range(3)]
    f = tmp_path / "alerts.jsonl"
    f.write_text("\n".join(lines))
    before = _journal(inbound)
    with pytest.raises(BadPayload, match="more than 2 signals"):
        batch.import_file(inbound, f, "am")
    assert _journal(inbound) == before and components.list_components(inbound) == []
    monkeypatch.setattr(batch, "MAX_SIGNALS", 3)
    done = batch.import_file(inbound, f, "am")
    assert done.failed == [] and components.get(inbound, "Checkout").status == "major_outage"


def test_an_oversized_or_deeply_nested_element_is_bounded(inbound, tmp_path):
    huge = {"event": {"id": "EV-H", "padding": "x" * (MAX_BODY + 10)}}
    f = tmp_path / "huge.json"
    f.write_text(json.dumps([_pd_bodies()[0], huge]))
    with pytest.raises(BadPayload, match="payload 2 of the array is not JSON, or over"):
        batch.import_file(inbound, f, "pd")
    assert incidents.count(inbound) == 0
    # as JSON lines the huge line is reported, the others applied
    f.write_text(json.dumps(_pd_bodies()[0]) + "\n" + json.dumps(huge) + "\n" + "[" * 100_000 + "]" * 100_000)
    done = batch.import_file(inbound, f, "pd")
    assert [p.number for p in done.failed] == [2, 3]
    assert "bytes; at most" in done.payloads[1].error and done.payloads[2].error == "line 3 is not JSON."
    assert incidents.count(inbound) == 1
    f.write_text("[" + "[" * 100_000 + "]" * 100_000 + "]")
    with pytest.raises(BadPayload, match="payload 1 of the array"):
        batch.import_file(inbound, f, "pd")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300),
                 st.text(alphabet='[]{},:"\n 0a-', max_size=300).map(str.encode)))
def test_splitting_any_file_answers_with_payloads_or_a_refusal(data):
    try:
        bodies, is_batch = batch.split(data, "saved.json")
    except (BadPayload, InputError):
        return
    assert bodies and len(bodies) <= batch.MAX_PAYLOADS
    assert all(isinstance(b, str) or len(b) <= MAX_BODY for b in bodies)
    assert is_batch or len(bodies) == 1


def test_the_command_line_reports_each_payload(inbound, cli, tmp_path, db_path):
    inbound.close()
    good = _pd_bodies()
    f = tmp_path / "offline.jsonl"
    f.write_text("\n".join(json.dumps(b) for b in good) + "\n{oops\n")
    code, out, err = cli("--as", "admin", "inbound", "import", str(f), "--source", "pd")
    assert code == 1, err
    assert "payload 1: handled   opened INC-1 (SEV1)" in out
    assert "payload 3: handled   INC-1 resolved" in out
    assert "payload 4: not applied: line 4 is not JSON." in out
    assert "4 payloads: 3 applied, 1 not." in out
    code, out, err = cli("--as", "admin", "--json", "inbound", "import", str(f), "--source", "pd")
    data = json.loads(out)
    assert code == 1 and data["failed"] == 1
    assert [(p["payload"], p["ok"], [o["result"] for o in p["outcomes"]]) for p in data["payloads"]] == [
        (1, True, ["duplicate"]), (2, True, ["duplicate"]), (3, True, ["duplicate"]), (4, False, [])]
    f.write_text("\n".join(json.dumps(b) for b in good[:1]) + "\n")    # one payload: as before
    code, out, err = cli("--as", "admin", "--json", "inbound", "import", str(f), "--source", "pd")
    assert code == 0 and json.loads(out)[0]["result"] == "duplicate"
    code, out, err = cli("--as", "Dana", "inbound", "import", str(f), "--source", "pd")
    assert code == 3
