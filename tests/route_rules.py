"""The rules of the generated access matrix (tests/test_route_matrix.py): every route of the
API router, of the FHIR API and of the web URLconf that takes a UUID, with what its id names
and who owns it. A route without a rule is listed with rule None, and the matrix fails on it."""

from types import SimpleNamespace

from django.urls import URLPattern, URLResolver, get_resolver

from fhir_api.resources import HANDLERS
from registry.models import Membership, Notification
from rehab_portal.api import router

from .access_world import INSTITUTION_REFERRAL_SEEN_BY, INSTITUTIONS, MEMBERS, PATIENTS, SEES


def _of_patients(*attributes):
    """The patients' objects of these names, each with its owner (the patient's name)."""
    def objects(world):
        return [(name, getattr(world.of[name], attribute)) for name in PATIENTS
                for attribute in attributes if hasattr(world.of[name], attribute)]
    return objects


def _patient_bound(attribute):
    return SimpleNamespace(objects=_of_patients(attribute),
                           sees=lambda world, member, owner, obj: owner in SEES[member])


def _concerns(world, member, owner, referral) -> bool:
    """A referral is seen by whoever sees its patient and is of a unit it concerns: in this
    world, the referral through the RVE by those INSTITUTION_REFERRAL_SEEN_BY names, the
    municipal ones by everyone but the RVE and the institutions."""
    if owner not in SEES[member]:
        return False
    if referral == getattr(world.of[owner], "institution_referral", None):
        return member in INSTITUTION_REFERRAL_SEEN_BY
    return member not in INSTITUTIONS


def _keeps(world, member, service) -> bool:
    return any(member in keepers and service == kept for keepers, kept in world.waiting_lists)


def _member_of(world, member, organization) -> bool:
    return Membership.objects.filter(user=world.people[member], organization=organization).exists()


# What a route's id names, who owns each such object, and who sees it.
RESOURCES = {
    name: _patient_bound(name) for name in (
        "patient", "admission", "notice", "declaration", "meeting", "task", "participant",
        "plan", "request", "goal", "measure", "plan_participant", "consent",
        "enrolment", "activity", "assessment", "question")
}
RESOURCES |= {
    "organization": SimpleNamespace(  # the public catalogue
        objects=lambda world: [(None, world.cast.unn), (None, world.cast.bodo)],
        sees=lambda world, member, owner, obj: True),
    "service": SimpleNamespace(
        objects=lambda world: [(None, world.service)],
        sees=lambda world, member, owner, obj: True),
    "ward": SimpleNamespace(  # registry data, public like the organisations
        objects=lambda world: [(None, world.cast.stroke_unit)],
        sees=lambda world, member, owner, obj: True),
    "notification": SimpleNamespace(  # one's own
        objects=lambda world: [(m, n) for m in MEMBERS for n in Notification.objects.filter(
            recipient=world.people[m]).order_by("pk")[:1]],
        sees=lambda world, member, owner, obj: member == owner),
    "coordinator": SimpleNamespace(  # those of one's own organisations
        objects=lambda world: list(world.coordinators.items()),
        sees=lambda world, member, owner, obj: _member_of(
            world, member, world.coordinators[owner].organization)),
    "subscription": SimpleNamespace(  # an EPJ system's own
        objects=lambda world: [(n, s.subscription) for n, s in world.systems.items()],
        sees=lambda world, member, owner, obj: member == owner),
    "delivery": SimpleNamespace(
        objects=lambda world: [(n, s.delivery) for n, s in world.systems.items()],
        sees=lambda world, member, owner, obj: member == owner),
    "referral": SimpleNamespace(
        objects=_of_patients("referral", "waiting_referral", "institution_referral"),
        sees=_concerns),
    # A place on a waiting list: for those who keep the list and see the patient.
    "waiting_entry": SimpleNamespace(
        objects=_of_patients("waiting_referral", "institution_referral"),
        sees=lambda world, member, owner, obj: owner in SEES[member] and _keeps(
            world, member, obj.allocated_service)),
    # A service's waiting list (the web page): for those who keep it.
    "waiting_list": SimpleNamespace(
        objects=lambda world: [(None, service) for _keepers, service in world.waiting_lists],
        sees=lambda world, member, owner, obj: _keeps(world, member, obj)),
}

