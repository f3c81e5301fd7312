"""War room: the Qt-free core.

Nothing in this package imports Qt or ``ui``; the window, the command line and
the tests all call the same services.
"""

__version__ = "0.1.0"
