"""Every search pages by its order, newest change first (fhir_api/paging.py): an index on
exactly those columns serves each page at a region's scale, instead of sorting the table."""

import pytest
from django.contrib.auth.models import AnonymousUser

from fhir_api.resources import HANDLERS


def own_order(handler):
    """(the model, its order) of a handler that pages over one model's own columns."""
    try:
        model = handler.base(AnonymousUser()).model
    except Exception:  # noqa: BLE001 - several models (Task) or aggregates (Measure)
        return None
    if any("__" in column for column in handler.order):
        return None  # ordered by the parent's columns (Goal by its plan ...)
    return model, list(handler.order)


PAGED = {type_: found for type_, handler in HANDLERS.items()
         if (found := own_order(handler)) is not None}


def test_the_types_paged_otherwise_are_known():
    """Task pages each of its models by its own index (fhir_api/resources/tasks.py), Goal
    and AppointmentResponse by their parent's, the measures are aggregates."""
    assert set(HANDLERS) - set(PAGED) == {"Task", "Goal", "AppointmentResponse", "Measure",
                                          "MeasureReport"}


@pytest.mark.parametrize("type_", sorted(PAGED))
def test_the_search_order_has_an_index(type_):
    model, order = PAGED[type_]
    indexed = [list(index.fields) for index in model._meta.indexes]
    assert order in indexed, f"{model.__name__} has no index on {order}"
