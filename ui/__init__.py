"""The PySide6 front end. It calls the core services in ``warroom``; the arrow
never runs the other way."""
