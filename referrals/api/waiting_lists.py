"""Waiting lists over the API: the accepted referrals on the lists the user keeps
(referrals.views.access.waiting_list_services: their units' own services, and for an
assessment unit the private institutions' of its region), in the list's order, each read
audited as the screen's are."""

from django.db.models import Exists, F, OuterRef
from drf_spectacular.utils import extend_schema_view

from common.api.operations import list_schema, retrieve_schema
from pathways.api.base import PatientRecordViewSet
from registry.models import AuditObjectType

from ..filters import WaitingListFilter
from ..models import Referral, ReferralStatus
from ..views.access import waiting_list_services
from . import serializers as s

# The waiting list's own order (ReferralQuerySet.waiting_list), list by list.
QUEUE_ORDER = ("allocated_service_id", F("care_start_deadline").asc(nulls_last=True),
               F("expected_start").asc(nulls_last=True), "decided_at", "pk")


@extend_schema_view(
    list=list_schema(
        s.WaitingListEntrySerializer, "Read the waiting lists you keep",
        "The patients accepted to a service and not yet started, in the list's order: the "
        "earliest date by which necessary care must start first, then the expected start, "
        "then the order of acceptance. `service` reads one list. The lists are those of your "
        "units' services, and for an assessment unit (RVE) those of the private institutions "
        "of its region; among their patients, those you have a care relationship with. Every "
        "entry on the page is recorded in the access log. The service's published waiting "
        "time is `waiting_days` on /api/v1/services/."),
    retrieve=retrieve_schema(
        s.WaitingListEntrySerializer, "A patient's place on a waiting list you keep",
        "By the referral's UUID; 404 when it is on no list you keep."),
)
class WaitingListViewSet(PatientRecordViewSet):
    model = Referral
    audit_object_type = AuditObjectType.WAITING_LIST
    scope_family = "coordination"
    version_field = None  # read-only: the referral's steps carry its ETag
    serializer_class = s.WaitingListEntrySerializer
    filterset_class = WaitingListFilter

    def scope(self, queryset):
        # EXISTS rather than IN: a user who keeps no list gets an empty answer, not a query
        # Django refuses to write.
        kept = waiting_list_services(self.request.user).filter(pk=OuterRef("allocated_service_id"))
        return (queryset.filter(Exists(kept), status=ReferralStatus.ACCEPTED)
                .select_related("patient", "allocated_service", "receiver", "referrer")
                .order_by(*QUEUE_ORDER))

    def audit_reads(self, records, **kwargs) -> None:
        super().audit_reads(records, **{**kwargs, "detail": "api waiting list"})
