"""Key accounts: marked in the register with a success manager and the components
they use; a personal update drafted for each affected one (its name, its affected
components, times in its time zone) and reviewed like any update; the matrix routing
key accounts to their success manager's e-mail, delivered to a mail server on
127.0.0.1; and the same on the command line."""

from __future__ import annotations

import json

import pytest

from tests.helpers.delivery import make_dispatcher
from warroom.delivery import planning
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import drafts, incidents, key_accounts, matrix, outbox, publishing, review, stakeholders
from warroom.store.models import Stakeholder
from warroom.sync.apply import rebuild
from warroom.sync.apply_compare import differences, snapshot
from warroom.store import Store

CSM = "carla.success@example.com"


@pytest.fixture
def accounts(world):
    stakeholders.save(world, "admin", name="Carla Success", audience="employees", email=CSM)
    stakeholders.save(world, "admin", name="Globex", audience="customers", email="it@globex.example",
                      timezone="America/New_York", key_account=True, success_manager="Carla Success",
                      components="checkout; Search")
    stakeholders.save(world, "admin", name="Initech", audience="customers", email="it@initech.example",
                      timezone="Asia/Tokyo", key_account=True, success_manager="Carla Success", components="Billing")
    return world


def _incident(store, **kw):
    return incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                   components=["Checkout", "Payments"], customer_facing=True, **kw)


def _publish(store, d):
    review.submit(store, "Dana", d.id)
    review.override(store, "Dana", d.id, "Reviewers unreachable at night")
    return publishing.publish(store, "Dana", d.id)


def test_a_key_account_needs_a_success_manager_with_a_valid_e_mail(world):
    with pytest.raises(InputError, match="needs a success manager") as caught:
        stakeholders.save(world, "admin", name="Globex", audience="customers", key_account=True)
    assert caught.value.field == "success_manager"
    with pytest.raises(InputError, match="valid e-mail") as caught:
        stakeholders.save(world, "admin", name="Globex", audience="customers", key_account="yes",
                          success_manager="No Mail Ltd")          # in the register, but without an address
    assert caught.value.field == "success_manager"
    with pytest.raises(InputError, match="yes or no"):
        stakeholders.save(world, "admin", name="Globex", audience="customers", key_account="perhaps")
    assert [s.name for s in stakeholders.list_stakeholders(world) if s.name == "Globex"] == []
    # A person from the people register will do as well as a stakeholder.
    from warroom.services import people
    people.save(world, SYSTEM, "Kim Manager", roles="viewer", email="kim@example.com")
    s = stakeholders.save(world, "admin", name="Globex", audience="customers", key_account=True,
                          success_manager="Kim Manager", components=["Checkout", "checkout", " Search "])
    assert (s.key_account, s.components) == (True, ("Checkout", "Search"))
    # Editing keeps what is not given; the export and import carry both fields.
    edited = stakeholders.edit(world, "admin", "Globex", timezone="Europe/Berlin")
    assert (edited.key_account, edited.components, edited.timezone) == (True, ("Checkout", "Search"), "Europe/Berlin")
    text = stakeholders.export_csv(world)
    assert "key_account,components" in text.splitlines()[0] and ",yes,Checkout; Search" in text
    stakeholders.edit(world, "admin", "Globex", key_account=False, components="")
    assert stakeholders.import_csv(world, "admin", text) == 5             # three customers, no-mail, Globex
    assert stakeholders.get(world, "Globex").components == ("Checkout", "Search")


def test_each_affected_key_account_gets_a_personal_update_for_its_success_manager(accounts):
    inc = _incident(accounts)
    made = key_accounts.draft_key_accounts(accounts, "Sam Writer", inc.ref)
    [d] = made.drafts
    assert made.skipped == ["Initech: none of its components (Billing) is affected."]
    assert (d.addressee, d.audience, d.state) == ("Globex", "customers", "draft")
    assert d.subject.startswith("Globex: ")
    assert "Dear Globex team" in d.long and "affecting Checkout," in d.long and "Payments" not in d.long.split(
        "affecting")[1].split(",")[0]
    # 09:00 UTC on 23 November is 4:00 AM in New York, and the draft says which zone.
    assert "4:00 AM" in d.long and "America/New_York" in d.long
    assert "Carla Success, your customer success manager" in d.long
    # It goes through the same review: publishing without it is refused.
    with pytest.raises(Exception, match="review"):
        publishing.publish(accounts, "Dana", d.id)


