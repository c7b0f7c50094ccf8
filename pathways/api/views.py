"""Patients over the API: scoped by care relationship, every read audited, writes by services."""

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from common.api.operations import (
    SHORT_IF_MATCH_HEADER,
    create_schema,
    error_responses,
    etag_header,
    list_schema,
    locked_schema,
    retrieve_schema,
)
from common.api.serializers import validated_input
from common.idempotency import not_replayable
from registry import audit
from registry.models import AuditAction, AuditObjectType

from .. import services
from ..filters import PatientFilter
from ..models import Patient
from .base import PatientRecordViewSet
from .serializers import PatientSearchSerializer, PatientSerializer

ETAG = etag_header("patient's version")


@extend_schema_view(
    list=list_schema(
        PatientSerializer, "List the patients you may see",
        "Only patients with an active care relationship granting you access. Every patient "
        "on the page is recorded in the access log."),
    retrieve=retrieve_schema(
        PatientSerializer, "A patient",
        "404 both for an unknown patient and for one outside your scope.", parameters=[ETAG]),
    create=create_schema(
        PatientSerializer, "Register a patient",
        "Your organisation gets a care relationship to the patient. Needs a role that "
        "registers patients (discharge planner, KE staff or an EPJ system).",
        location="patient", parameters=[ETAG]),
    partial_update=locked_schema(
        {200: PatientSerializer}, "Change a patient (optimistic locking with If-Match)",
        etag=ETAG, if_match=SHORT_IF_MATCH_HEADER),
)
class PatientViewSet(PatientRecordViewSet):
    model = Patient
    audit_object_type = AuditObjectType.PATIENT
    patient_path = None  # the row is the patient
    scope_family = "patients"
    scope_read_actions = {"search"}  # a POST only to keep the identity number out of URLs
    serializer_class = PatientSerializer
    filterset_class = PatientFilter

    def scope(self, queryset):
        return queryset.select_related("municipality").prefetch_related("next_of_kin")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        next_of_kin = [dict(kin) for kin in fields.pop("next_of_kin", [])]
        patient = services.register_patient(by=request.user, next_of_kin=next_of_kin, **fields)
        location = request.build_absolute_uri(reverse("patient-detail",
                                                      kwargs={"uuid": patient.uuid}))
        return self.record_response(patient, status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request, *args, **kwargs):
        patient = self.get_object()
        data = validated_input(self, self.get_serializer_class(), instance=patient, partial=True)
        with transaction.atomic():  # a StaleVersion is answered 412 (api_base)
            current = self.locked(request, record=patient)
            patient = services.update_patient(
                patient, by=request.user, expected_version=current.version, **data)
        return self.record_response(patient)

    @extend_schema(
        summary="Find a patient by identity number",
        description="The number goes in the body, never in the URL, so that it cannot end up "
                    "in a log. Finds only patients you may see; the search is logged.",
        request=PatientSearchSerializer,
        filters=False,
        responses={200: PatientSerializer(many=True), **error_responses(400, 401, 404, 413)},
    )
    @action(detail=False, methods=["post"])
    def search(self, request):
        search = PatientSearchSerializer(data=request.data)
        search.is_valid(raise_exception=True)
        queryset = self.get_queryset().filter(
            identity_number=search.validated_data["identity_number"]
        )
        page = self.paginate_queryset(queryset)
        if page is None:
            page = list(queryset)
        if page:
            self.audit_reads(page, action=AuditAction.SEARCH,
                             detail="api search by identity number")
        else:
            # A search that finds nothing is logged too: fishing for numbers shows up.
            audit.record(request.user, AuditAction.SEARCH, AuditObjectType.PATIENT,
                         detail="api search by identity number, no match")
        # Each search is scoped and audited anew: never answered from the Idempotency-Key store.
        return not_replayable(
            self.get_paginated_response(self.get_serializer(page, many=True).data))
