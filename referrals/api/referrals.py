"""Referrals over the API: scoped by care relationship and by the units a referral concerns
(referrals.views.access: an institution sees only the referrals sent or allocated to it),
every read audited, every step through referrals.services on the referral locked for it,
with its version in If-Match."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from common.api.fields import detail_url
from common.api.operations import (
    create_schema,
    etag_header,
    list_schema,
    location_header,
    locked_schema,
    retrieve_schema,
)
from common.api.serializers import validated_input
from common.exceptions import StateConflict
from pathways.api.base import PatientRecordViewSet
from registry.capabilities import Capability, can
from registry.models import AuditObjectType

from .. import services
from ..filters import ReferralFilter
from ..models import Referral, ReferralStatus
from ..views.access import referral_scope
from . import serializers as s

ETAG = etag_header("referral's version")

CREATE_DESCRIPTION = """\
Refer a patient you may see to a service in the catalogue (GPs, hospital staff, coordinating
units and their EPJ systems). Who assesses it follows seed 001 § 3.2: a hospital refers
directly, to the private institutions too; everyone else applies for a place at a private
institution through the region's assessment unit (RVE), which is then the `receiver`. The
receiving unit gets a care relationship to the patient and is told. `assessment_due` is 10
working days after `received_at` (Norwegian public holidays excluded). 409 when the patient
has an open referral to the service already.
"""


# Who may take a step (403 before If-Match is read): the services' own rules, asked first.

def _deny(message: str):
    raise PermissionDenied(message)


def may_assess(user, referral: Referral) -> None:
    services.require_assessor(user, referral)


def may_answer(user, referral: Referral) -> None:
    if not services.may_act_as_referrer(user, referral):
        _deny(_("Only the referrer answers a request for information."))


def may_record_choice(user, referral: Referral) -> None:
    if not (services.may_assess(user, referral) or services.may_act_as_referrer(user, referral)):
        _deny(_("Only the receiving unit or the referrer records the patient's choice."))


def keeps_list_of(user, referral: Referral) -> bool:
    """The receiving unit, or the assessors of the provider whose list the patient is on."""
    provider = referral.allocated_service.provider if referral.allocated_service_id else None
    return services.may_assess(user, referral) or (
        provider is not None and can(user, Capability.ASSESS_REFERRALS, provider))


def may_set_start(user, referral: Referral) -> None:
    if not keeps_list_of(user, referral):
        _deny(_("Only the unit that keeps the waiting list sets the start."))


def may_record_start(user, referral: Referral) -> None:
    if not keeps_list_of(user, referral):
        _deny(_("Only the unit that keeps the waiting list records this."))


def may_withdraw(user, referral: Referral) -> None:
    if not (keeps_list_of(user, referral) or services.may_act_as_referrer(user, referral)):
        _deny(_("Only the referrer or the receiving unit withdraws a referral."))


def _step_schema(summary: str, description: str, request, responses=None, **kwargs):
    """A step on a referral, with its version in If-Match; the answer is the referral."""
    return locked_schema(responses or {200: s.ReferralDetailSerializer}, summary, description,
                         etag=ETAG, request=request, **kwargs)


@extend_schema_view(
    list=list_schema(
        s.ReferralSerializer, "List the referrals you may see",
        "Referrals of patients you have a care relationship with that concern one of your "
        "units: sent by it, assessed by it, or with a place on its waiting list; and, for a "
        "municipality's coordinating unit, those of its residents. Newest receipt first. Every "
        "referral on the page is recorded in the access log."),
    retrieve=retrieve_schema(
        s.ReferralDetailSerializer,
        "A referral, with the patient's other open referrals and the free choice's options",
        "404 both for an unknown referral and for one outside your scope. The read is "
        "recorded in the access log.", parameters=[ETAG]),
    create=create_schema(
        s.ReferralDetailSerializer, "Refer a patient to a service", CREATE_DESCRIPTION,
        location="referral", parameters=[ETAG], request=s.ReferralCreateSerializer),
)
class ReferralViewSet(PatientRecordViewSet):
    model = Referral
    audit_object_type = AuditObjectType.REFERRAL
    scope_family = "coordination"
    serializer_class = s.ReferralSerializer
    filterset_class = ReferralFilter
    http_method_names = ["get", "post", "head", "options"]

    def scope(self, queryset):
        return (queryset.filter(referral_scope(self.request.user))
                .select_related("patient", "service__level", "receiver", "referrer",
                                "referred_by", "needs_assessment", "admission",
                                "individual_plan", "forwarded_from", "forwarded_to",
                                "decided_by", "allocated_service__provider")
                .order_by("-received_at", "-pk"))

    def get_serializer_class(self):
        return s.ReferralSerializer if self.action == "list" else s.ReferralDetailSerializer

    def create(self, request, *args, **kwargs):
        data = validated_input(self, s.ReferralCreateSerializer)
        referral = services.refer(by=request.user, **data)
        return self.record_response(referral, status.HTTP_201_CREATED,
                                    Location=detail_url(request, "referral-detail", referral))

    # -- The receiving unit's assessment --------------------------------------------------------

    @_step_schema(
        "Ask the referrer for more information",
        "The receiving unit's assessors (and its EPJ system). The assessment deadline stands: "
        "it runs from receipt. The referrer is told.",
        s.RequestInformationSerializer)
    @action(detail=True, methods=["post"], url_path="request-information")
    def request_information(self, request, uuid=None):
        return self._step(request, s.RequestInformationSerializer,
                          services.request_information, may_assess)

    @_step_schema(
        "Give the information asked for",
        "The referrer (its people and EPJ system). The referral awaits assessment again.",
        s.GiveInformationSerializer)
    @action(detail=True, methods=["post"], url_path="give-information")
    def give_information(self, request, uuid=None):
        return self._step(request, s.GiveInformationSerializer, services.give_information,
                          may_answer)

    @_step_schema(
        "Accept: the patient goes on a waiting list",
        "The receiving unit's assessors, with the rights assessment: for a specialist service "
        "`has_right`, and with the right `care_start_deadline` (frist for nødvendig "
        "helsehjelp). The patient waits for `allocated_service` (default: the service asked "
        "for; an assessment unit gives a place at a private institution of its region). The "
        "referrer and the coordinating unit of the patient's municipality are told.",
        s.ReferralAcceptSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, uuid=None):
        return self._step(request, s.ReferralAcceptSerializer, services.accept, may_assess)

    @_step_schema(
        "Decline, with the reason",
        "The receiving unit's assessors. The patient may complain about the decision; the "
        "referrer is told.",
        s.ReferralDeclineSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, uuid=None):
        return self._step(request, s.ReferralDeclineSerializer, services.decline, may_assess)

    @_step_schema(
        "Forward the referral to a service that fits better",
        "The receiving unit's assessors. Answers 201 with the new referral, which the "
        "service's provider assesses by the same deadline (it runs from the original "
        "receipt); this referral is `forwarded`, and its If-Match version moves on. The "
        "referrer is told.",
        s.ReferralForwardSerializer, responses={201: s.ReferralDetailSerializer},
        parameters=[location_header("referral")])
    @action(detail=True, methods=["post"])
    def forward(self, request, uuid=None):
        data = validated_input(self, s.ReferralForwardSerializer)
        with transaction.atomic():
            referral = self.locked(request, may_assess)
            onward = services.forward(referral, by=request.user, version=referral.version,
                                      **data)
        return self.record_response(onward, status.HTTP_201_CREATED,
                                    Location=detail_url(request, "referral-detail", onward))

    # -- The waiting list ---------------------------------------------------------------------

    @_step_schema(
        "Record the patient's free choice of where to wait",
        "The receiving unit or the referrer, once accepted with a right to necessary "
        "specialised care: one of the referral's `choice_options` (fritt behandlingsvalg). "
        "The place moves to that service's waiting list.",
        s.ReferralChoiceSerializer)
    @action(detail=True, methods=["post"])
    def choice(self, request, uuid=None):
        return self._step(request, s.ReferralChoiceSerializer, services.record_choice,
                          may_record_choice)

    @_step_schema(
        "Set the expected start",
        "The unit that keeps the waiting list (or the receiving unit), for a patient on it.",
        s.ExpectedStartSerializer)
    @action(detail=True, methods=["post"], url_path="expected-start")
    def expected_start(self, request, uuid=None):
        return self._step(request, s.ExpectedStartSerializer, _set_expected_start,
                          may_set_start)

    @_step_schema(
        "Record that the stay started",
        "The unit that keeps the waiting list (or the receiving unit). The patient leaves the "
        "list; the units of the patient's other open referrals at the same level are told.",
        s.ReferralStartSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, uuid=None):
        return self._step(request, s.ReferralStartSerializer, services.record_start,
                          may_record_start)

    @_step_schema(
        "Withdraw the referral",
        "The referrer, the receiving unit or the unit that keeps the waiting list: the patient "
        "declined, died, started elsewhere, or the referrer withdrew it. The patient leaves "
        "the waiting list.",
        s.ReferralWithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, uuid=None):
        return self._step(request, s.ReferralWithdrawSerializer, services.withdraw, may_withdraw)

    # -- helpers -------------------------------------------------------------------------------

    def _step(self, request, serializer_class, step, may):
        """`step(referral, by=user, version=..., **input)` on the referral locked for it, once
        the user may take it (403) and If-Match names its current version (428, 412); the
        answer is the referral as it is then, with its new ETag."""
        self.get_object()  # 404 before 400: the referral must be yours to see
        data = validated_input(self, serializer_class)
        with transaction.atomic():
            referral = self.locked(request, may)
            referral = step(referral, by=request.user, version=referral.version, **data)
        return self.record_response(referral)


def _set_expected_start(referral: Referral, **kwargs) -> Referral:
    """services.set_expected_start, for a referral on a waiting list only (it reads the list's
    provider before it checks the status)."""
    if referral.status != ReferralStatus.ACCEPTED or referral.allocated_service_id is None:
        raise StateConflict(_("Only a patient on the waiting list gets a start date."),
                            code="not_waiting")
    return services.set_expected_start(referral, **kwargs)
