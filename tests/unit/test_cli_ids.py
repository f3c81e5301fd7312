"""Ids as people use them: any unique beginning is accepted, an ambiguous one is
refused naming the candidates, lists print the shortest unique beginning (8
characters or more), and updates have references that can be said aloud (INC-1/U3)."""

from __future__ import annotations

import json
import re
import uuid

from warroom import ids


def test_unique_prefixes_grow_only_where_two_ids_begin_alike():
    a = uuid.UUID("01a2454d930473289adae40f1bb5ed4b")
    b = uuid.UUID("01a2454d930473289adae40f1bb5ed4c")   # shares 31 digits with a
    c = uuid.UUID("01a2454d9f0000000000000000000000")   # shares 9 with both
    d = uuid.UUID("ffa2454d930473289adae40f1bb5ed4b")
    short = ids.unique_prefixes([a, b, c, d], [a, b, c, d])
    assert short == {a: a.hex, b: b.hex, c: "01a2454d9f", d: "ffa2454d"}
    assert ids.unique_prefixes([d], [a, b, c]) == {d: "ffa2454d"}


def test_typed_prefixes():
    assert ids.typed_prefix(" 01A2-454D ") == "01a2454d"
    assert ids.typed_prefix("01a24") is None            # shorter than 6
    assert ids.typed_prefix("INC-1") is None
    assert ids.typed_prefix("０１２３４５６") is None      # only ASCII hex


def _incident_with_updates(cli):
    assert cli("init")[0] == 0
    assert cli("person", "add", "Tess Tester")[0] == 0
    assert cli("incident", "open", "Checkout failing", "--severity", "SEV2")[0] == 0
    code, out, err = cli("--json", "update", "new", "INC-1", "--audience", "customers,employees,executives")
    assert code == 0, err
    return json.loads(out)


def test_updates_are_listed_with_their_reference_and_shortest_unique_id(cli):
    made = _incident_with_updates(cli)
    assert [d["ref"] for d in made] == ["INC-1/U1", "INC-1/U2", "INC-1/U3"]
    code, out, _ = cli("update", "list", "INC-1")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["INC-1/U1", "INC-1/U2", "INC-1/U3"]
    printed = [line.split()[1] for line in lines]
    full = {d["id"].replace("-", "") for d in made}
    for short in printed:
        assert len(short) >= 8 and sum(f.startswith(short) for f in full) == 1
        # one character less would be ambiguous, unless it is already the shortest allowed
        assert len(short) == 8 or sum(f.startswith(short[:-1]) for f in full) > 1
    for ref, short, draft in zip(("INC-1/U2", "inc-1/u2", "1/U2"), printed[1:2] * 3, [made[1]] * 3):
        code, out, err = cli("--json", "update", "show", ref)
        assert code == 0, err
        assert json.loads(out)["id"] == draft["id"]
        code, out, _ = cli("--json", "update", "show", short)
        assert json.loads(out)["id"] == draft["id"]


def test_an_ambiguous_beginning_is_refused_naming_the_candidates(cli):
    made = _incident_with_updates(cli)
    full = [d["id"].replace("-", "") for d in made]
    common = 0
    while all(f[common] == full[0][common] for f in full):
        common += 1
    assert common >= 6, "made in one transaction: the ids share their time"
    code, out, err = cli("update", "show", full[0][:common])
    assert code == 2
    assert "begins the ids of 3 updates" in err
    named = re.findall(r"\b[0-9a-f]{8,32}\b", err.split(":", 2)[-1])
    assert len(named) == 3 and all(any(f.startswith(n) for f in full) for n in named)


def test_a_missing_update_reference_is_named(cli):
    _incident_with_updates(cli)
    code, _, err = cli("update", "show", "INC-1/U4")
    assert code == 2 and "No update INC-1/U4" in err
    code, _, err = cli("update", "show", "INC-7/U1")
    assert code == 2 and "No update INC-7/U1" in err


def test_entries_deliveries_and_incidents_by_a_unique_beginning(cli):
    _incident_with_updates(cli)
    assert cli("log", "INC-1", "Rolled back", "--kind", "action")[0] == 0
    code, out, _ = cli("timeline", "INC-1", "--ids", "--kind", "action")
    short = out.split()[0]
    assert len(short) >= 8
    code, _, err = cli("edit-entry", short, "Rolled back release 2.4.1")
    assert code == 0, err
    code, out, _ = cli("--json", "timeline", "INC-1", "--kind", "action")
    assert json.loads(out)[0]["text"] == "Rolled back release 2.4.1"
    code, out, _ = cli("--json", "incident", "show", "INC-1")
    incident_id = json.loads(out)["id"].replace("-", "")
    code, out, _ = cli("--json", "incident", "show", incident_id[:12])
    assert code == 0 and json.loads(out)["ref"] == "INC-1"
    code, _, err = cli("edit-entry", "zz", "x")
    assert code == 2 and "unique beginning" in err
