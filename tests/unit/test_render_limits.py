"""Templates render in a worker process the operating system bounds: hostile
templates are refused with the limit they hit, and this process does not pay."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom import renderworker
from warroom.errors import InputError
from warroom.text.render import MAX_OUTPUT, NEXT_UPDATE, Promised, TemplateError, render, render_many
from warroom.services import templates

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc)
CTX = {"incident": {"ref": "INC-7", "components": ["Checkout", "Login"], "status_code": "identified"},
       "update": {"now": NOW, "next_at": None}, "etr": None, "title": "Checkout slow"}

linux_only = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc")
with_limits = pytest.mark.skipif(renderworker.resource is None, reason="no kernel limits on this platform")


def _peak_kb(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _reset_peak() -> bool:
    """Linux resets the peak resident size (VmHWM) when asked; False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _worker_pid() -> int:
    render("warm", {})
    worker = renderworker.current()
    assert worker is not None
    return worker.pid


# -- the payloads that got past the sandbox's own guards ----------------------------

BIG = 1_000_000_000
SQUARINGS = "".join("{% set a = a*a %}\n" for _ in range(22))
PAYLOADS = [
    pytest.param("{{ '{:{}}'.format('', %d) }}" % BIG, {"memory"}, id="format-width"),
    pytest.param("{{ '%%*s'|format(%d, '') }}" % BIG, {"memory"}, id="percent-star"),
    # Builds 200 MB (under the worker's limit) before the output check: on a busy machine
    # the wall-clock deadline may come first.
    pytest.param("{{ range(9999)|join('x'*20000) }}", {"memory", "output size", "time"}, id="join-range"),
    pytest.param("{{ ('x'*20000)|wordwrap(1, true, 'y'*20000) }}", {"memory"}, id="wordwrap"),
    pytest.param("{% set a = 'x'*20000 %}{% set b = a~a~a~a~a~a~a~a~a~a %}{% set c = b~b~b~b~b~b~b~b~b~b %}"
                 "{% set d = c~c~c~c~c~c~c~c~c~c %}{% set e = d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d %}"
                 "{{ e|length }}", {"memory"}, id="concatenation"),
    # Big-integer squaring: one C call per line, ~3x longer each; hidden behind an if.
    pytest.param("{% set a = 9**64 %}\n{% if incident.ref %}\n" + SQUARINGS + "{% endif %}{{ a > 1 }}", {"time"},
                 id="big-integer"),
]


@linux_only
@pytest.mark.parametrize("source, limits", PAYLOADS)
def test_hostile_templates_are_refused_by_the_limit_they_hit(source, limits):
    render("warm", CTX)  # the worker is up before the peak is measured
    measurable = _reset_peak()
    before = _peak_kb()
    with pytest.raises(TemplateError) as caught:
        render(source, CTX, now=NOW)
    error = caught.value
    assert error.limit in limits
    assert f"({error.limit} limit" in str(error)
    if measurable:  # the worker took the hit, not this process
        assert _peak_kb() - before < 40_000
    assert render("Still {{ incident.ref }}", CTX) == "Still INC-7\n"


@with_limits
def test_a_time_limit_names_the_line_it_stopped_on():
    source = "Intro\n{% set a = 9**64 %}\n" + SQUARINGS + "done"
    with pytest.raises(TemplateError, match="time limit") as caught:
        render(source, CTX, now=NOW)
    assert caught.value.line is not None and 3 <= caught.value.line <= 24


def test_output_size_is_limited_in_the_worker_too():
    with pytest.raises(TemplateError, match="output size limit") as caught:
        render("{% for i in range(5000) %}{{ 'abcdefghij' }}{% endfor %}", CTX)
    assert caught.value.limit == "output size" and caught.value.line == 1


@linux_only
def test_a_worker_killed_mid_render_is_replaced():
    pid = _worker_pid()
    outcome: list[BaseException | str] = []

    def slow():
        try:
            outcome.append(render("{% set a = 9**64 %}" + SQUARINGS, CTX))
        except BaseException as exc:  # noqa: BLE001 (handed to the test's thread)
            outcome.append(exc)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], TemplateError)
    assert outcome[0].limit == "crash" and "signal 9" in str(outcome[0])
    assert render("Back: {{ incident.ref }}", CTX) == "Back: INC-7\n"
    assert renderworker.current().pid != pid


