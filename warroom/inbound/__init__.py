"""Signals in: PagerDuty, Alertmanager, Opsgenie, Statuspage and Jira webhooks (and
vendor status feeds) that open and update incidents through the same services a
person uses, acting as the source that sent them."""
