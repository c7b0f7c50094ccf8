"""Early notifications over the API. Validation only: sending, drafts and acknowledgement
go through pathways.services (which run the model's full_clean())."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api.fields import SlugRelatedField
from common.api.serializers import StrictFieldsMixin
from registry.models import ServiceLevel

from ..models import EarlyNotification, NoticeState
from ..services.notices import NOTICE_FIELDS
from .common import AdmissionRecordFields, admission_field, display_name_field


class EarlyNotificationSerializer(StrictFieldsMixin, AdmissionRecordFields,
                                  serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="early-notification-detail",
                                               lookup_field="uuid")
    admission = admission_field(_("UUID of the admission the notice is about."))
    state = serializers.ChoiceField(
        choices=NoticeState.choices, default=NoticeState.SENT,
        help_text=_("sent (the default) sends the notice now; draft keeps it as the ward's "
                    "draft (one per admission; saving again updates it)."))
    message_status = serializers.ChoiceField(
        choices=EarlyNotification._meta.get_field("message_status").choices, required=False,
        help_text=_("Left out, it is derived: new for the first notice, change for a later "
                    "one. Give addition, replaces or cancel to say otherwise; a cancellation "
                    "is only sent when asked for. Set when the notice is sent, not on "
                    "drafts."))
    proposed_level = SlugRelatedField(
        slug_field="code", queryset=ServiceLevel.objects.all(), required=False,
        allow_null=True, help_text=_("Pyramid level code, e.g. 3 or 5.1."))
    deadline = serializers.DateTimeField(
        source="admission.notification_deadline", read_only=True,
        help_text=_("When the first notice was due (admission + the agreed hours)."))
    sent_by = display_name_field("sent_by")
    acknowledged_by = display_name_field("acknowledged_by", help_text=_(
        "Who in the municipality acknowledged the notice."))

    class Meta:
        model = EarlyNotification
        fields = ["uuid", "url", "admission", "patient", "sequence", "message_status", "state",
                  *NOTICE_FIELDS, "sent_at", "sent_by", "late", "deadline", "acknowledged_at",
                  "acknowledged_by", "created_at", "updated_at"]
        read_only_fields = ["uuid", "sequence", "sent_at", "late", "acknowledged_at",
                            "created_at", "updated_at"]
        # Not the validators DRF derives from the unique constraints (version per admission,
        # one draft per admission): the services number versions and reuse the draft.
        validators = []


class DraftQuerySerializer(serializers.Serializer):
    draft = serializers.BooleanField(required=False, default=False, help_text=_(
        "true saves a draft, like state=draft in the body."))
