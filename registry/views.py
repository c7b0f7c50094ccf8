"""Server-rendered pages of the registry: dashboard, service catalogue, organisations."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from rehab_portal.htmx import render_page

from .filters import OrganizationFilter, ServiceOfferingFilter
from .models import CoordinatingUnit, Membership, Organization, ServiceLevel, ServiceOffering

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
