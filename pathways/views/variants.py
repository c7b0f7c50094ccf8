"""The shared plan of home rehabilitation on the pathway page (early supported discharge and
the other pathway variants): what the hospital's team and the municipality have planned and
done, side by side, and the steps each side may take, in a panel above the plan
(common.htmx.form_step). A success re-renders the plan out of band and announces the outcome.

Everyone who sees the patient sees the plan; the buttons follow the sides the reader acts for
(services.variants.sides_of), and the services decide every step."""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from common import dates
from common.htmx import form_step, posted, render_panel, step_done, step_view
from common.lookup import one_or_404
from registry.models import AuditObjectType, Organization

from .. import access
from ..forms.variants import (
    EndEnrolmentForm,
    EnrolForm,
    HandOverForm,
    RecordActivityForm,
    ScheduleActivityForm,
)
from ..models import (
    ActivityStatus,
    Admission,
    EnrolmentStatus,
    PathwayActivity,
    PathwayEnrolment,
    ProviderSide,
    VariantActivityKind,
)
from ..services import variants as services
from ..services.variants import side_organization
from . import common

SECTION = "pathways/partials/home_rehabilitation.html"
PANEL = "pathways/partials/variant_step_form.html"


@dataclass
class SidePlan:
    """One side's part of the plan: what is coming and what was recorded."""

    side: str
    label: str
    organization: Organization
    upcoming: list = field(default_factory=list)
    recorded: list = field(default_factory=list)


@dataclass
class EnrolmentView:
    enrolment: PathwayEnrolment
    sides: list
    can_schedule: bool
    can_hand_over: bool
    can_end: bool


def enrolments_of(patient) -> list[PathwayEnrolment]:
    """The patient's enrolments, newest first, with their activities: two queries."""
    return list(
        PathwayEnrolment.objects.filter(admission__patient=patient)
        .select_related("variant", "team_organization", "municipality", "handed_over_by",
                        "ended_by")
        .prefetch_related(Prefetch("activities", queryset=PathwayActivity.objects.select_related(
            "kind", "recorded_by").order_by("scheduled_at", "pk")))
        .order_by("-started_at", "-pk"))


def _changeable(enrolment, side) -> bool:
    if enrolment.status == EnrolmentStatus.ENDED:
        return False
    return not (enrolment.status == EnrolmentStatus.HANDED_OVER
                and side == ProviderSide.HOSPITAL_TEAM)


def present(user, enrolment: PathwayEnrolment, at) -> EnrolmentView:
    """The enrolment as the page shows it to this reader (no query: the activities come
    prefetched, the reader's sides from the request's memberships)."""
    mine = services.sides_of(user, enrolment)
    plans = {
        side: SidePlan(side, side.label, side_organization(enrolment, side))
        for side in ProviderSide
    }
    for activity in enrolment.activities.all():
        side = activity.kind.side
        activity.can_record = (activity.status == ActivityStatus.PLANNED and side in mine
                               and _changeable(enrolment, side))
        activity.overdue = activity.status == ActivityStatus.PLANNED and activity.scheduled_at < at
        plan = plans[side]
        (plan.upcoming if activity.status == ActivityStatus.PLANNED else plan.recorded).append(
            activity)
    for plan in plans.values():
        plan.recorded.sort(key=lambda a: (a.done_at or a.recorded_at or a.scheduled_at),
                           reverse=True)
    return EnrolmentView(
        enrolment=enrolment, sides=list(plans.values()),
        can_schedule=any(_changeable(enrolment, side) for side in mine),
        can_hand_over=(enrolment.status == EnrolmentStatus.ACTIVE
                       and ProviderSide.HOSPITAL_TEAM in mine),
        can_end=any(_changeable(enrolment, side) for side in mine))


def section_context(request, patient, admissions, enrolments=None) -> dict:
    """The plan's section: each enrolment as the reader sees it, and the stay the reader may
    enrol (the latest one that can still be followed home, while none is live)."""
    at = common.now()
    enrolments = enrolments_of(patient) if enrolments is None else enrolments
    live = any(e.status != EnrolmentStatus.ENDED for e in enrolments)
    enrollable = None if live else next(
        (a for a in sorted(admissions, key=lambda a: a.admitted_at, reverse=True)
         if services.may_enrol(request.user, a)), None)
    return {"patient": patient, "variant_enrolments": [present(request.user, e, at)
                                                       for e in enrolments],
            "enrol_admission": enrollable, "at": at}


# ---------------------------------------------------------------------------------------
# The steps.


def _pathway_url(patient) -> str:
    return reverse("pathways:patient_pathway", args=[patient.uuid])


def _step_done(request, patient, message: str):
    def section() -> str:
        admissions = list(patient.admissions.select_related("hospital"))
        context = {**section_context(request, patient, admissions), "oob": True}
        return render_to_string(SECTION, context, request=request)

    return step_done(request, message, redirect_to=_pathway_url(patient), oob=section)


def _panel(request, form, step, message, *, patient, title, submit, subtitle="", hint="",
           back_label=""):
    def show(form, status):
        return render_panel(request, PANEL, {
            "patient": patient, "form": form, "title": title, "subtitle": subtitle,
            "hint": hint, "submit_label": submit, "back_label": back_label,
            "action": request.path, "back_url": _pathway_url(patient)}, status)

    return form_step(request, form, step, show=show,
                     done=lambda result: _step_done(request, patient, message(result)))


def _in_scope(request, queryset, uuid, object_type, patient_of):
    """The record, or 404 outside scope; a GET (a panel showing it) is audited as a read."""
    record = one_or_404(queryset.visible_to(request.user), uuid=uuid)
    if request.method == "GET":
        access.audit_reads(request.user, [record], object_type=object_type,
                           patient_of=patient_of)
    return record


