"""Server-rendered patient pages: search, the patient page and its access log (innsynslogg).

Every page starts from pathways.access: a patient outside the user's scope is a 404, and
every read of patient data is written to the audit trail.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from common.htmx import render_page, step_view
from registry.models import AuditAction, AuditEvent, AuditObjectType

from .. import patient_page
from ..access import audit_reads, can_read_access_log, get_visible_patient, visible_patients
from ..filters import PatientFilter
from ..forms import PatientSearchForm

SEARCH_LIMIT = 50
ACCESS_LOG_PER_PAGE = 50

capfirst_lazy = lazy(capfirst, str)

CHANNELS = {
    "web": _("Web portal"),
    "api": _("API (EPJ system)"),
    "task": _("Background job"),
    "cli": _("Command line"),
    "citizen": _("The patient's own page"),
}
# What the trail names, for a reader: the records by their model's name (the same words as
# their forms and the admin), the pages by their title. A type without a label shows its code.
OBJECT_TYPES = {
    "patient": _("Patient record"),
    "access_log": _("Access log"),
    "next_of_kin": _("Next of kin"),
    "care_relationship": _("Care relationship"),
    **{kind: capfirst_lazy(label) for kind, label in (
        ("admission", _("admission")), ("earlynotification", _("early notification")),
        ("dischargemeeting", _("discharge meeting")),
        ("meetingparticipant", _("meeting participant")),
        ("followuptask", _("follow-up task")), ("planrequest", _("plan request")),
        ("individualplan", _("individual plan")), ("goal", _("goal")),
        ("measure", _("measure")), ("evaluation", _("evaluation")),
        ("consent", _("consent")), ("planparticipant", _("plan participant")),
        ("coordinatorassignment", _("coordinator assignment")),
        ("citizen", _("citizen")), ("representation", _("representation")),
        ("goalproposal", _("goal proposal")), ("measurecomment", _("comment on a measure")),
        ("selfreport", _("self-report")), ("planmessage", _("message")),
        ("pathwayenrolment", _("pathway enrolment")),
        ("pathwayactivity", _("planned activity")))},
    "citizen_home": _("The patient's own page"),
}


@sensitive_post_parameters("identity_number")
@step_view
def patient_search(request):
    """Search by POST, so that an identity number never lands in a URL, a log or history."""
    form = PatientSearchForm(request.POST if request.method == "POST" else None)
    patients = None
    truncated = False
    searched_by = ""
    if request.method == "POST" and form.is_valid():
        number, name = form.cleaned_data["identity_number"], form.cleaned_data["name"]
        found = visible_patients(request.user).select_related("municipality")
        if number:
            searched_by = "identity_number"
            found = found.filter(identity_number=number)
        else:
            searched_by = "name"
            found = PatientFilter({"name": name}, queryset=found).qs
        patients = list(found[: SEARCH_LIMIT + 1])
        truncated = len(patients) > SEARCH_LIMIT
        patients = patients[:SEARCH_LIMIT]
        audit_reads(request.user, patients, object_type=AuditObjectType.PATIENT,
                    action=AuditAction.SEARCH, detail=f"search by {searched_by.replace('_', ' ')}")
        # The number is not echoed back: the results show it masked.
        form = PatientSearchForm(initial={"name": name})
    context = {
        "form": form,
        "patients": patients,
        "truncated": truncated,
        "search_limit": SEARCH_LIMIT,
        "searched_by": searched_by,
    }
    return render_page(request, "pathways/patient_search.html",
                       "pathways/partials/patient_search_panel.html", context)


@never_cache
@login_required
@require_GET
def patient_detail(request, uuid):
    patient = get_visible_patient(request.user, uuid)
    audit_reads(request.user, [patient], object_type=AuditObjectType.PATIENT)
    now = timezone.now()
    relationships = list(
        patient.care_relationships.select_related("organization", "user").order_by("-valid_from")
    )
    for relationship in relationships:
        if relationship.valid_from > now:
            relationship.status = _("Not started")
        elif relationship.valid_to is not None and relationship.valid_to <= now:
            relationship.status = _("Ended")
        else:
            relationship.status = _("Active")
    context = {
        "patient": patient,
        "next_of_kin": patient.next_of_kin.all(),
        "relationships": relationships,
        "can_read_access_log": can_read_access_log(request.user, patient),
        # What other apps show here (the individual plan): see pathways.patient_page.
        "sections": patient_page.render_sections(request, patient),
    }
    return render(request, "pathways/patient_detail.html", context)


@never_cache
@login_required
@require_GET
def access_log(request, uuid):
    """Who saw or changed the record, for KE staff of the patient's municipality only."""
    patient = get_visible_patient(request.user, uuid)
    if not can_read_access_log(request.user, patient):
        raise Http404("No such patient.")
    # Logged first, so the reader finds their own read at the top of the list.
    audit_reads(request.user, [patient], object_type=AuditObjectType.ACCESS_LOG)
    events = (
        AuditEvent.objects.filter(patient_uuid=patient.uuid)
        .select_related("organization").order_by("-at", "-id")
    )
    page = Paginator(events, ACCESS_LOG_PER_PAGE).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.channel_label = CHANNELS.get(event.via, event.via)
        event.object_label = OBJECT_TYPES.get(event.object_type, event.object_type)
    context = {"patient": patient, "page": page}
    return render_page(request, "pathways/access_log.html",
                       "pathways/partials/access_log_table.html", context)