# Sub-objects in a URL, named by their UUID: the kwarg (an API path's group, a web URL's
# converter) and the resource it names.
SUB_IDS = {"task_id": "task", "goal_id": "goal", "measure_id": "measure",
           "participant_id": "plan_participant", "consent_id": "consent",
           "task_uuid": "task", "goal_uuid": "goal", "measure_uuid": "measure",
           "participant_uuid": "plan_participant", "consent_uuid": "consent"}


def rule(resource, kind="object", **extra):
    return SimpleNamespace(resource=resource, kind=kind, **extra)


API_BASENAMES = {"organization": "organization", "service": "service", "ward": "ward",
                 "patient": "patient",
                 "admission": "admission", "early-notification": "notice",
                 "discharge-meeting": "meeting", "notification": "notification",
                 "plan-request": "request", "coordinator": "coordinator",
                 "individual-plan": "plan", "webhook-subscription": "subscription",
                 "webhook-delivery": "delivery",
                 "pathway-enrolment": "enrolment", "pathway-activity": "activity",
                 # Referrals: the referral scope (sender, receiver, list keeper, the patient's
                 # KE) is every member who sees the patient in this world.
                 "referral": "referral", "needs-assessment": "assessment",
                 "waiting-list": "waiting_entry"}
# Creating names its object in the body: an object outside one's scope must be refused as a
# made-up one is. Creations that name no patient-bound object are the other tests' business.
API_CREATES = {
    "admission-list POST": ("patient", "patient"),
    "early-notification-list POST": ("admission", "admission"),
    "discharge-meeting-list POST": ("admission", "admission"),
    "plan-request-list POST": ("patient", "patient"),
    "pathway-enrolment-list POST": ("admission", "admission"),
    "pathway-activity-list POST": ("enrolment", "enrolment"),
    "referral-list POST": ("patient", "patient"),
    "needs-assessment-list POST": ("patient", "patient"),
}
API_NOT_BOUND = {
    "patient-list POST": "registers a new patient (tests/api/test_patients.py)",
    "patient-search POST": "finds by identity number (tests/test_access_matrix.py)",
    "service-list POST": "the organisation's own catalogue (tests/api/test_services.py)",
    "coordinator-list POST": "the KE's own staff (tests/api/test_coordination_api.py)",
    "webhook-subscription-list POST": "the client's own configuration (tests/webhooks)",
    "notification-read-all POST": "one's own notifications, no id",
    "notification-unread-count GET": "one's own notifications, no id",
    # Aggregates, no patient: who reads them is indicators.access (tests/indicators).
    "indicator-list GET": "the indicator catalogue (tests/indicators/test_api.py)",
    "indicator-detail GET": "the indicator catalogue (tests/indicators/test_api.py)",
    "indicator-figures GET": "aggregates, suppressed (tests/indicators/test_api.py)",
    "capacity-list GET": "capacity against the norms (tests/indicators/test_api.py)",
    # Reference data, no patient: the variants and their kinds of activity, by code.
    "pathway-variant-list GET": "reference data (tests/api/test_pathway_variants_api.py)",
    "pathway-variant-detail GET": "reference data (tests/api/test_pathway_variants_api.py)",
}


REGISTERED = sorted((basename for _p, _v, basename in router.registry), key=len, reverse=True)


def api_routes() -> dict:
    """Every (route name, method) of the router, with its rule, or None if it has none."""
    routes = {}
    for pattern in router.urls:
        if pattern.name == "api-root" or "(?P<format>" in str(pattern.pattern):
            continue
        for method in pattern.callback.actions:
            key = f"{pattern.name} {method.upper()}"
            # The registration the route is of: the longest basename its name starts with.
            base = next(b for b in REGISTERED if pattern.name.startswith(b + "-"))
            if key in API_NOT_BOUND:
                found = rule(None, "exempt", why=API_NOT_BOUND[key])
            elif key in API_CREATES:
                field, resource = API_CREATES[key]
                found = rule(resource, "create", field=field)
            elif base not in API_BASENAMES:
                found = None
            elif pattern.name == f"{base}-list" and method == "get":
                found = rule(API_BASENAMES[base], "list")
            elif "(?P<uuid>" in str(pattern.pattern):
                found = rule(API_BASENAMES[base])
            else:
                found = None
            routes[key] = SimpleNamespace(rule=found, pattern=pattern, method=method,
                                          path=_api_path(pattern))
    return routes


