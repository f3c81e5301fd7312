"""Vendor-like servers on 127.0.0.1 (HTTP APIs and SMTP) for channel tests."""
