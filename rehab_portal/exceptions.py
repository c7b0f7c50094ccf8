"""Errors the services raise that both the UI and the API turn into precise answers."""

from django.utils.translation import gettext as _


class StateConflict(Exception):
    """The step does not fit the record's current state (e.g. acknowledging twice).
    The API answers 409; the UI shows the message. Nothing was written."""

    def __init__(self, message: str, *, code: str = "state_conflict", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class StaleVersion(StateConflict):
    """The record changed since the caller read it (optimistic locking). The API answers 412
    with the current version's ETag; the UI shows the message. Nothing was written."""

    def __init__(self, current_version: int, message: str | None = None):
        super().__init__(message or _(
            "Someone changed the record since you read it (now version %(version)s).")
            % {"version": current_version}, code="stale", field="version")
        self.current_version = current_version
