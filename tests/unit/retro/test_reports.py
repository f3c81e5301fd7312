"""The retrospective as text, HTML and PDF: on the demo's real incident, with a hostile
title, and written whole or not at all by ``warroom-cli retro --out``."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers.team import team
from warroom import demo, retro
from warroom.errors import InputError
from warroom.identity import SYSTEM
from warroom.retro import files
from warroom.retro.pdf import render_pdf
from warroom.retro.report import render_html
from warroom.retro.summary import text_report
from warroom.services import incidents

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> "quotes" Tomás'


@pytest.fixture
def demo_store(db_path, clock, memory_keyring):
    """The demo on the simulated clock: the same story, the same figures, every run."""
    from warroom.app import open_store

    s = open_store(db_path, clock=clock)
    demo.create(s)
    yield s
    s.close()


def test_the_demo_incident_has_figures(demo_store, cli):
    code, out, err = cli("--as", "Dana Okafor", "retro", "INC-1", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["incident"]["ref"] == "INC-1"
    assert r["first_word"]["by_audience"]["customers"]["from_detection_s"] > 0
    assert r["first_word"]["detection_to_declared_s"] == 180
    assert r["cadence"]["customers"]["gaps"] and r["cadence"]["executives"]["gaps"]
    assert r["reviews"]["by_role"]["technical_reviewer"]["count"] == 1
    assert r["delivery"]["by_channel"]


def test_the_text_fits_80_columns(demo_store, cli):
    code, out, err = cli("--as", "Dana Okafor", "retro", "INC-1")
    assert code == 0, err
    assert "TIME TO FIRST WORD" in out and "CADENCE KEPT" in out and "DELIVERY" in out
    long_lines = [line for line in out.splitlines()[2:] if len(line) > 80]
    assert long_lines == []


def _hostile(store):
    team(store)
    return incidents.open_incident(store, "Dana", title=HOSTILE, severity="SEV2")


def test_the_html_escapes_a_hostile_title_and_stands_alone(store):
    inc = _hostile(store)
    html = render_html(retro.compute(store, inc.id, viewer="Dana"))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert "<svg" in html and "<style>" in html
    assert "built-in method" not in html and 'background: #1f5f9e' in html     # the legend's own colours
    # Self-contained: nothing fetched, no script.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html.lower()


def test_the_pdf_is_a_pdf_with_its_pages(store):
    inc = _hostile(store)
    data = render_pdf(retro.compute(store, inc.id, viewer="Dana"))
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1     # a quiet incident fits one page


def test_the_demo_pdf_runs_to_three_pages(demo_store):
    """The figures and the chart, the sections, and the stakeholders' questions."""
    data = render_pdf(retro.compute(demo_store, "INC-1", viewer="Dana Okafor"))
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 3


def test_out_picks_the_format_by_suffix(demo_store, cli, tmp_path):
    for name, magic in (("r.html", b"<!DOCTYPE html>"), ("r.PDF", b"%PDF-")):
        code, _out, err = cli("--as", "Dana Okafor", "retro", "INC-1", "--out", str(tmp_path / name))
        assert code == 0, err
        assert (tmp_path / name).read_bytes().startswith(magic)
        assert (tmp_path / name).stat().st_mode & 0o077 == 0      # owner-only: it says what happened


def test_a_bad_suffix_or_an_unwritable_path_is_a_clear_error_and_writes_nothing(demo_store, cli, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    code, out, err = cli("--as", "Dana Okafor", "retro", "INC-1", "--out", str(folder / "r.docx"))
    assert code == 2 and ".html or a .pdf" in err
    assert list(folder.iterdir()) == []
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, out, err = cli("--as", "Dana Okafor", "retro", "INC-1", "--out", str(locked / "r.pdf"))
        import os

        if os.geteuid() != 0:      # root writes anywhere
            assert code == 2 and "Cannot write" in err and "Nothing was written" in err
            assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)
    code, out, err = cli("--as", "Dana Okafor", "retro", "INC-1", "--out", str(folder))
    assert code == 2 and ".html or a .pdf" in err
    (folder / "dir.pdf").mkdir()
    code, out, err = cli("--as", "Dana Okafor", "retro", "INC-1", "--out", str(folder / "dir.pdf"))
    assert code == 2 and "folder" in err


def test_a_write_that_fails_leaves_the_old_file_and_no_part_file(demo_store, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "r.html"
    target.write_text("old report")
    (folder / "r.html.part").mkdir()        # the temporary file cannot be made
    with pytest.raises(InputError, match="Nothing was written"):
        files.write(retro.compute(demo_store, "INC-1", viewer=SYSTEM), target)
    assert target.read_text() == "old report"


def test_text_report_says_what_happened(demo_store):
    text = text_report(retro.compute(demo_store, "INC-1", viewer=SYSTEM))
    assert text.startswith("INC-1: Regional cloud outage")
    assert "customers" in text and "overdue" in text


def test_the_follow_up_actions_are_listed_with_owner_due_date_and_done_or_not(store, tmp_path):
    """As the post-incident report lists them: in the figures, the text, the HTML and the PDF."""
    from warroom.services import followups

    inc = _hostile(store)
    followups.add_followup(store, "Dana", inc.id, "Alert on expiring certificates", owner="Ravi Shah",
                           due="2026-12-20")
    done = followups.add_followup(store, "Dana", inc.id, "Runbook: <b>rotate</b> the edge certificate",
                                  owner="Dana", due="2026-12-10")
    followups.mark_done(store, "Dana", done.id)
    result = retro.compute(store, inc.id, viewer="Dana")
    assert [(f["owner"], f["due"], f["done"]) for f in result.to_json()["followups"]] == [
        ("Ravi Shah", "2026-12-20", False), ("Dana", "2026-12-10", True)]
    assert "FOLLOW-UP ACTIONS" in text_report(result) and "2 follow-up actions: 1 done, 1 open." in text_report(result)
    html = render_html(result)
    section = html[html.index("<h2>Follow-up actions</h2>"):]
    for words in ("Alert on expiring certificates", "Ravi Shah", "2026-12-20", "open", "2026-12-10", "done "):
        assert words in section
    assert "&lt;b&gt;rotate&lt;/b&gt;" in section and "<b>rotate" not in html       # their words, as text
    pdf = files.write(result, tmp_path / "r.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_no_follow_up_no_section(store):
    inc = _hostile(store)
    result = retro.compute(store, inc.id, viewer="Dana")
    assert result.to_json()["followups"] == []
    assert "Follow-up actions" not in render_html(result)
