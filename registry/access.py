"""Who may change registry data. Reading the registry is open to every signed-in user."""

from django.core.exceptions import PermissionDenied
from django.db.models import F, Func, Subquery
from django.utils.translation import gettext as _

from .models import Membership, Organization, User, Ward


def memberships(user) -> list[Membership]:
    """The user's memberships with their organisations, read once per request: the request's
    user object carries them (the navigation, the pages' scope and the audit's grounds all
    ask). On a page the same query counts the user's unread notifications for the badge
    (unread_notifications): the user row, joined to memberships and organisations."""
    if not (user and user.is_authenticated):
        return []
    cached = user.__dict__.get("_memberships")
    if cached is None:
        cached = _read_memberships(user)
    return cached


def unread_notifications(user) -> int:
    """The badge's count, from the same query as memberships() (its own query where that
    read none: an API request)."""
    if not (user and user.is_authenticated):
        return 0
    memberships(user)
    if "_unread_notifications" not in user.__dict__:
        user.__dict__["_unread_notifications"] = user.notifications.unread().count()
    return user.__dict__["_unread_notifications"] or 0


def _read_memberships(user) -> list[Membership]:
    from common import context

    request = context.current()
    if request is not None and request.via == "api":
        # No badge to count: the memberships alone (a query of two tables, not four).
        result = list(Membership.objects.filter(user_id=user.pk)
                      .select_related("organization", "ward").order_by("pk"))
        user.__dict__["_memberships"] = result
        return result
    own = [f.attname for f in Membership._meta.concrete_fields]
    organization = [f.attname for f in Organization._meta.concrete_fields]
    ward = [f.attname for f in Ward._meta.concrete_fields]  # the planner's own ward, if any
    rows = list(
        User.objects.filter(pk=user.pk).annotate(unread=unread_count_subquery(user))
        .values_list("unread", *(f"memberships__{name}" for name in own),
                     *(f"memberships__organization__{name}" for name in organization),
                     *(f"memberships__ward__{name}" for name in ward))
        .order_by("memberships__pk")
    )
    result = []
    ends = (1 + len(own), 1 + len(own) + len(organization))
    for row in rows:
        values = row[1:ends[0]]
        if values[0] is None:  # the user has no membership: one row of NULLs
            continue
        membership = Membership.from_db("default", own, values)
        membership.organization = Organization.from_db("default", organization,
                                                       row[ends[0]:ends[1]])
        membership.ward = (Ward.from_db("default", ward, row[ends[1]:])
                           if membership.ward_id else None)
        result.append(membership)
    user.__dict__["_memberships"] = result
    user.__dict__["_unread_notifications"] = rows[0][0] if rows else 0
    return result


def administered_organization_ids(user) -> set[int]:
    from .capabilities import Capability, roles_with  # the table reads memberships()

    if not (user and user.is_authenticated):
        return set()
    return set(
        Membership.objects.filter(user=user,
                                  role__in=roles_with(Capability.ADMINISTER_ORGANIZATION))
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


def unread_count_subquery(user):
    """SELECT COUNT(id) of the user's unread in-app notifications, as a scalar subquery.

    COUNT as a plain function (not an aggregate) keeps Django from adding a GROUP BY."""
    return Subquery(
        user.notifications.unread().order_by().annotate(
            unread=Func(F("pk"), function="COUNT")).values("unread")[:1]
    )
