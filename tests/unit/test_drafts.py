"""Drafts: composed per audience from templates, saved as revisions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom.app import open_store
from warroom.errors import InputError
from warroom.journal import verify
from warroom.services import context, drafts, incidents
from warroom.identity import SYSTEM


@pytest.fixture
def full_store(db_path, clock):
    s = open_store(db_path, clock=clock)
    yield s
    s.close()


def test_compose_for_three_audiences_and_revise(full_store, clock):
    store = full_store
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    etr = context.make_etr(clock.now() + timedelta(hours=1), assessor="Ravi", confidence="high")
    made = drafts.compose_drafts(store, "Mia", inc.ref, ["customers", "employees", "executives"], etr=etr)
    assert [d.audience for d in made] == ["customers", "employees", "executives"]
    assert [d.template for d in made] == ["application-customers-initial", "application-employees-initial",
                                          "application-executives-initial"]
    assert all(d.revision == 1 and d.long.strip() for d in made)
    first = made[0]
    same = drafts.save_revision(store, "Mia", first.id, subject=first.subject, long=first.long, short=first.short,
                                chat=first.chat)
    assert same.revision == 1
    clock.advance(5)
    edited = drafts.save_revision(store, "Mia", first.id, subject=first.subject, long=first.long + "\nThank you.",
                                  short=first.short, chat=first.chat)
    assert edited.revision == 2 and edited.long.endswith("Thank you.")
    history = drafts.revisions(store, first.id, viewer=SYSTEM)
    assert [r.revision for r in history] == [1, 2] and history[0].long == first.long
    assert [d.id for d in drafts.list_drafts(store, inc.ref, viewer=SYSTEM)] == [d.id for d in made]
    with store.read() as session:
        assert verify(session).ok


def test_drafts_refuse_bad_input(full_store):
    store = full_store
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1")
    with pytest.raises(InputError, match="at least one audience"):
        drafts.compose_drafts(store, "Mia", inc.ref, [])
    with pytest.raises(InputError, match="Unknown audience"):
        drafts.compose_drafts(store, "Mia", inc.ref, ["customers", "martians"])
    assert drafts.list_drafts(store, inc.ref, viewer=SYSTEM) == []  # nothing half-made
    d = drafts.compose_drafts(store, "Mia", inc.ref, ["customers"])[0]
    with pytest.raises(InputError, match="over"):
        drafts.save_revision(store, "Mia", d.id, subject="s", long="x" * 20_001, short="", chat="")
