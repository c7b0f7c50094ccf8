"""The overview's badge: how many messages from staff the signed-in citizen has not read."""

from django import template

from coordination.models import PlanMessage

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context, access) -> int:
    """Staff's messages in the patient's plans without this citizen's receipt (one query);
    0 where the door has no messages."""
    user = context["request"].user
    if access is None or not access.allows("messages"):
        return 0
    return PlanMessage.objects.filter(plan__patient=access.patient, from_citizen=False).exclude(
        reads__reader=user).count()