def _api_path(pattern) -> str:
    return "/api/v1/" + str(pattern.pattern).lstrip("^").rstrip("$")


FHIR_RESOURCES = {"Patient": "patient", "Organization": "organization",
                  "Encounter": "admission", "Communication": "notice",
                  "Appointment": "meeting", "AppointmentResponse": "participant",
                  "CarePlan": "plan", "CareTeam": "plan", "Goal": "goal", "Task": "declaration",
                  "ServiceRequest": "referral", "Observation": "assessment"}
FHIR_CREATES = {"Encounter", "Communication"}  # their subjects: tests/fhir/test_create.py
# Aggregates, no patient: who reads them is indicators.access (tests/indicators/test_fhir.py).
FHIR_AGGREGATES = {"Measure", "MeasureReport"}


def fhir_routes() -> dict:
    routes = {}
    for type_, handler in HANDLERS.items():
        resource = FHIR_RESOURCES.get(type_)
        for action in ("read", "search", "_search"):
            if type_ in FHIR_AGGREGATES:
                found = rule(None, "exempt", why="tests/indicators/test_fhir.py")
            else:
                found = rule(resource, action) if resource else None
            routes[f"fhir {type_} {action}"] = SimpleNamespace(
                rule=found, handler=handler, type=type_)
        if type_ in FHIR_CREATES:
            routes[f"fhir {type_} create"] = SimpleNamespace(
                rule=rule(None, "exempt", why="tests/fhir/test_create.py"), type=type_)
    return routes


# What a read needs to be asked (a 400 without it).
QUERIES = {"individual-plan-diff GET": {"from": 1}}

