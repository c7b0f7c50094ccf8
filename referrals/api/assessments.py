"""Needs assessments over the API: scoped by care relationship, every read audited, every
change through referrals.services on the draft locked for it, with its version in If-Match."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from common.api.fields import detail_url
from common.api.operations import (
    create_schema,
    etag_header,
    list_schema,
    locked_schema,
    retrieve_schema,
)
from common.api.serializers import validated_input
from pathways.api.base import PatientRecordViewSet
from registry.capabilities import Capability, can
from registry.models import AuditObjectType

from .. import services
from ..filters import NeedsAssessmentFilter
from ..models import DomainScore, NeedsAssessment
from . import serializers as s

ETAG = etag_header("needs assessment's version")


def may_edit(user, assessment: NeedsAssessment) -> None:
    """The people of the unit that made the assessment (services.save_assessment's rule)."""
    if not can(user, Capability.SEE_ORGANIZATION_PATIENTS, assessment.organization):
        raise PermissionDenied(_("Only the unit that made the assessment changes it."))


def assessment_changes(data: dict) -> tuple[dict, dict]:
    """The input as save_assessment takes it: the fields, and {domain id: (difficulty,
    note)}."""
    scores = {score["domain"].pk: (score["difficulty"], score.get("note", ""))
              for score in data.pop("domain_scores", [])}
    changes = {name: data[name] for name in services.ASSESSMENT_FIELDS if name in data}
    return changes, scores


@extend_schema_view(
    list=list_schema(
        s.NeedsAssessmentSerializer, "List the needs assessments you may see",
        "Assessments of patients you have a care relationship with, newest first, with their "
        "domain scores. Every assessment on the page is recorded in the access log."),
    retrieve=retrieve_schema(
        s.NeedsAssessmentSerializer, "A needs assessment (kartlegging), with its domain scores",
        "404 both for an unknown assessment and for one outside your scope. The read is "
        "recorded in the access log.", parameters=[ETAG]),
    create=create_schema(
        s.NeedsAssessmentSerializer, "Start a needs assessment (a draft)",
        "For a patient you may see, by a unit where you see the organisation's patients. "
        "When the patient has a completed assessment, the draft is its revision and starts "
        "from its content (`previous`, `number` + 1); the fields and domain scores you send "
        "are then written on the draft. 409 when the patient has a draft already: go on with "
        "it (PATCH).",
        location="needs assessment", parameters=[ETAG],
        request=s.NeedsAssessmentCreateSerializer),
    partial_update=locked_schema(
        {200: s.NeedsAssessmentSerializer},
        "Change a draft (optimistic locking with If-Match)",
        "The fields you send and the domain scores you name; the portal suggests a pyramid "
        "level from the scores (`suggested_level`, `suggestion_reason`). The unit that made "
        "the assessment only; a completed assessment is kept as it is (409: start a revision).",
        etag=ETAG, request=s.AssessmentFieldsSerializer),
)
class NeedsAssessmentViewSet(PatientRecordViewSet):
    model = NeedsAssessment
    audit_object_type = AuditObjectType.NEEDS_ASSESSMENT
    scope_family = "coordination"
    serializer_class = s.NeedsAssessmentSerializer
    filterset_class = NeedsAssessmentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope(self, queryset):
        return (queryset.select_related(
            "patient", "organization", "admission", "individual_plan", "previous",
            "suggested_level", "level", "completed_by")
            .prefetch_related(Prefetch("domain_scores", queryset=DomainScore.objects
                                       .select_related("domain")))
            .order_by("-created_at", "-pk"))

    def create(self, request, *args, **kwargs):
        data = validated_input(self, s.NeedsAssessmentCreateSerializer)
        patient = data.pop("patient")
        for name in ("admission", "individual_plan"):
            record = data.get(name)
            if record is not None and record.patient_id != patient.pk:
                raise serializers.ValidationError({name: [_("It belongs to another patient.")]})
        where = {name: data.pop(name, None)
                 for name in ("organization", "admission", "individual_plan")}
        changes, scores = assessment_changes(data)
        with transaction.atomic():
            assessment = services.start_assessment(by=request.user, patient=patient, **where)
            if changes or scores:
                assessment = services.save_assessment(assessment, by=request.user,
                                                      changes=changes, scores=scores,
                                                      version=assessment.version)
        return self.record_response(
            assessment, status.HTTP_201_CREATED,
            Location=detail_url(request, "needs-assessment-detail", assessment))

    def partial_update(self, request, *args, **kwargs):
        self.get_object()  # 404 before 400: the assessment must be yours to see
        changes, scores = assessment_changes(validated_input(self, s.AssessmentFieldsSerializer))
        if not (changes or scores):
            raise serializers.ValidationError(
                {"non_field_errors": [_("The request changes no field.")]})
        with transaction.atomic():
            assessment = self.locked(request, may_edit)
            assessment = services.save_assessment(assessment, by=request.user, changes=changes,
                                                  scores=scores, version=assessment.version)
        return self.record_response(assessment)

    @locked_schema(
        {200: s.NeedsAssessmentSerializer}, "Complete the assessment with the level chosen",
        "Confirm the suggested level, or choose another with `override_reason`; both are "
        "kept. Needs the patient's own goals. A completed assessment is not changed again.",
        etag=ETAG, request=s.CompleteAssessmentSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, uuid=None):
        self.get_object()
        data = validated_input(self, s.CompleteAssessmentSerializer)
        with transaction.atomic():
            assessment = self.locked(request, may_edit)
            assessment = services.complete_assessment(
                assessment, by=request.user, level=data["level"],
                override_reason=data["override_reason"], version=assessment.version)
        return self.record_response(assessment)
