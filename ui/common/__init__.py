"""Parts every view of the window shares: the row table model and the fixed-row
table look (:mod:`.tables`), the form dialog whose errors name their field
(:mod:`.forms`), the one palette (:mod:`.palette`) and the window context handed
to views (:mod:`.context`)."""