# Web pages and steps on a patient-bound object: the resource and the methods they answer.
WEB = {
    "pathways:patient_detail": ("patient", "GET"), "pathways:patient_pathway": ("patient", "GET"),
    "pathways:access_log": ("patient", "GET"),
    "coordination:new_plan_request": ("patient", "GET"),
    **{f"pathways:{name}": ("admission", "POST") for name in (
        "early_notification", "declare_ready", "withdraw_ready", "discharge", "transfer",
        "record_death", "schedule_meeting", "enter_in_error")},
    "pathways:acknowledge_notice": ("notice", "POST"),
    "pathways:take_notice": ("notice", "POST"),
    "pathways:release_notice": ("notice", "POST"),
    "pathways:answer_declaration": ("declaration", "POST"),
    "pathways:respond_to_meeting": ("meeting", "POST"),
    "pathways:meeting_detail": ("meeting", "GET"),
    "pathways:meeting_invitation": ("meeting", "GET"),
    **{f"pathways:{name}": ("meeting", "POST") for name in (
        "meeting_respond", "meeting_reschedule", "meeting_cancel", "meeting_add_participants",
        "meeting_minutes", "meeting_add_task", "meeting_complete_task",
        "meeting_patient_minutes")},
    "coordination:accept_request": ("request", "POST"),
    "coordination:decline_request": ("request", "POST"),
    "coordination:plan_detail": ("plan", "GET"), "coordination:plan_pdf": ("plan", "GET"),
    "coordination:measure_services": ("plan", "GET"),
    **{f"coordination:{name}": ("plan", "POST") for name in (
        "edit_what_matters", "add_goal", "add_measure", "change_status", "reassign_coordinator",
        "record_consent", "revoke_consent", "update_goal", "add_sub_goal", "update_measure",
        "reword_goal", "reword_measure",
        "add_participant", "remove_participant", "record_evaluation",
        "acknowledge_patient_goal", "propose_goal_wording", "withdraw_goal_proposal")},
    "coordination:send_plan_message": ("plan", "POST"),
    # The shared plan of home rehabilitation (pathway variants) on the pathway page.
    "pathways:enrol_in_variant": ("admission", "POST"),
    **{f"pathways:{name}": ("enrolment", "POST") for name in (
        "schedule_variant_activity", "hand_over_variant", "end_variant")},
    "pathways:record_variant_activity": ("activity", "POST"),
    # A question between the stay's hospital and municipality, and its answer.
    "pathways:ask_question": ("admission", "POST"),
    "pathways:answer_question": ("question", "POST"),
    # A report on the stay written in the portal: the admission and the discharge report.
    "pathways:write_admission_report": ("admission", "POST"),
    "pathways:write_discharge_report": ("admission", "POST"),
    # Referrals from the patient's page: the form, and starting a needs assessment.
    "referrals:new_referral": ("patient", "GET"), "referrals:start_assessment": ("patient", "POST"),
    # A referral and its steps, for the units it concerns; a needs assessment and its steps;
    # a service's waiting list, for those who keep it.
    "referrals:referral": ("referral", "GET"),
    **{f"referrals:{name}": ("referral", "POST") for name in (
        "decide", "forward", "request_information", "give_information", "record_choice",
        "set_expected_start", "record_start", "withdraw")},
    "referrals:assessment": ("assessment", "GET"),
    **{f"referrals:{name}": ("assessment", "POST") for name in (
        "save_assessment", "assessment_suggestion", "revise_assessment")},
    "referrals:waiting_list": ("waiting_list", "GET"),
}
WEB_NOT_BOUND = {
    "pathways:hospital_ward_board": "a hospital's board (tests/pathways/test_ward_board.py)",
    "pathways:admit": "a hospital's board (tests/pathways/test_ward_board.py)",
    "coordination:update_coordinator": "the KE's own staff (tests/coordination)",
    "registry:organization_detail": "the public catalogue",
    "registry:notification_read": "one's own notifications (tests/registry)",
    # The KE of the patient's municipality only, others 404 (pathways.views.representatives).
    **{f"pathways:{name}": "tests/pathways/test_representatives_staff.py" for name in (
        "register_representative", "end_representative", "limit_representative")},
    # The PLO message log: an organisation's administrators (and superusers), not bound to
    # a patient the world's members see (plo.access; tests/plo/test_message_log.py).
    **{f"plo:{name}": "tests/plo/test_message_log.py" for name in (
        "message", "reprocess", "answer_again", "resend")},
}
# Steps only some of those who see the patient may take, answered for the others as if the
# object were not there (a 404, which says nothing): the request's KE decides it, the invited
# (the KE, in the world) answer an invitation.
ACTORS = {"coordination:accept_request": {"ke_tromso", "ke_bodo"},
          "coordination:decline_request": {"ke_tromso", "ke_bodo"},
          "pathways:meeting_respond": {"ke_tromso", "ke_bodo"},
          "pathways:respond_to_meeting": {"ke_tromso", "ke_bodo"}}
# The access log is for the KE of the patient's municipality only (pathways.access).
READS_ACCESS_LOG = {"ke_tromso": {"shared", "tromso_only"}, "ke_bodo": {"bodo_only"}}


def _uuid_patterns(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = entry.namespace or namespace
            # The citizen's door has its own matrix (tests/test_citizen_access_matrix.py).
            if space in ("admin", "citizen") or str(entry.pattern).startswith(
                    ("api/", "fhir/")):
                continue
            yield from _uuid_patterns(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern) and "uuid" in str(entry.pattern):
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def web_routes() -> dict:
    routes = {}
    for name in _uuid_patterns(get_resolver()):
        if name in WEB_NOT_BOUND:
            found = rule(None, "exempt", why=WEB_NOT_BOUND[name])
        elif name in WEB:
            resource, method = WEB[name]
            found = rule(resource, "web", method=method)
        else:
            found = None
        routes[f"web {name}"] = SimpleNamespace(rule=found, name=name)
    return routes


ROUTES = {**api_routes(), **fhir_routes(), **web_routes()}


def patterns_named(name):
    namespace, _, short = name.rpartition(":")
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == namespace:
            yield from (p for p in entry.url_patterns if p.name == short)
