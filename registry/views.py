"""Server-rendered pages of the registry: dashboard, service catalogue, organisations, and
everyone's notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import action_view, poll_seconds, render_page

from .filters import OrganizationFilter, ServiceOfferingFilter
from .models import (
    CoordinatingUnit,
    Membership,
    Notification,
    Organization,
    ServiceLevel,
    ServiceOffering,
)
from .notification_patients import name_patients
from .notifications import mark_read, own_notifications

ORGANIZATIONS_PER_PAGE = 50

# Catalogue filters a person can set; the FilterSet serves the API too and has more.
CATALOGUE_FILTERS = ("municipality", "target_group")


def _relabel_empty_choices(form, labels: dict) -> None:
    """Say "All municipalities" instead of the FilterSet's neutral "---------"."""
    for name, label in labels.items():
        field = form.fields.get(name)
        if field is not None:
            field.empty_label = label
            field.widget.choices = field.choices  # the widget's copy still points at the class


@login_required
@require_GET
def home(request):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organization").order_by("organization__name", "role")
    )
    return render(request, "home.html", {"memberships": memberships})


@login_required
@require_GET
def catalogue(request):
    """The service catalogue drawn as the rehabilitation pyramid, filtered with htmx."""
    data = {key: request.GET[key] for key in CATALOGUE_FILTERS if request.GET.get(key)}
    filterset = ServiceOfferingFilter(data, queryset=ServiceOffering.objects.active())
    _relabel_empty_choices(filterset.form, {
        "municipality": _("All municipalities"),
        "target_group": _("All target groups"),
    })
    matching = filterset.qs  # validates the filter form; invalid values are left out

    # One aggregate query: every level with the number of matching services on it.
    levels = list(
        ServiceLevel.objects.annotate(service_count=Count(
            "services", filter=Q(services__in=matching.order_by().values("pk")), distinct=True,
        )).order_by("sort_order")
    )
    selected = next((lv for lv in levels if lv.code == request.GET.get("level")), None)
    services = None
    if selected is not None:
        services = (
            matching.filter(level=selected)
            .select_related("provider", "level")
            .prefetch_related("target_groups", "municipalities_served")
        )

    filters = {key: filterset.form.data[key] for key in data if key not in filterset.form.errors}
    step = 60 / max(len(levels) - 1, 1)
    pyramid = [
        {
            "level": level,
            "width": round(100 - step * index),
            "query": urlencode({**filters, "level": level.code}),
            "selected": level is selected,
        }
        for index, level in enumerate(levels)
    ]
    pyramid.reverse()  # the narrowest, most specialised level on top
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "pyramid": pyramid,
        "selected_level": selected,
        "services": services,
        "total": sum(level.service_count for level in levels),
        "clear_level_query": urlencode(filters),
    }
    return render_page(request, "registry/catalogue.html",
                       "registry/partials/catalogue_results.html", context)


@login_required
@require_GET
def organization_list(request):
    filterset = OrganizationFilter(
        {key: request.GET[key] for key in ("q", "kind", "region") if request.GET.get(key)},
        queryset=Organization.objects.select_related("parent"),
    )
    _relabel_empty_choices(filterset.form, {
        "kind": _("All kinds"),
        "region": _("All regions"),
    })
    filterset.form.fields["q"].widget.input_type = "search"
    page = Paginator(filterset.qs, ORGANIZATIONS_PER_PAGE).get_page(request.GET.get("page"))
    filters = {key: value for key, value in filterset.form.data.items()}
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "filter_query": urlencode(filters),
    }
    return render_page(request, "registry/organization_list.html",
                       "registry/partials/organization_table.html", context)


def _coordinating_unit(organization: Organization):
    """The organisation's own KE, or for a hospital (or any member) the KE of its parent."""
    for candidate in (organization, organization.parent):
        if candidate is None:
            continue
        try:
            return candidate.coordinating_unit
        except CoordinatingUnit.DoesNotExist:
            continue
    return None


