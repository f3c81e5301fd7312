"""Parts every view of the window shares: the row table model and the fixed-row
table look (:mod:`.tables`), the form dialog whose errors name their field
(:mod:`.forms`), the one palette (:mod:`.palette`), the window context handed
to views (:mod:`.context`) and the words a screen reader says of a control
(:mod:`.access`)."""
