"""Admissions over the API: scoped by care relationship, every read audited, every step
through pathways.services (which check who may take it and audit it)."""

from typing import NamedTuple

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.concurrency import versioned_response
from common.api.fields import detail_url
from common.api.operations import (
    STEP_ERRORS,
    create_schema,
    error_responses,
    etag_header,
    list_schema,
    location_header,
    locked_schema,
    retrieve_schema,
)
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

# A step that moves the admission on changes its version: it needs the admission's If-Match.
ETAG = etag_header("admission's version")

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
    list=list_schema(
        AdmissionSerializer, "List the admissions you may see",
        "Admissions of patients you have an active care relationship with. Every admission "
        "on the page is recorded in the access log."),
    retrieve=retrieve_schema(
        AdmissionDetailSerializer,
        "An admission, with its latest notice, declaration and statement",
        "404 both for an unknown admission and for one outside your scope. The read is "
        "recorded in the access log.", parameters=[ETAG]),
    create=create_schema(
        AdmissionDetailSerializer, "Admit a patient", CREATE_DESCRIPTION,
        location="admission", parameters=[ETAG], request=AdmissionCreateSerializer),
    partial_update=locked_schema(
        {200: AdmissionDetailSerializer},
        "Change what the ward knows (optimistic locking with If-Match)",
        "Ward, reason, estimated discharge date and the flags; the hospital's planners and "
        "EPJ system only. A closed admission cannot change (409).",
        etag=ETAG, request=AdmissionUpdateSerializer),
)
class AdmissionViewSet(PatientRecordViewSet):
    model = Admission
    audit_object_type = AuditObjectType.ADMISSION
    scope_family = "pathways"
    serializer_class = AdmissionSerializer
    filterset_class = AdmissionFilter
    lean_computed = {"patient_name": (("patient__given_name", "patient__family_name"),
                                      _full_name)}
    lean_apart = ("hospital", "ward", "municipality", "readmission_of", "transferred_from",
                  "discharge_level")

    def scope(self, queryset):
        if self.action == "list":  # a lean list: the patient joined, the rest read apart
            return queryset.select_related("patient").order_by("-admitted_at", "-pk")
        # Joined: what every row shows; the rarely set references as scalar subqueries
        # (related_value: a join of nine tables took PostgreSQL longer to plan than to run).
        queryset = (
            queryset.select_related("patient", "hospital", "ward", "municipality")
            .annotate(readmission_of_uuid=related_value(Admission, "readmission_of", "uuid"),
                      transferred_from_uuid=related_value(Admission, "transferred_from",
                                                          "uuid"),
                      discharge_level_code=related_value(Admission, "discharge_level", "code"))
            .order_by("-admitted_at", "-pk")
        )
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
        hospital = fields.pop("hospital")  # the acting hospital when none was named
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
        return self.record_response(admission, status.HTTP_201_CREATED,
                                    Location=detail_url(request, "admission-detail", admission))

    def partial_update(self, request, *args, **kwargs):
        data = validated_input(self, AdmissionUpdateSerializer, instance=self.get_object(),
                               partial=True)
        with transaction.atomic():
            admission = self._locked(request)
            admission = services.update_admission(
                admission, by=request.user, expected_version=admission.version, **data)
        return self.record_response(admission)

    @locked_schema(
        {201: ReadyForDischargeSerializer}, "Declare the patient ready for discharge",
        "The hospital's planners or EPJ system. The municipality's coordinating unit is "
        "notified and should answer; from the declaration day it pays for each day it cannot "
        "receive the patient or has not answered.",
        etag=ETAG, request=DeclareReadySerializer)
    @action(detail=True, methods=["post"], url_path="ready-for-discharge")
    def ready_for_discharge(self, request, uuid=None):
        return self._declaration_step(request, DeclareReadySerializer,
                                      services.declare_ready_for_discharge,
                                      status.HTTP_201_CREATED)

    @locked_schema(
        {200: ReadyForDischargeSerializer},
        "Withdraw the ready-for-discharge declaration (avmelding)",
        "The patient is no longer ready; the payment period ends. 409 when no declaration is "
        "in force.",
        etag=ETAG, request=WithdrawReadySerializer)
    @action(detail=True, methods=["post"], url_path="withdraw-ready")
    def withdraw_ready(self, request, uuid=None):
        return self._declaration_step(request, WithdrawReadySerializer,
                                      services.withdraw_ready_for_discharge)

    @extend_schema(
        summary="Answer the declaration for the municipality",
        description="The responsible municipality's coordinating unit or EPJ system: "
                    "can_receive (from receive_on) or cannot_yet (expected_date). A later "
                    "answer supersedes an earlier one. 409 when no declaration is in force.",
        request=MunicipalAnswerInputSerializer,
        responses={201: MunicipalAnswerSerializer, **error_responses(*STEP_ERRORS)},
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

    @locked_schema(
        {200: AdmissionDetailSerializer}, "Discharge the patient",
        "With the destination, the pyramid level (required for municipal rehabilitation) and "
        "the checklist (interdisciplinary report, epicrisis). The destination `deceased` "
        "records a death.",
        etag=ETAG, request=DischargeSerializer)
    @action(detail=True, methods=["post"])
    def discharge(self, request, uuid=None):
        _admission, admission = self._step(request, DischargeSerializer,
                                           services.discharge_patient)
        return self.record_response(admission)

    @locked_schema(
        {201: AdmissionDetailSerializer}, "Transfer the patient to another hospital",
        "Closes this stay and opens one at the other hospital, which takes over the notices. "
        "Answers 201 with the new admission.",
        etag=ETAG, parameters=[location_header("admission")], request=TransferSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, uuid=None):
        _admission, new = self._step(request, TransferSerializer, services.transfer_patient)
        return self.record_response(new, status.HTTP_201_CREATED,
                                    Location=detail_url(request, "admission-detail", new))

    @locked_schema({200: AdmissionDetailSerializer}, "Record that the patient died in hospital",
                   etag=ETAG, request=DeathSerializer)
    @action(detail=True, methods=["post"])
    def death(self, request, uuid=None):
        _admission, admission = self._step(request, DeathSerializer, services.record_death)
        return self.record_response(admission)

    # --- helpers -------------------------------------------------------------------------------

    def _locked(self, request) -> Admission:
        """The admission, locked for this transaction, once the user acts for its hospital
        (403 first) and If-Match names its current version (428, 412)."""
        return self.locked(request, may=access.require_hospital_staff)

    def _step(self, request, serializer_class, step):
        """A step that moves the admission on: `step(admission, by=user, **input)` on the
        admission locked for it (_locked); the admission, and what the step returns."""
        data = validated_input(self, serializer_class)
        with transaction.atomic():
            admission = self._locked(request)
            return admission, step(admission, by=request.user, **data)

    def _declaration_step(self, request, serializer_class, step, status_code=status.HTTP_200_OK):
        """A _step that answers with the declaration it declares or withdraws, and the
        admission's new ETag."""
        admission, declaration = self._step(request, serializer_class, step)
        version = Admission.objects.filter(pk=admission.pk).values_list("version", flat=True).get()
        return versioned_response(ReadyForDischargeSerializer(declaration).data, version,
                                  status_code)