def _enrolment(request, uuid) -> PathwayEnrolment:
    return _in_scope(request, PathwayEnrolment.objects.select_related(
        "admission__patient", "variant", "team_organization", "municipality"), uuid,
        AuditObjectType.PATHWAY_ENROLMENT, lambda e: e.admission.patient)


def _subtitle(enrolment) -> str:
    return _("%(patient)s, %(variant)s") % {"patient": enrolment.admission.patient.full_name,
                                            "variant": enrolment.variant.localized_name}


@step_view
def enrol_in_variant(request, uuid):
    """The admitting hospital's team puts the admission's patient in a pathway variant."""
    admission = _in_scope(request, Admission.objects.select_related(
        "patient", "hospital", "municipality"), uuid, AuditObjectType.ADMISSION,
        lambda a: a.patient)
    form = EnrolForm(posted(request))
    return _panel(
        request, form,
        lambda data: services.enrol(admission, by=request.user, variant=data["variant"]),
        lambda enrolment: _("%(patient)s follows %(variant)s; %(municipality)s sees the plan.")
        % {"patient": admission.patient.full_name, "variant": enrolment.variant.localized_name,
           "municipality": admission.municipality.name},
        patient=admission.patient, title=_("Start home rehabilitation"),
        submit=_("Start the pathway"),
        subtitle=_("%(patient)s, %(hospital)s") % {"patient": admission.patient.full_name,
                                                   "hospital": admission.hospital.name})


@step_view
def schedule_variant_activity(request, uuid):
    """A side plans one of its activities."""
    enrolment = _enrolment(request, uuid)
    mine = [side for side in services.sides_of(request.user, enrolment)
            if _changeable(enrolment, side)]
    kinds = VariantActivityKind.objects.filter(variant=enrolment.variant, active=True)
    if mine:  # the reader's own sides; anyone else is refused by the service, by name
        kinds = kinds.filter(side__in=mine)
    form = ScheduleActivityForm(posted(request), kinds=kinds.order_by("sort_order", "pk"))
    return _panel(
        request, form,
        lambda data: services.schedule_activity(
            enrolment, by=request.user, kind=data["kind"], scheduled_at=data["scheduled_at"],
            note=data["note"]),
        lambda activity: _("Planned: %(activity)s, %(when)s.") % {
            "activity": activity.kind.localized_name, "when": dates.when(activity.scheduled_at)},
        patient=enrolment.admission.patient, title=_("Plan an activity"),
        submit=_("Plan the activity"), subtitle=_subtitle(enrolment),
        hint=_("Each side plans its own activities; both sides see them."))


@step_view
def record_variant_activity(request, uuid):
    """The side that provides an activity records it done or cancelled."""
    activity = _in_scope(request, PathwayActivity.objects.select_related(
        "kind", "enrolment__admission__patient", "enrolment__variant",
        "enrolment__team_organization", "enrolment__municipality"), uuid,
        AuditObjectType.PATHWAY_ACTIVITY, lambda a: a.enrolment.admission.patient)

    def step(data):
        done = data["status"] == ActivityStatus.DONE
        return services.record_activity(
            activity, by=request.user, expected_version=data["version"], status=data["status"],
            done_at=data["done_at"] if done else None, note=data["note"])

    def message(result):
        text = (_("Recorded as done: %(activity)s, %(when)s.")
                if result.status == ActivityStatus.DONE
                else _("Recorded as cancelled: %(activity)s, %(when)s."))
        return text % {"activity": result.kind.localized_name,
                       "when": dates.when(result.done_at or result.scheduled_at)}

    return _panel(
        request, RecordActivityForm(posted(request), activity=activity), step, message,
        patient=activity.enrolment.admission.patient, title=_("Record the activity"),
        submit=_("Record"),
        subtitle=_("%(activity)s, %(when)s") % {"activity": activity.kind.localized_name,
                                                "when": dates.when(activity.scheduled_at)})


@step_view
def hand_over_variant(request, uuid):
    """The hospital's team hands the plan over to the municipality."""
    enrolment = _enrolment(request, uuid)
    return _panel(
        request, HandOverForm(posted(request), enrolment=enrolment),
        lambda data: services.hand_over(enrolment, by=request.user,
                                        expected_version=data["version"], note=data["note"]),
        lambda result: _("The plan is handed over to %(municipality)s. The hospital's team can "
                         "still read it.") % {"municipality": result.municipality.name},
        patient=enrolment.admission.patient, title=_("Hand over to the municipality"),
        submit=_("Hand over"), subtitle=_subtitle(enrolment),
        hint=_("Record or cancel the team's planned activities first. Afterwards the team "
               "reads the plan but can no longer change it; the municipality goes on."))


@step_view
def end_variant(request, uuid):
    """Either side ends the pathway while it is active; after the handover the
    municipality."""
    enrolment = _enrolment(request, uuid)
    return _panel(
        request, EndEnrolmentForm(posted(request), enrolment=enrolment),
        lambda data: services.end_enrolment(enrolment, by=request.user,
                                            expected_version=data["version"], note=data["note"]),
        lambda result: _("%(variant)s has ended.") % {"variant": result.variant.localized_name},
        patient=enrolment.admission.patient, title=_("End the pathway"),
        submit=_("End the pathway"), subtitle=_subtitle(enrolment), back_label=_("Go back"),
        hint=_("Activities still planned are cancelled. Nobody can change the plan "
               "afterwards."))
