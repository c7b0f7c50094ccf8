"""Who may read the PLO message log and take its steps: the one place that decides it.

Deny by default. An organisation's administrator sees the messages sent to or from the
organisation (and those addressed by its HER-id whose party the registry did not know when
they came); a superuser sees every message; nobody else sees any. The list, the message's
page and its steps all start from visible_messages()."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from common.lookup import one_or_404
from registry.capabilities import Capability, organizations_where

from .models import PloMessage


def administered(user) -> list:
    """The organisations whose PLO messages the user reads as their administrator."""
    return organizations_where(user, Capability.ADMINISTER_ORGANIZATION)


def may_see_log(user) -> bool:
    """Whether the log is for the user at all (the navigation asks; no query of its own: the
    request's memberships are read once)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or bool(administered(user))


def visible_messages(user):
    """The messages the user may see: deny by default."""
    messages = PloMessage.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return messages.none()
    if user.is_superuser:
        return messages
    organizations = administered(user)
    if not organizations:
        return messages.none()
    ids = [organization.pk for organization in organizations]
    her_ids = [organization.her_id for organization in organizations if organization.her_id]
    scope = Q(sender_id__in=ids) | Q(receiver_id__in=ids)
    if her_ids:  # a party the registry did not know when the message came
        scope |= Q(sender__isnull=True, sender_her_id__in=her_ids)
        scope |= Q(receiver__isnull=True, receiver_her_id__in=her_ids)
    return messages.filter(scope)


def require_log(user) -> None:
    """The list is refused (403, with the reason) to whoever may see no message at all."""
    if not may_see_log(user):
        raise PermissionDenied(_("The PLO message log is for the administrators of an "
                                 "organisation that exchanges PLO messages."))


def get_visible_message(user, uuid, shape=lambda messages: messages) -> PloMessage:
    """The message, or 404 alike whether it does not exist or lies outside the user's scope;
    `shape` adds to the query what the page reads with it."""
    return one_or_404(shape(visible_messages(user)), uuid=uuid)