def test_a_german_key_account_gets_german_words_in_its_own_zone(accounts):
    stakeholders.edit(accounts, "admin", "Initech", locale="de", components="Payments")
    inc = _incident(accounts)
    made = key_accounts.draft_key_accounts(accounts, "Sam Writer", inc.ref, accounts=["Initech"])
    [d] = made.drafts
    assert "Sehr geehrtes Team von Initech" in d.long and "Payments" in d.long
    assert "18:00" in d.long and "Asia/Tokyo" in d.long           # 09:00 UTC is 18:00 in Tokyo
    with pytest.raises(NotFound, match="not a key account"):
        key_accounts.draft_key_accounts(accounts, "Sam Writer", inc.ref, accounts=["Customer 0"])


@pytest.mark.parametrize("locale, affected, status", [
    ("en", "Affected: Checkout", "Status: "), ("de", "Betroffen: Checkout", "Status: "),
    ("fr", "Services touchés : Checkout", "Statut : "), ("es", "Afectado: Checkout", "Estado: ")])
def test_the_chat_text_puts_the_affected_components_and_the_status_on_their_own_lines(accounts, locale, affected,
                                                                                       status):
    # The block that names the components once swallowed its line break: "Affected: CheckoutStatus: …".
    stakeholders.edit(accounts, "admin", "Globex", locale=locale, components="Checkout")
    inc = _incident(accounts)
    [d] = key_accounts.draft_key_accounts(accounts, "Sam Writer", inc.ref, accounts=["Globex"]).drafts
    lines = d.chat.splitlines()
    assert affected in lines, d.chat
    assert any(line.startswith(status) for line in lines), d.chat
    assert lines.index(affected) + 1 == next(n for n, line in enumerate(lines) if line.startswith(status))


def test_who_may_draft_them_and_what_an_incident_must_name(accounts):
    inc = _incident(accounts)
    with pytest.raises(NotPermitted):
        key_accounts.draft_key_accounts(accounts, "Vic Viewer", inc.ref)
    bare = incidents.open_incident(accounts, "Dana", title="Something", severity="SEV2", category="application")
    with pytest.raises(InputError, match="names no affected components"):
        key_accounts.draft_key_accounts(accounts, "Sam Writer", bare.ref)
    assert [d for d in drafts.list_drafts(accounts, bare.ref, viewer="Dana")] == []


def _sent_to(fake_smtp) -> list[str]:
    return sorted(a for m in fake_smtp.messages for a in m.rcpt_tos)


def test_the_matrix_routes_key_accounts_to_their_success_managers_e_mail(accounts, clock, fake_smtp):
    matrix.set_cell(accounts, "admin", "customers", "SEV1", channels="email", via_success_manager=True)
    assert matrix.cell(accounts, "customers", "SEV1").via_success_manager
    inc = _incident(accounts)
    general = drafts.compose_drafts(accounts, "Sam Writer", inc.id, ["customers"])[0]
    planned = _publish(accounts, general)
    # Three customers at their own address; the two key accounts through their one manager, who gets it once.
    assert planned.deliveries == 4
    rows = sorted((r.recipient, r.address) for r in outbox.list_deliveries(accounts, viewer=SYSTEM))
    assert rows == [("Customer 0", "ops0@customer0.example"), ("Customer 1", "ops1@customer1.example"),
                    ("Customer 2", "ops2@customer2.example"), ("Globex", CSM)]
    make_dispatcher(accounts, clock).run_once()
    sent = _sent_to(fake_smtp)
    assert CSM in sent and "it@globex.example" not in sent and "it@initech.example" not in sent


def test_without_the_matrix_saying_so_key_accounts_are_reached_directly(accounts, clock, fake_smtp):
    matrix.set_cell(accounts, "admin", "customers", "SEV1", channels="email")
    inc = _incident(accounts)
    _publish(accounts, drafts.compose_drafts(accounts, "Sam Writer", inc.id, ["customers"])[0])
    make_dispatcher(accounts, clock).run_once()
    sent = _sent_to(fake_smtp)
    assert "it@globex.example" in sent and CSM not in sent


def test_a_personal_update_reaches_its_account_alone_never_a_public_channel(accounts, clock, fake_smtp,
                                                                            fake_statuspage):
    matrix.set_cell(accounts, "admin", "customers", "SEV1", channels="statuspage, email", via_success_manager=True)
    inc = _incident(accounts)
    [d] = key_accounts.draft_key_accounts(accounts, "Sam Writer", inc.ref).drafts
    preview = planning.preview(accounts, d.id, viewer="Dana")
    assert preview.deliveries == 1 and preview.channels == ("email",)
    assert preview.notes[0] == "statuspage reaches everyone at once: Globex's personal update does not go there."
    planned = _publish(accounts, d)
    assert planned.deliveries == 1
    [row] = outbox.list_deliveries(accounts, viewer=SYSTEM)
    assert (row.channel, row.recipient, row.address) == ("email", "Globex", CSM)
    make_dispatcher(accounts, clock).run_once()
    assert _sent_to(fake_smtp) == [CSM]
    body = fake_smtp.messages[0].message.get_body(("plain",)).get_content()
    assert "Dear Globex team" in body
    # The next update's time, written in at publish, is in the account's zone too (09:00 UTC + 30 min cadence).
    assert "**Next update:** 09:30 UTC (4:30 AM EST)" in body


