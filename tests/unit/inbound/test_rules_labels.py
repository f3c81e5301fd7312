"""A source's routing rules (the category and template of an incident a signal
opens) can match an Alertmanager label's value, the group's common labels among them,
as well as tags, service and components."""

from __future__ import annotations

import json

import pytest

from tests.unit.inbound.payloads import alertmanager, pagerduty
from warroom.errors import InputError
from warroom.inbound import receiver, sources
from warroom.services import incidents

RULES = [{"label": "team", "match": "Identity", "category": "security"},
         {"label": "env", "match": "staging", "category": "other"},
         {"match": "search", "category": "application"}]


def _am(store, rules=RULES):
    settings = dict(sources.get(store, "am").settings)
    sources.update(store, "admin", "am", settings={**settings, "rules": rules})
    return sources.get(store, "am")


def _search_alert(fp="s1", labels=None, common=None):
    data = json.loads(alertmanager("firing", fingerprint=fp, service="search"))
    data["alerts"][0]["labels"].update(labels or {})
    data["commonLabels"] = {**data["alerts"][0]["labels"], **(common or {})}
    return json.dumps(data).encode()


def test_a_rule_matches_an_alerts_own_label(inbound):
    src = _am(inbound)
    [out] = receiver.receive(inbound, src, {}, _search_alert(labels={"team": "identity"}))
    assert incidents.get(inbound, out.incident, viewer="Dana").category.value == "security"


def test_a_rule_matches_a_common_label_of_the_group(inbound):
    src = _am(inbound)
    body = json.loads(_search_alert())
    body["commonLabels"]["team"] = "identity"        # named once for the group, not on the alert itself
    [out] = receiver.receive(inbound, src, {}, json.dumps(body).encode())
    assert incidents.get(inbound, out.incident, viewer="Dana").category.value == "security"


def test_the_alerts_own_label_wins_over_the_common_one_and_order_decides(inbound):
    src = _am(inbound)
    body = json.loads(_search_alert(labels={"team": "search-team"}))
    body["commonLabels"]["team"] = "identity"
    [out] = receiver.receive(inbound, src, {}, json.dumps(body).encode())
    # team is search-team on the alert: the label rule does not match; the service rule does
    assert incidents.get(inbound, out.incident, viewer="Dana").category.value == "application"


def test_a_label_rule_never_matches_a_tag_or_service_of_the_same_word(inbound):
    pd = sources.get(inbound, "pd")
    sources.update(inbound, "admin", "pd", settings={**pd.settings, "rules": [
        {"label": "team", "match": "payments", "category": "security"}]})
    [out] = receiver.receive(inbound, sources.get(inbound, "pd"), {}, pagerduty("incident.triggered", "E1"))
    # PagerDuty's team Payments is a tag, not a label: no rule matched
    assert incidents.get(inbound, out.incident, viewer="Dana").category.value == "other"


def test_a_rules_label_is_stored_and_checked(inbound):
    src = _am(inbound)
    assert src.settings["rules"][0] == {"match": "identity", "label": "team", "category": "security"}
    with pytest.raises(InputError, match="label is the name"):
        _am(inbound, [{"label": 7, "match": "x", "category": "security"}])
