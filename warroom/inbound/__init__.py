"""Signals in: what other systems tell War room (webhooks, vendor status feeds), taken through the same services as a person."""
