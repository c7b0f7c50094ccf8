"""Every viewset and FHIR resource over patient data starts from `visible_to`: its queryset
asks the care relationship (an EXISTS over pathways_carerelationship), so a patient whose
relationships have all ended is in nobody's list, whoever asks. A new viewset over patient
data without it fails here by name, as a new one that is not patient data must say why."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from fhir_api.resources import HANDLERS
from rehab_portal.api import router

from . import access_world

# Viewsets over something other than patient data, and what scopes them instead.
NOT_PATIENT_DATA = {
    "organizations": "the public catalogue of organisations",
    "services": "the public catalogue of services",
    "wards": "the hospitals' wards, registry data like the organisations",
    "notifications": "the user's own notifications (registry.notifications)",
    "coordinators": "the coordinators of the user's organisations",
    "webhook-subscriptions": "the API client's own (webhooks.access)",
    "webhook-deliveries": "the API client's own (webhooks.access)",
    "indicators": "aggregates, suppressed; readers by indicators.access",
    "capacity": "capacity against the norms; readers by indicators.access",
    "pathway-variants": "reference data: the pathway variants and their kinds of activity",
}
CARE_RELATIONSHIP = "pathways_carerelationship"


def _queryset(viewset, user):
    view = viewset()
    view.request = Request(APIRequestFactory().get("/"))
    view.request.user = user
    view.action, view.kwargs, view.format_kwarg = "list", {}, None
    return view.get_queryset()


def _fhir_querysets(handler, user) -> list:
    if hasattr(handler, "sources"):  # Task: notices to send, answers to give, referrals
        return list(handler.sources(user).values())
    return [handler.base(user)]


def _orphans(world, model) -> set:
    """The pks of the orphan's rows of this model (the patient itself, or what belongs to it)."""
    return {obj.pk for obj in vars(world.of["orphan"]).values()
            if isinstance(obj, model)}


@pytest.mark.django_db
def test_every_patient_data_queryset_is_scoped_by_the_care_relationship(cast):
    world = access_world.build(cast)
    wrong = []
    for prefix, viewset, _basename in router.registry:
        if prefix in NOT_PATIENT_DATA:
            continue
        for member, user in world.people.items():
            queryset = _queryset(viewset, user)
            if CARE_RELATIONSHIP not in str(queryset.query):
                wrong.append(f"/api/v1/{prefix}/ for {member}: not scoped by visible_to")
            orphans = _orphans(world, queryset.model)
            if not orphans:
                wrong.append(f"/api/v1/{prefix}/: the world has no orphan {queryset.model}")
            elif queryset.filter(pk__in=orphans).exists():
                wrong.append(f"/api/v1/{prefix}/ for {member}: lists the orphan's rows")
    for type_, handler in HANDLERS.items():
        if handler.patient_path is None:
            continue  # Organization: the catalogue
        for member, user in world.people.items():
            for queryset in _fhir_querysets(handler, user):
                if CARE_RELATIONSHIP not in str(queryset.query):
                    wrong.append(f"FHIR {type_} for {member}: not scoped by visible_to")
                orphans = _orphans(world, queryset.model)
                if orphans and queryset.filter(pk__in=orphans).exists():
                    wrong.append(f"FHIR {type_} for {member}: finds the orphan's rows")
    assert not wrong, "\n".join(wrong)


def test_every_viewset_is_patient_data_or_says_what_scopes_it():
    registered = {prefix for prefix, _viewset, _basename in router.registry}
    assert set(NOT_PATIENT_DATA) <= registered, "a viewset named here is gone"
