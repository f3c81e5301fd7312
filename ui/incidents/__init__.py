"""The incident list, and the window's incident writes (declare, status, severity, reopen)."""
