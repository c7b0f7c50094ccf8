"""Admissions over the API: scoped by care relationship, every read audited, every step
through pathways.services (which check who may take it and audit it)."""

from typing import NamedTuple

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.concurrency import version_etag
from common.api.schema import IF_MATCH_HEADER, error_responses, etag_header, location_header
from common.api.serializers import validated_input
from common.exceptions import StateConflict
from registry.models import AuditObjectType

from .. import access, billing, services
from ..filters import AdmissionFilter
from ..models import (
    Admission,
    MunicipalAnswer,
    NoticeState,
    Patient,
    ReadyForDischarge,
)
from .base import PatientRecordViewSet
from .common import related_value
from .serializers_admissions import (
    AdmissionCreateSerializer,
    AdmissionDetailSerializer,
    AdmissionSerializer,
    AdmissionUpdateSerializer,
    DeathSerializer,
    DeclareReadySerializer,
    DischargeSerializer,
    MunicipalAnswerInputSerializer,
    MunicipalAnswerSerializer,
    ReadyForDischargeSerializer,
    TransferSerializer,
    WithdrawReadySerializer,
)

ETAG = etag_header("admission's version")
STEP_ERRORS = error_responses(400, 401, 403, 404, 409, 413)
# A step that moves the admission on changes its version: it needs the admission's If-Match.
VERSIONED_STEP_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 428)


def _etag_of(admission: Admission) -> dict:
    """The admission's new ETag, for a step that answers with something else."""
    version = Admission.objects.filter(pk=admission.pk).values_list("version", flat=True).get()
    return {"ETag": version_etag(version)}

CREATE_DESCRIPTION = """\
Register an admission at your hospital (discharge planners and the hospital's EPJ system).
The hospital and the responsible municipality get a care relationship to the patient.

Name the patient in one of two ways:

* `patient`: the UUID of a patient you may see.
* `identity_number` (for EPJ systems that know the patient by number only):
  * a patient you may see with that number is admitted;
  * a patient registered by someone else, whom you may not see yet, is admitted too, but
    only with `given_name` and `family_name` as registered: the admission itself is the care
    relationship that lets the hospital see the patient, so a mistyped number must not link
    a stranger. The response reveals nothing before you are allowed to admit at the
    hospital, and the audit trail records the link;
  * an unknown number registers a new patient from `given_name`, `family_name`,
    `birth_date` (optional: it follows from the number) and `municipality` (residence).

`given_name` and `family_name`, whenever given, are checked against a registered patient
(case, spacing, hyphens and diacritics do not count; the first given name alone is enough):
names that differ are a 400 naming both fields, audited, and nothing is written. They and
`birth_date` never change a registered patient.
"""


class _Names(NamedTuple):
    given_name: str
    family_name: str


def _full_name(given_name: str, family_name: str) -> str:
    """Patient.full_name of the two columns, by the property's own code."""
    return Patient.full_name.fget(_Names(given_name, family_name))


def _statement(declarations) -> dict:
    """billing.statement over every declaration of the stay, with one rate lookup."""
    rates = billing.daily_rates()
    lines, rows = [], []
    for declaration in sorted(declarations, key=lambda d: (d.declared_at, d.pk)):
        for line in billing.statement(declaration, rates=rates).lines:
            lines.append(line)
            rows.append({"date": line.date, "billable": line.billable, "reason": line.reason,
                         "rate": line.rate, "amount": line.amount,
                         "declaration": declaration.uuid})
    total = billing.Statement(lines)
    return {"billable_days": total.billable_days, "total": total.total,
            "missing_rate_years": total.missing_rate_years, "lines": rows}


def _with_details(admission: Admission) -> Admission:
    declarations = list(admission.ready_declarations.all())
    admission.ready_for_discharge = max(
        (d for d in declarations if d.withdrawn_at is None),
        key=lambda d: (d.declared_at, d.pk), default=None)
    admission.latest_notice = (
        admission.early_notifications.filter(state=NoticeState.SENT)
        .select_related("acknowledged_by").order_by("-sequence").first()
    )
    admission.statement = _statement(declarations)
    return admission


