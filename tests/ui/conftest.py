"""The window's fixtures, one set for every test of ui/: a real database, a simulated
clock, synchronous operations. Helpers that build on them are in tests/helpers/window.py."""

from __future__ import annotations

import pytest

from warroom.app import open_store
from warroom.services import channels, drafts, incidents, matrix, outbox, review, settings, timeline
from ui.qt import QMessageBox
from tests.helpers.team import team
from tests.helpers.window import HOSTILE


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """The window speaks English in tests, whatever the machine's LANG (the app's own start
    and the programs the tests start included), unless a test asks for another language
    (``ui.i18n.set_language``); the next test starts in English again."""
    from ui import i18n

    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(var, "C.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.setattr(i18n, "system_language", lambda: "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def seeded(store, clock):
    inc = incidents.open_incident(store, "Dana", title="Checkout failing in Europe", severity="SEV2",
                                  category="application", customer_facing=True, components=["Checkout"])
    for i, text in enumerate(["Error rate at 38%", "Rolled back release 2.4.1", "Vendor confirms packet loss"]):
        clock.advance(60)
        timeline.log(store, "Dana", inc.id, text, kind=["note", "action", "external"][i])
    return inc


@pytest.fixture
def open_window(qtbot, monkeypatch):
    """The one way tests open the main window: on ``store``, as ``actor``, with synchronous
    operations, times in ``zone``, no polling, and errors recorded in ``w.errors``
    instead of modal boxes. Every window made is closed before the database is."""
    from ui.mainwindow import MainWindow
    from ui.ops import Operations
    from ui.qt import qt_alive
    from warroom.text.timefmt import TimeFormatter

    made = []

    def make(store, actor: str = "Tess Tester", *, zone: str = "Europe/Berlin", active: bool = False, **kwargs):
        w = MainWindow(store, actor, ops=Operations(synchronous=True), local=TimeFormatter("en_GB", zone),
                       poll_ms=100_000, **kwargs)
        errors: list[BaseException] = []
        monkeypatch.setattr(w, "show_error", errors.append)  # no modal boxes in tests
        w.errors = errors
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        if active:
            w.activateWindow()
            qtbot.waitActive(w)  # shortcuts go to the active window
        made.append(w)
        return w

    yield make
    for w in made:
        if qt_alive(w):
            w.close()


@pytest.fixture
def window(open_window, store, seeded):
    return open_window(store)


@pytest.fixture(autouse=True)
def confirmations(monkeypatch):
    """Questions asked before what cannot be undone (publishing): recorded, and
    answered with ``confirmations.answer`` (yes unless a test says otherwise)."""
    import ui.composer

    class Asked(list):
        answer = True

    asked = Asked()

    def confirm(parent, title, text, action):
        asked.append(text)
        return asked.answer

    monkeypatch.setattr(ui.composer, "confirm", confirm)
    return asked


# -- a world with channels: deliveries, the matrix, the status bar -------------------------


@pytest.fixture
def world(db_path, clock, memory_keyring, fake_slack, tmp_path):
    """The team (tests/helpers/team.py), Slack (the fake on 127.0.0.1) and a status page
    in a folder; customers at SEV1 are told through both."""
    store = open_store(db_path, clock=clock)
    team(store)
    channels.add(store, "admin", "slack", "slack", {}, secret=fake_slack.webhook_url)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(tmp_path / "site")})
    outbox.set_settings(store, "admin", timeout_s=0.5, failover_after_s=300, breaker_failures=3,
                        breaker_cooldown_s=30, dead_after_s=6 * 3600)
    matrix.set_cell(store, "admin", "customers", "SEV1", channels="slack, site")
    yield store
    store.close()


@pytest.fixture
def world_window(open_window, world):
    return open_window(world)


@pytest.fixture
def boxes(monkeypatch):
    """Message boxes recorded as (kind, text) instead of shown; questions answered yes."""
    said: list[tuple[str, str]] = []

    def record(kind, answer=QMessageBox.StandardButton.Ok):
        def box(parent, title, text, *args, **kwargs):
            said.append((kind, text))
            return answer
        return box

    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    monkeypatch.setattr(QMessageBox, "question", record("question", QMessageBox.StandardButton.Yes))
    return said


# -- drafts: the composer, the template editor, reviews -----------------------------------


@pytest.fixture
def linted(db_path, clock):
    """An open register with the linter told the internal domain, and a customer-facing SEV1: (store, incident)."""
    store = open_store(db_path, clock=clock)
    settings.set_lint_domains(store, "Mia", internal_domains=["corp.example.com"])
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    yield store, inc
    store.close()


@pytest.fixture
def linted_window(open_window, linted):
    return open_window(linted[0], "Mia")


@pytest.fixture
def crew(db_path, clock):
    """A closed people register (tests/helpers/team.py), an incident, a customers' draft by Sam."""
    store = open_store(db_path, clock=clock)
    team(store)
    settings.set_lint_domains(store, "admin", internal_domains=["corp.example.com"])
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    d = drafts.compose_drafts(store, "Sam", inc.id, ["customers"])[0]
    yield store, inc, d
    store.close()


@pytest.fixture
def crew_window(open_window, crew):
    """``crew_window(actor)``: the window as that person, on the incident's drafts."""
    store, inc, _d = crew

    def make(actor):
        w = open_window(store, actor, zone="UTC", remember_layout=False)
        w.reload_incidents(select=inc.id)
        w.show_composer()
        return w

    return make


@pytest.fixture
def in_review(db_path, clock):
    """The team, an incident and Sam's customers' draft, revised and submitted for review."""
    store = open_store(db_path, clock=clock)
    team(store)
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1")
    d = drafts.compose_drafts(store, "Sam", inc.id, ["customers"])[0]
    drafts.save_revision(store, "Sam", d.id, subject=d.subject, long=d.long + "\nThank you for your patience.",
                         short=d.short, chat=d.chat)
    review.submit(store, "Sam", d.id)
    yield store, inc, d
    store.close()


@pytest.fixture
def review_window(open_window, in_review):
    """``review_window(actor)``: the active window as that person."""
    return lambda actor: open_window(in_review[0], actor, zone="UTC", active=True, remember_layout=False)


# -- words written as markup ---------------------------------------------------------------


@pytest.fixture
def hostile(store, clock):
    """An incident whose title, commander, components and first entry are markup."""
    inc = incidents.open_incident(store, "<b>Dana</b>", title=HOSTILE, severity="SEV1",
                                  components=["<i>Checkout</i>"])
    clock.advance(60)
    timeline.log(store, "<b>Dana</b>", inc.id, "<font color=red>Rolled back</font> release 2.4.1")
    return inc


@pytest.fixture
def hostile_window(open_window, store, hostile):
    return open_window(store)
