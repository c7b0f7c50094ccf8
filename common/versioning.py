"""Edits of a versioned record (a `version` field the caller read, e.g. as an ETag): lock
the row, compare the version, apply the changes, validate, bump the version and save, all
inside the caller's transaction, so that two editors never overwrite each other silently."""

from collections.abc import Callable, Iterable, Mapping

from django.db import models, transaction

from .exceptions import StaleVersion


def lock_at_version(queryset: models.QuerySet, record: models.Model, expected_version: int, *,
                    message: str | None = None,
                    stale: Callable[[models.Model], Exception] | None = None) -> models.Model:
    """The record's row from `queryset` (its scope), locked until the transaction ends. When
    it is no longer at `expected_version`: StaleVersion with `message` (a translated text
    with %(version)s, the current version), or `stale(current)` for one that says more."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_at_version() must run inside transaction.atomic().")
    current = queryset.select_for_update().get(pk=record.pk)
    if current.version != expected_version:
        if stale is not None:
            raise stale(current)
        raise StaleVersion(current.version, message % {"version": current.version}
                           if message else None)
    return current


def save_changes(current: models.Model, changes: Mapping, *, by,
                 allowed: Iterable[str]) -> models.Model:
    """Set the changed fields on the locked record, run full_clean(), bump the version and
    save: the next reader gets a new ETag. A field outside `allowed` is the caller's bug (a
    ValueError; the transaction rolls back)."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown {current._meta.model_name} fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    current.updated_by = by
    current.save()
    return current
