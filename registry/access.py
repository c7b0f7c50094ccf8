"""Who may change registry data. Reading the registry is open to every signed-in user."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import Membership, Role


def administered_organization_ids(user) -> set[int]:
    if not (user and user.is_authenticated):
        return set()
    return set(
        Membership.objects.filter(user=user, role=Role.ORG_ADMIN)
        .values_list("organization_id", flat=True)
    )


def require_admin_of(user, *organizations) -> None:
    administered = administered_organization_ids(user)
    if not administered:
        raise PermissionDenied(_("You administer no organisation."))
    if any(org.pk not in administered for org in organizations):
        raise PermissionDenied(
            _("Only the provider's organisation administrators may change its services.")
        )
