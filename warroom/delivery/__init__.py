"""Delivery: queueing a published update on its channels (:mod:`~warroom.delivery.planning`),
sending what is queued (:mod:`~warroom.delivery.dispatcher`, with the marks of
:mod:`~warroom.delivery.inflight` beside the database), and failing over to the
next channel or giving up with an alert (:mod:`~warroom.delivery.failover`). The
rows themselves, their settings, retry and cancel are :mod:`warroom.services.outbox`."""
