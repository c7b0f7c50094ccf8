"""Edits of a versioned record (a `version` field the caller read, e.g. as an ETag): lock
the row, compare the version, apply the changes, validate, bump the version and save, all
inside the caller's transaction, so that two editors never overwrite each other silently."""

from collections.abc import Callable, Mapping

from django.db import models, transaction

from .exceptions import StaleVersion


def lock_at_version(queryset: models.QuerySet, record: models.Model, expected_version: int, *,
                    stale: Callable[[models.Model], Exception] | None = None) -> models.Model:
    """The record's row from `queryset` (its scope), locked until the transaction ends; raises
    `stale(current)` (by default StaleVersion) when it is no longer at `expected_version`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_at_version() must run inside transaction.atomic().")
    current = queryset.select_for_update().get(pk=record.pk)
    if current.version != expected_version:
        raise stale(current) if stale is not None else StaleVersion(current.version)
    return current


def save_changes(current: models.Model, changes: Mapping, *, by) -> models.Model:
    """Set the changed fields on the locked record, run full_clean(), bump the version and
    save: the next reader gets a new ETag."""
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    current.updated_by = by
    current.save()
    return current