def test_the_worker_is_reused_across_renders_and_threads():
    pid = _worker_pid()
    results: dict[int, str] = {}

    def one(n: int) -> None:
        results[n] = render("{{ n }}-{{ incident.ref }}", {**CTX, "n": n})

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {n: f"{n}-INC-7\n" for n in range(8)}
    assert renderworker.current().pid == pid


def test_times_cross_the_boundary_as_themselves():
    berlin = datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    promised = Promised.fromtimestamp(NOW.timestamp(), timezone.utc)
    ctx = {**CTX, "update": {"now": NOW, "next_at": promised}, "at": berlin, "day": NOW.date(),
           "odd": {"$": "a key like the tag"}}
    text = render("{{ update.next_at | when }}; {{ at.tzinfo }} {{ at.hour }}; {{ at | utc }}; {{ day.isoformat() }}; "
                  "{{ odd['$'] }}", ctx, now=NOW)
    assert text == f"{NEXT_UPDATE}; Europe/Berlin 1; 00:30 UTC; 2026-11-23; a key like the tag\n"
    for value in (berlin, promised, NOW, NOW.date(), {"$": 1, "x": [1, (2, None)]}):
        back = renderworker.decode(renderworker.encode(value))
        assert back == (value if not isinstance(value, dict) else {"$": 1, "x": [1, [2, None]]})
        assert type(back) is type(value)
    with pytest.raises(TypeError, match="plain data only"):
        renderworker.encode({"x": object()})


def test_a_batch_stops_at_the_first_limit():
    results = render_many([("{{ incident.ref }}", CTX), ("{{ nobody }}", CTX),
                           ("{{ range(9999)|join('x'*3) }}", CTX), ("never rendered", CTX)], now=NOW)
    assert results[0] == "INC-7\n"
    assert isinstance(results[1], TemplateError) and results[1].limit is None
    assert isinstance(results[2], TemplateError) and results[2].limit == "output size"
    assert len(results) == 3


