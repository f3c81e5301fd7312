"""The selected incident's timeline: filters, search, the paged table and the quick-entry line."""

from ui.timeline.panel import TimelinePanel

__all__ = ["TimelinePanel"]
