"""The communication retrospective: figures computed from an incident's journal
(:func:`compute`), and the report as HTML (:mod:`warroom.retro.report`) and PDF
(:mod:`warroom.retro.pdf`)."""

from warroom.retro.figures import Retrospective, compute

__all__ = ["Retrospective", "compute"]