@extend_schema_view(
    list=extend_schema(
        summary="List the admissions you may see",
        description="Admissions of patients you have an active care relationship with. Every "
                    "admission on the page is recorded in the access log.",
        responses={200: AdmissionSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="An admission, with its latest notice, declaration and statement",
        description="404 both for an unknown admission and for one outside your scope. The "
                    "read is recorded in the access log.",
        parameters=[ETAG],
        responses={200: AdmissionDetailSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Admit a patient",
        description=CREATE_DESCRIPTION,
        request=AdmissionCreateSerializer,
        parameters=[ETAG, location_header("admission")],
        responses={201: AdmissionDetailSerializer,
                   **error_responses(400, 401, 403, 409, 413)},
    ),
    partial_update=extend_schema(
        summary="Change what the ward knows (optimistic locking with If-Match)",
        description="Ward, reason, estimated discharge date and the flags; the hospital's "
                    "planners and EPJ system only. A closed admission cannot change (409).",
        request=AdmissionUpdateSerializer,
        parameters=[IF_MATCH_HEADER, ETAG],
        responses={200: AdmissionDetailSerializer,
                   **error_responses(400, 401, 403, 404, 409, 412, 413, 428)},
    ),
)
class AdmissionViewSet(PatientRecordViewSet):
    model = Admission
    audit_object_type = AuditObjectType.ADMISSION
    scope_family = "pathways"
    serializer_class = AdmissionSerializer
    filterset_class = AdmissionFilter
    lean_computed = {"patient_name": (("patient__given_name", "patient__family_name"),
                                      _full_name)}

    def scope(self, queryset):
        # Joined: what every row shows; the rarely set references as scalar subqueries
        # (related_value: a join of nine tables took PostgreSQL longer to plan than to run).
        queryset = (
            queryset.select_related("patient", "hospital", "municipality")
            .annotate(readmission_of_uuid=related_value(Admission, "readmission_of", "uuid"),
                      transferred_from_uuid=related_value(Admission, "transferred_from",
                                                          "uuid"),
                      discharge_level_code=related_value(Admission, "discharge_level", "code"))
            .order_by("-admitted_at", "-pk")
        )
        if self.action == "list":
            return queryset
        return queryset.prefetch_related(Prefetch(
            "ready_declarations",
            queryset=ReadyForDischarge.objects.select_related("withdrawn_by")
            .prefetch_related(Prefetch(
                "answers", queryset=MunicipalAnswer.objects.select_related("answered_by"))),
        ))

    def get_serializer_class(self):
        return AdmissionSerializer if self.action == "list" else AdmissionDetailSerializer

    def present(self, admission):
        return _with_details(admission)

    def create(self, request, *args, **kwargs):
        serializer = AdmissionCreateSerializer(data=request.data,
                                               context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        hospital = fields.pop("hospital", None) or access.acting_hospital(request.user)
        if hospital is None:
            raise DjangoValidationError({"hospital": _(
                "You act for several hospitals: say which one admits the patient.")})
        patient = fields.pop("patient", None)
        identity_number = fields.pop("identity_number", None)
        registration = {name: fields.pop(name) for name in
                        ("given_name", "family_name", "birth_date") if name in fields}
        if patient is not None:
            admission = services.admit_patient(by=request.user, patient=patient,
                                               hospital=hospital, **fields)
        else:
            admission = services.admit_by_identity_number(
                by=request.user, identity_number=identity_number, hospital=hospital,
                registration=registration, **fields)
        location = request.build_absolute_uri(
            reverse("admission-detail", kwargs={"uuid": admission.uuid}))
        return self.record_response(admission, status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request, *args, **kwargs):
        data = validated_input(self, AdmissionUpdateSerializer, instance=self.get_object(),
                               partial=True)
        with transaction.atomic():
            admission = self._locked(request)
            admission = services.update_admission(
                admission, by=request.user, expected_version=admission.version, **data)
        return self.record_response(admission)

    @extend_schema(
        summary="Declare the patient ready for discharge",
        description="The hospital's planners or EPJ system. The municipality's coordinating "
                    "unit is notified and should answer; from the declaration day it pays for "
                    "each day it cannot receive the patient or has not answered.",
        request=DeclareReadySerializer,
        parameters=[IF_MATCH_HEADER, ETAG],
        responses={201: ReadyForDischargeSerializer, **VERSIONED_STEP_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="ready-for-discharge")
    def ready_for_discharge(self, request, uuid=None):
        data = validated_input(self, DeclareReadySerializer)
        with transaction.atomic():
            admission = self._locked(request)
            declaration = services.declare_ready_for_discharge(admission, by=request.user,
                                                               **data)
        return Response(ReadyForDischargeSerializer(declaration).data,
                        status=status.HTTP_201_CREATED, headers=_etag_of(admission))

    @extend_schema(
        summary="Withdraw the ready-for-discharge declaration (avmelding)",
        description="The patient is no longer ready; the payment period ends. 409 when no "
                    "declaration is in force.",
        request=WithdrawReadySerializer,
        parameters=[IF_MATCH_HEADER, ETAG],
        responses={200: ReadyForDischargeSerializer, **VERSIONED_STEP_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="withdraw-ready")
    def withdraw_ready(self, request, uuid=None):
        data = validated_input(self, WithdrawReadySerializer)
        with transaction.atomic():
            admission = self._locked(request)
            declaration = services.withdraw_ready_for_discharge(admission, by=request.user,
                                                                **data)
        return Response(ReadyForDischargeSerializer(declaration).data,
                        headers=_etag_of(admission))

    @extend_schema(
        summary="Answer the declaration for the municipality",
        description="The responsible municipality's coordinating unit or EPJ system: "
                    "can_receive (from receive_on) or cannot_yet (expected_date). A later "
                    "answer supersedes an earlier one. 409 when no declaration is in force.",
        request=MunicipalAnswerInputSerializer,
        responses={201: MunicipalAnswerSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="municipal-answer")
    def municipal_answer(self, request, uuid=None):
        admission = self.get_object()
        data = validated_input(self, MunicipalAnswerInputSerializer)
        declaration = services.active_declaration(admission)
        if declaration is None:
            access.require_municipal_ke(request.user, admission)
            raise StateConflict(_("The patient is not declared ready for discharge; there is "
                                  "nothing to answer."), code="not_ready")
        answer = services.answer_ready_for_discharge(declaration, by=request.user, **data)
        return Response(MunicipalAnswerSerializer(answer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Discharge the patient",
        description="With the destination, the pyramid level (required for municipal "
                    "rehabilitation) and the checklist (interdisciplinary report, epicrisis). "
                    "The destination `deceased` records a death.",
        request=DischargeSerializer,
        parameters=[IF_MATCH_HEADER, ETAG],
        responses={200: AdmissionDetailSerializer, **VERSIONED_STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def discharge(self, request, uuid=None):
        data = validated_input(self, DischargeSerializer)
        with transaction.atomic():
            admission = services.discharge_patient(self._locked(request), by=request.user,
                                                   **data)
        return self.record_response(admission)

    @extend_schema(
        summary="Transfer the patient to another hospital",
        description="Closes this stay and opens one at the other hospital, which takes over "
                    "the notices. Answers 201 with the new admission.",
        request=TransferSerializer,
        parameters=[IF_MATCH_HEADER, ETAG, location_header("admission")],
        responses={201: AdmissionDetailSerializer, **VERSIONED_STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, uuid=None):
        data = validated_input(self, TransferSerializer)
        with transaction.atomic():
            new = services.transfer_patient(self._locked(request), by=request.user, **data)
        location = request.build_absolute_uri(
            reverse("admission-detail", kwargs={"uuid": new.uuid}))
        return self.record_response(new, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        summary="Record that the patient died in hospital",
        request=DeathSerializer,
        parameters=[IF_MATCH_HEADER, ETAG],
        responses={200: AdmissionDetailSerializer, **VERSIONED_STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def death(self, request, uuid=None):
        data = validated_input(self, DeathSerializer)
        with transaction.atomic():
            admission = services.record_death(self._locked(request), by=request.user, **data)
        return self.record_response(admission)

    # --- helpers -------------------------------------------------------------------------------

    def _locked(self, request) -> Admission:
        """The admission, locked for this transaction, once the user acts for its hospital
        (403 first) and If-Match names its current version (428, 412)."""
        return self.locked(request, may=access.require_hospital_staff)
