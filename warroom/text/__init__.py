"""Words and times as people read them: the linter, template rendering, SMS length,
time formatting and parsing, the short texts derived from an update's long text,
and every duration written out (:mod:`warroom.text.durations`)."""