def test_the_journal_alone_rebuilds_key_accounts_routing_and_personal_updates(accounts, clock, tmp_path):
    matrix.set_cell(accounts, "admin", "customers", "SEV1", channels="email", via_success_manager=True)
    inc = _incident(accounts)
    key_accounts.draft_key_accounts(accounts, "Sam Writer", inc.ref)
    other = Store.open(tmp_path / "other.db", clock=clock)
    try:
        rebuild(accounts, other)
        with accounts.read() as session:
            want = snapshot(session)
        with other.read() as session:
            got = snapshot(session)
            row = session.query(Stakeholder).filter_by(name="Globex").one()
            assert (row.key_account, row.components) == (True, ["checkout", "Search"])
        assert differences(want, got) == []
        assert matrix.cell(other, "customers", "SEV1").via_success_manager
        assert [d.addressee for d in drafts.list_drafts(other, inc.ref, viewer=SYSTEM)] == ["Globex"]
    finally:
        other.close()


def test_the_command_line_marks_key_accounts_and_drafts_their_updates(cli, db_path):
    from tests.helpers.team import team_file

    team_file(db_path)
    assert cli("stakeholder", "add", "Carla Success", "--audience", "employees", "--email", CSM, "--as", "admin")[0] == 0
    assert cli("stakeholder", "add", "Globex", "--audience", "customers", "--timezone", "America/New_York",
               "--as", "admin")[0] == 0
    code, out, err = cli("stakeholder", "edit", "Globex", "--key-account", "--as", "admin")
    assert code == 2 and "needs a success manager" in err
    code, out, err = cli("stakeholder", "edit", "Globex", "--key-account", "--success-manager", "Carla Success",
                         "--components", "Checkout", "--as", "admin")
    assert code == 0 and "key account of Carla Success" in out
    code, out, _ = cli("stakeholder", "list", "--json", "--as", "admin")
    globex = [s for s in json.loads(out) if s["name"] == "Globex"][0]
    assert (globex["key_account"], globex["components"], globex["timezone"]) == (True, ["Checkout"],
                                                                                 "America/New_York")
    assert cli("incident", "open", "Checkout failing", "-s", "SEV1", "--components", "Checkout", "--as", "Dana")[0] == 0
    code, out, err = cli("update", "key-accounts", "INC-1", "--json", "--as", "Sam")
    assert code == 0, err
    data = json.loads(out)
    assert [(d["ref"], d["addressee"]) for d in data["drafts"]] == [("INC-1/U1", "Globex")] and data["skipped"] == []
    assert cli("matrix", "set", "customers", "SEV1", "--key-accounts-via-manager", "--as", "admin")[0] == 0
    assert cli("update", "key-accounts", "INC-1", "--as", "Vic Viewer")[0] == 3


def test_routed_through_the_manager_a_key_account_gets_no_text_message_of_its_own(accounts):
    stakeholders.edit(accounts, "admin", "Globex", phone="+12125550123")
    stakeholders.edit(accounts, "admin", "Customer 0", phone="+12125550199")
    with accounts.read() as session:
        direct = {r.name for r in outbox.recipients(session, "phone", "customers")}
        routed = {r.name: r.address for r in outbox.recipients(session, "phone", "customers", via_manager=True)}
        mail = {r.name: r.address for r in outbox.recipients(session, "email", "customers", via_manager=True)}
    assert direct == {"Globex", "Customer 0"} and routed == {"Customer 0": "+12125550199"}
    assert mail["Globex"] == mail["Initech"] == CSM and mail["Customer 1"] == "ops1@customer1.example"
    # A manager whose address no longer passes the checks reaches nobody rather than the account.
    with accounts.write("admin") as tx:
        tx.session.query(Stakeholder).filter_by(name="Carla Success").one().email = "not an address"
    with accounts.read() as session:
        mail = {r.name for r in outbox.recipients(session, "email", "customers", via_manager=True)}
    assert "Globex" not in mail and "Customer 0" in mail


def test_a_bad_key_account_field_is_named_as_itself(store):
    """The error names the field that failed (the form marks it), not a function."""
    with pytest.raises(InputError) as info:
        stakeholders.save(store, SYSTEM, name="Globex", audience="customers", email="ops@globex.example",
                          components="x" * 5000)
    assert info.value.field == "components"
