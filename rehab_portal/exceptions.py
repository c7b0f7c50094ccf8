"""Errors the services raise that both the UI and the API turn into precise answers."""


class StateConflict(Exception):
    """The step does not fit the record's current state (e.g. acknowledging twice).
    The API answers 409; the UI shows the message. Nothing was written."""

    def __init__(self, message: str, *, code: str = "state_conflict", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class StaleVersion(Exception):
    """The record changed since the caller read it (optimistic locking). The API answers 412
    with the current version's ETag; nothing was written."""

    def __init__(self, current_version: int):
        super().__init__(f"The record is now at version {current_version}.")
        self.current_version = current_version
