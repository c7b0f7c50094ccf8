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
    with the current version's ETag; a form shows the message and what changed, and takes the
    current version, so that saving again is a deliberate choice. Nothing was written.

    `current` is the record as it is now, when the service has it; `changes` what changed
    since the caller's version, each readable as text (str()); `changed_fields` the names of
    the fields (or sections) those touch."""

    def __init__(self, current_version: int, message: str | None = None, *, current=None,
                 changes=(), changed_fields=()):
        super().__init__(message or _(
            "Someone changed the record since you read it (now version %(version)s).")
            % {"version": current_version}, code="stale", field="version")
        self.current_version = current_version
        self.current = current
        self.changes = list(changes)
        self.changed_fields = list(changed_fields)