@login_required
@require_GET
def organization_detail(request, uuid):
    organization = get_object_or_404(
        Organization.objects.select_related(
            "parent", "coordinating_unit", "parent__coordinating_unit"
        ),
        uuid=uuid,
    )
    services = (
        organization.services.active().select_related("level")
        .prefetch_related("target_groups").order_by("level__sort_order", "name")
    )
    context = {
        "organization": organization,
        "children": organization.children.order_by("name"),
        "coordinating_unit": _coordinating_unit(organization),
        "services": services,
        "catalogue_query": urlencode({"municipality": organization.uuid})
        if organization.is_municipality else "",
    }
    return render(request, "registry/organization_detail.html", context)


# ---------------------------------------------------------------------------------------
# Notifications: everyone's own in-app notifications, and for administrators the ones that
# could not be delivered (nothing is silently lost: DOMAIN.md).

NOTIFICATIONS_PER_PAGE = 50


def _safe_link(url: str) -> str:
    """Only links into the portal itself become links."""
    return url if url.startswith("/") and not url.startswith("//") else ""


def _badge_html(request, count: int | None = None, *, oob: bool = False) -> str:
    if count is None:
        count = own_notifications(request.user).unread().count()
    return render_to_string("registry/partials/notification_badge.html", {
        "unread_notifications": count, "oob": oob,
        "notification_poll_seconds": poll_seconds("notification_badge")})


@never_cache
@login_required
@require_GET
def notification_list(request):
    """Unread first, then newest first. Queries: 1 session, 2 user, 3 count for the
    paginator, 4 the page, 5 memberships with the unread count (navigation and badge); when
    the page concerns patients, 6 those the user may see (named) and 7 the audit of them."""
    notifications = own_notifications(request.user).annotate(
        unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()),
    ).order_by("-unread", "-created_at", "-id")
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    for notification in page.object_list:
        notification.link = _safe_link(notification.url)
    name_patients(request.user, page.object_list)
    context = {"page": page}
    return render_page(request, "registry/notifications.html",
                       "registry/partials/notification_list.html", context)


@never_cache
@login_required
@require_GET
def notification_badge(request):
    """The nav badge alone, polled by base.html: 1 session, 2 user, 3 the unread count."""
    return HttpResponse(_badge_html(request))


@action_view
def notification_read(request, uuid):
    notification = get_object_or_404(own_notifications(request.user), uuid=uuid)
    mark_read(own_notifications(request.user).filter(pk=notification.pk))
    notification.refresh_from_db()
    message = _("Marked as read: %(title)s") % {"title": notification.title}
    if not request.htmx:
        messages.success(request, message)
        return redirect("registry:notification_list")
    notification.link = _safe_link(notification.url)
    name_patients(request.user, [notification])
    html = render_to_string("registry/partials/notification_item.html",
                            {"notification": notification}, request=request)
    return HttpResponse(html + _badge_html(request, oob=True) + render_to_string(
        "partials/announce.html", {"announcement": message}))


@action_view
def notification_read_all(request):
    count = mark_read(own_notifications(request.user))
    message = ngettext("%(count)d notification marked as read.",
                       "%(count)d notifications marked as read.", count) % {"count": count}
    messages.success(request, message)  # a plain form post: the whole list changes
    return redirect("registry:notification_list")


@never_cache
@login_required
@require_GET
def undelivered_notifications(request):
    """For administrators: notifications that failed or gave up, with attempts and error.
    Queries: 1 session, 2 user, 3 count, 4 the page with recipients, 5 navigation."""
    if not request.user.is_staff:
        raise PermissionDenied(_("Only administrators see undelivered notifications."))
    failed = Notification.objects.undelivered().select_related("recipient").order_by(
        "-created_at", "-id")
    page = Paginator(failed, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render_page(request, "registry/undelivered.html",
                       "registry/partials/undelivered_table.html", {"page": page})
