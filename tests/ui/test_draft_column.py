"""A draft column (ui/draft_column.py): its times read in the locale's clock, like the timeline."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from warroom.text.timefmt import TimeFormatter
from ui.draft_column import moment_text

AT = datetime(2026, 12, 5, 8, 22, tzinfo=timezone.utc)


@pytest.mark.parametrize("locale, zone, text, same_day", [
    ("en_GB", "Europe/Berlin", "08:22 UTC, 5 Dec (09:22 CET)", "08:22 UTC (09:22 CET)"),   # 24-hour
    ("en_US", "America/New_York", "8:22\u202fAM UTC, Dec 5 (3:22\u202fAM EST)",             # 12-hour, the US habit
     "8:22\u202fAM UTC (3:22\u202fAM EST)"),
    ("de_DE", "UTC", "08:22 UTC, 5. Dez.", "08:22 UTC"),                                    # no local time twice
])
def test_a_moment_reads_in_the_locales_clock_with_the_local_time_where_it_differs(locale, zone, text, same_day):
    local = TimeFormatter(locale, zone)
    assert moment_text(local, AT).replace(" ", "\u202f") == text.replace(" ", "\u202f")
    assert moment_text(local, AT, same_day_as=AT).replace(" ", "\u202f") == same_day.replace(" ", "\u202f")
    assert moment_text(local, None) == ""


def test_a_published_column_says_when_in_the_windows_clock(qtbot, crew_window, crew):
    from warroom.services import publishing, review

    store, inc, d = crew
    review.submit(store, "Sam", d.id)
    review.override(store, "Dana", d.id, "Reviewers unreachable at night")
    publishing.publish(store, "Dana", d.id)
    w = crew_window("Dana")
    w.check_for_changes()
    column = w.composer.columns[d.id]
    assert column.note.text().startswith(f"Published {moment_text(w.local, store.clock.now())}")
    assert column.local is w.local
