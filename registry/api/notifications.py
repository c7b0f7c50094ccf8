"""The signed-in user's own in-portal notifications over the API.

Only the recipient sees a notification, and only the in-portal copy: the e-mail rows are
delivery records. A notification carries no health data by design (a title, a pointer into
the portal and the subject's UUID), so reading one is not a read of patient data and is not
audited; the pointed-to record is, when it is opened.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.fields import UuidLookupMixin
from common.api.filters import IsoDateTimeFilter
from common.api.operations import error_responses, list_schema, retrieve_schema
from common.api.serializers import NoInput, validated_input

from ..models import Notification
from ..notifications import mark_read, own_notifications


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull",
                                          label=_("Unread"))
    kind = django_filters.CharFilter(label=_("Kind"))
    updated_since = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created since"),
        help_text=_("Only notifications created at or after this time (ISO 8601), for sync; "
                    "notifications do not change except for being read."))

    class Meta:
        model = Notification
        fields = ["unread", "kind", "updated_since"]


class NotificationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="notification-detail",
                                               lookup_field="uuid")
    link = serializers.CharField(source="url", read_only=True,
                                 help_text=_("Where the notification points in the portal."))

    class Meta:
        model = Notification
        fields = ["uuid", "url", "kind", "title", "body", "link", "subject_type",
                  "subject_uuid", "patient_uuid", "created_at", "read_at"]
        read_only_fields = fields


UNREAD_COUNT = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})
MARKED = inline_serializer("MarkedRead", {"marked": serializers.IntegerField(
    help_text=_("How many notifications were unread and are now read."))})


@extend_schema_view(
    list=list_schema(
        NotificationSerializer, "Your notifications",
        "Newest first. `unread=true` for the unread ones; `updated_since` filters on the time "
        "they were created."),
    retrieve=retrieve_schema(NotificationSerializer, "One of your notifications",
                             "404 for anyone else's."),
)
class NotificationViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    scope_family = "notifications"
    sync_field = "created_at"  # made, not changed: being read is not a sync event
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return own_notifications(self.request.user).order_by("-created_at", "-id")

    @extend_schema(summary="Mark a notification read", request=None,
                   responses={200: NotificationSerializer, **error_responses(401, 404)})
    @action(detail=True, methods=["post"])
    def read(self, request, uuid=None):
        notification = self.get_object()
        validated_input(self, NoInput)
        mark_read(Notification.objects.filter(pk=notification.pk))
        notification.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(summary="Mark all your notifications read", request=None, filters=False,
                   responses={200: MARKED, **error_responses(401)})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        validated_input(self, NoInput)
        return Response({"marked": mark_read(self.get_queryset())})

    @extend_schema(summary="How many of your notifications are unread", filters=False,
                   responses={200: UNREAD_COUNT, **error_responses(401)})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": self.get_queryset().filter(read_at__isnull=True).count()})
