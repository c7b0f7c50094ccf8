"""One row by its public id, or 404."""

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404


def one_or_404(queryset: models.QuerySet, **lookup) -> models.Model:
    """The one row of `queryset` that matches `lookup`, or 404: alike whether none matches,
    the row lies outside the queryset's scope, or the value is malformed (an id that is no
    UUID), so that a caller cannot tell another organisation's record from none."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404(f"No such {queryset.model._meta.model_name}.") from exc
