"""``warroom-cli``: every capability, headless.

Exit codes: 0 ok, 1 a check failed, 2 usage or input error, 3 not permitted
(the message names the role needed), 70 an unexpected internal error (details
in the log file).

The package by command group: :mod:`~warroom.cli.parser` declares every command,
:mod:`~warroom.cli.app` runs one, and each group's module (``incidents``,
``timeline``, ``updates``, ``people``, ``stakeholders``, ``settings``, ``policy``,
``templates``, ``channels``, ``matrix``, ``outbox``, ``statuspage``, ``audit``)
is imported only when one of its commands runs."""

from __future__ import annotations

from warroom.cli.app import main

__all__ = ["main"]
