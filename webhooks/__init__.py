"""Webhooks: signed, retried, replayable event deliveries to EPJ systems (API clients).

Imports point down only: webhooks → registry. pathways and coordination call
`webhooks.events.emit(...)` inside their services' transactions.
"""