@linux_only
def test_the_worker_gets_no_secrets(monkeypatch):
    monkeypatch.setenv("WARROOM_KEY_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("WARROOM_SMTP_PASSWORD", "hunter2")
    renderworker.shutdown()  # the next render starts a worker with today's environment
    pid = _worker_pid()
    with open(f"/proc/{pid}/environ", "rb") as fh:
        env = dict(item.split(b"=", 1) for item in fh.read().split(b"\0") if item)
    assert b"WARROOM_KEY_PASSPHRASE" not in env and b"hunter2" not in b"".join(env.values())
    allowed = {k.encode() for k in renderworker.worker_env()}
    assert set(env) <= allowed


@linux_only
@with_limits
def test_the_worker_runs_under_kernel_limits():
    pid = _worker_pid()
    with open(f"/proc/{pid}/limits", encoding="ascii") as fh:
        limits = {line[:26].strip(): line[26:].split() for line in fh if line.startswith("Max")}
    assert limits["Max address space"][:2] == [str(renderworker.MEMORY_BYTES)] * 2
    assert limits["Max file size"][:2] == ["0", "0"]
    assert limits["Max core file size"][:2] == ["0", "0"]
    assert limits["Max cpu time"][0] != "unlimited"


# -- the import check: every incident shape ------------------------------------------

def _tpl(**kw):
    base = dict(name="app-customers-update", locale="en", category="application", audience="customers",
                phase="update", subject="{{ title }}", long="We are working on {{ incident.ref }}.",
                short="{{ incident.ref }}: working on it.", chat="*{{ incident.ref }}* working on it")
    base.update(kw)
    return base


def test_a_payload_behind_a_rare_shape_is_refused_at_import(store):
    hidden = ("{% if incident.status_code == 'monitoring' and not etr and not incident.components %}"
              "{% set a = 9**64 %}" + SQUARINGS + "{% endif %}We are working on {{ incident.ref }}.")
    with pytest.raises(InputError, match="time limit") as caught:
        templates.save(store, "Mia", **_tpl(long=hidden))
    message = str(caught.value)
    assert caught.value.field == "long"
    assert "monitoring, no components, no ETR" in message
    assert templates.list_templates(store) == []


def test_a_payload_only_for_the_other_kind_of_audience_is_refused(store):
    # Written for employees; the matrix can lend it to outsiders, who lack the internal title.
    hidden = ("{% if incident.title is not defined %}{{ '{:{}}'.format('', " + str(BIG) + ") }}{% endif %}"
              "{{ incident.title }}")
    with pytest.raises(InputError, match="memory limit") as caught:
        templates.save(store, "Mia", **_tpl(audience="employees", long=hidden))
    assert "an external audience" in str(caught.value)
    # Words for insiders that merely do not suit outsiders are fine.
    templates.save(store, "Mia", **_tpl(audience="employees", long="{{ incident.title }}"))


def test_the_import_check_names_the_shape_that_fails(store):
    with pytest.raises(InputError, match="no ETR") as caught:
        templates.save(store, "Mia", **_tpl(short="ETR {{ etr.text }}"))
    assert caught.value.field == "short"
    templates.save(store, "Mia", **_tpl(short="{% if etr %}ETR {{ etr.text }}{% else %}No ETR yet{% endif %}"))


# -- any template from a small grammar ends in text or a TemplateError ------------------

# Numbers and texts, built from the constructs that can grow: arithmetic, repetition,
# concatenation, format widths, join, wordwrap, replace, center, range; a few deep.
_INT_LEAVES = ["0", "3", "7", "99", "9999", "20000", "10**6", "10**9", "9**64", "a"]
_TEXT_LEAVES = ["'x'", "'ab '", "'x'*20000", "incident.ref", "title", "b"]
_INT_FORMS = ["({i} * {i})", "({i} + {i})", "({i} - {i})", "({i} // {i})", "({i} ** 2)", "({i} ** 64)", "({t})|length"]
_TEXT_FORMS = ["({t} ~ {t})", "({t} + {t})", "({t} * {i})", "'%*s'|format({i}, {t})", "'{:{}}'.format({t}, {i})",
               "range({i})|join({t})", "incident.components|join({t})", "({t})|wordwrap({i}, true, {t})",
               "({t})|replace({t}, {t})", "({t})|center({i})", "({i})|string"]


@st.composite
def expressions(draw, kind: str, depth: int = 3) -> str:
    """A number (``kind="int"``) or a text expression, up to ``depth`` constructs deep."""
    leaves, forms = (_INT_LEAVES, _INT_FORMS) if kind == "int" else (_TEXT_LEAVES, _TEXT_FORMS)
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(leaves))
    form = draw(st.sampled_from(forms))
    # Each hole gets its own sub-expression, drawn in order.
    out, rest = "", form
    while "{i}" in rest or "{t}" in rest:
        cut = min(x for x in (rest.find("{i}"), rest.find("{t}")) if x >= 0)
        hole = rest[cut:cut + 3]
        out += rest[:cut] + draw(expressions("int" if hole == "{i}" else "text", depth - 1))
        rest = rest[cut + 3:]
    return out + rest


@st.composite
def blocks(draw, depth: int = 3) -> str:
    """Text, outputs, loops over range, sets with arithmetic, if/else, nested."""
    choice = draw(st.integers(0, 6 if depth else 2))
    if choice == 0:
        return draw(st.sampled_from(["Hello ", "x", "\n", "{{ a }}", "{{ b }}"]))
    if choice in (1, 2):
        return "{{ " + draw(expressions(draw(st.sampled_from(["int", "text"])))) + " }}"
    if choice == 3:
        return f"{{% set a = {draw(expressions('int'))} %}}\n"
    if choice == 4:
        return f"{{% set b = {draw(expressions('text'))} %}}\n"
    body = "".join(draw(st.lists(blocks(depth - 1), min_size=1, max_size=4)))
    if choice == 5:
        return f"{{% for i in range({draw(expressions('int', 1))}) %}}{body}{{% endfor %}}"
    other = "".join(draw(st.lists(blocks(depth - 1), max_size=3)))
    return f"{{% if {draw(expressions('int', 2))} %}}{body}{{% else %}}{other}{{% endif %}}"


TEMPLATES = st.lists(blocks(), min_size=1, max_size=6).map(
    lambda parts: "{% set a = 7 %}{% set b = 'xy' %}" + "".join(parts))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEMPLATES)
def test_any_template_of_the_grammar_ends_in_text_or_a_template_error(source):
    try:
        text = render(source, CTX, now=NOW)
    except TemplateError as exc:
        assert exc.limit in (None, "time", "memory", "output size")
    else:
        assert len(text) <= MAX_OUTPUT + 1


def test_renders_go_through_another_process():
    pid = _worker_pid()
    assert pid != os.getpid()
    assert renderworker.current().alive()
