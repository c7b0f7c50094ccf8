"""If-Match on every write that changes a versioned document, generated from the router.

The rule (docs/api.md, "ETag and If-Match"): a write needs the ETag of the document it
changes when it raises that document's version, i.e. the ETag a read gives. Every write
route of the API router is either exercised below (no If-Match: 428; a stale one: 412 with
the current ETag; neither writes anything; the current one: done, and the ETag moves) or
named with the reason it changes no versioned document. A new write route that is in neither
table fails the suite; so does a FHIR view that starts to accept updates."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from coordination import services as coordination
from coordination.models import ConsentMethod, ConsentScope
from fhir_api import urls as fhir_urls
from pathways import services as pathways
from referrals import services as referrals
from registry.models import AuditAction, AuditEvent, Role
from rehab_portal.api import router
from tests import factories
from tests.coordination.conftest import activate, kora, make_plan, second_coordinator
from tests.factories import admit
from tests.pathways import variant_helpers
from tests.referrals.conftest import referral_world
from tests.webhooks.conftest import subscriber

from .test_admissions import other_hospital
from .test_meetings import schedule

__all__ = ["kora", "second_coordinator"]  # fixtures shared with tests/coordination

WRITES = {"post", "put", "patch", "delete"}

# Writes that change no document carrying an ETag, and why.
NO_VERSIONED_DOCUMENT = {
    **{(name, "post"): "creates a new resource" for name in (
        "service-list", "patient-list", "admission-list", "early-notification-list",
        "discharge-meeting-list", "plan-request-list", "coordinator-list",
        "webhook-subscription-list", "pathway-enrolment-list", "pathway-activity-list")},
    ("patient-search", "post"): "a search, a read",
    **{(name, "post"): "creates a new resource" for name in (
        "referral-list", "needs-assessment-list")},
    ("admission-municipal-answer", "post"): "records the municipality's answer; the "
                                             "admission's version stays",
    ("early-notification-acknowledge", "post"): "a notice carries no ETag; a second "
                                                "acknowledgement is a 409",
    **{(name, "post"): "the meeting's ETag is its iCalendar SEQUENCE, which only "
                       "rescheduling and cancelling raise" for name in (
        "discharge-meeting-add-participants", "discharge-meeting-respond",
        "discharge-meeting-tasks", "discharge-meeting-complete-task",
        "discharge-meeting-minutes")},
    ("notification-read", "post"): "a notification has no version",
    ("notification-read-all", "post"): "a notification has no version",
    **{(name, "post"): "a request carries no ETag; its decisions are state steps (409)"
       for name in ("plan-request-accept", "plan-request-appeal", "plan-request-decline",
                    "plan-request-start-assessment")},
    ("webhook-subscription-ping", "post"): "changes nothing on the subscription",
    ("webhook-delivery-replay", "post"): "a delivery has no version",
}


def _iso(**delta) -> str:
    return (timezone.now() - datetime.timedelta(**delta)).isoformat()


def _plan(world, *, active=False):
    plan = make_plan(world.cast, world.kora)
    if active:
        activate(world.cast, plan)
    return plan


def _plan_case(step="", method="post", body=None, *, item=None, active=False, actor=None):
    """A write on an individual plan (or one of its parts) by Tromsø's KE."""

    def build(world):
        plan = _plan(world, active=active)
        path = f"/api/v1/individual-plans/{plan.uuid}/"
        url = path + (f"{step}/" if step else "")
        if item is not None:
            url = f"{path}{item(world, plan)}/"
        body_ = body(world, plan) if callable(body) else body
        return (actor or world.ke_tromso)(), method, url, body_, path
    return build


def _goal(world, plan):
    return f"goals/{coordination.add_goal(plan, by=world.cast.ke_tromso, text='Mål').uuid}"


def _measure(world, plan):
    measure = coordination.add_measure(plan, by=world.cast.ke_tromso, description="Fysio")
    return f"measures/{measure.uuid}"


def _participant(world, plan):
    participant = coordination.add_participant(plan, by=world.cast.ke_tromso, kind="provider",
                                               name="Fysio", organization=world.cast.tromso)
    return f"participants/{participant.uuid}"


def _revocation(world, plan):
    consent = coordination.record_consent(plan, world.cast.bodo, ConsentScope.INFORMATION_SHARING,
                                          ConsentMethod.WRITTEN, by=world.cast.ke_tromso)
    return f"consents/{consent.uuid}/revoke"


def _admission_case(step="", method="post", body=None, *, ready=False):
    def build(world):
        admission = admit(world.cast)
        if ready:
            pathways.declare_ready_for_discharge(admission, by=world.cast.planner,
                                                 physician="Dr. Lege")
        path = f"/api/v1/admissions/{admission.uuid}/"
        body_ = body(world) if callable(body) else body
        return world.planner(), method, path + (f"{step}/" if step else ""), body_, path
    return build


def _meeting_case(step="", method="post", body=None):
    def build(world):
        meeting = schedule(world.cast)
        path = f"/api/v1/discharge-meetings/{meeting.uuid}/"
        return world.planner(), method, path + (f"{step}/" if step else ""), body, path
    return build


def _subscription_case(step="", method="post", body=None):
    def build(world):
        epj = subscriber(world.cast.tromso, "https://epj.example/hooks")
        path = f"/api/v1/webhook-subscriptions/{epj.subscription.uuid}/"
        return epj.http, method, path + (f"{step}/" if step else ""), body, path
    return build


def _enrolment_case(step, body=None):
    """A step on an enrolment in early supported discharge, by UNN's planner."""
    def build(world):
        enrolment = variant_helpers.enrolment(world.cast)
        path = f"/api/v1/pathway-enrolments/{enrolment.uuid}/"
        return world.planner(), "post", f"{path}{step}/", body, path
    return build


def _activity_case(body=None):
    """Recording the team's visit, by UNN's planner."""
    def build(world):
        visit = variant_helpers.activity(world.cast, variant_helpers.enrolment(world.cast),
                                         days_ahead=0)
        path = f"/api/v1/pathway-activities/{visit.uuid}/"
        return world.planner(), "post", f"{path}record/", body, path
    return build


def _referral_case(step, body=None, *, actor="rve_assessor", asked=False, accepted=False):
    """A step on a GP's referral to Valnesfjord through the RVE (tests/referrals/conftest.py),
    by the RVE's assessor unless another actor is named."""
    def build(world):
        rw = referral_world(world.cast)
        referral = referrals.refer(by=rw.gp, patient=rw.patient, service=rw.valnesfjord_rehab,
                                   reason="Rehabilitering etter hjerneslag")
        if asked:
            referral = referrals.request_information(referral, by=rw.rve_assessor,
                                                     question="Epikrise?")
        if accepted:
            referral = referrals.accept(
                referral, by=rw.rve_assessor, has_right=True,
                care_start_deadline=timezone.localdate() + datetime.timedelta(days=60),
                allocated_service=rw.valnesfjord_rehab)
        path = f"/api/v1/referrals/{referral.uuid}/"
        body_ = body(rw) if callable(body) else body
        return world.login(getattr(rw, actor)), "post", f"{path}{step}/", body_, path
    return build


def _day(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _assessment_case(step="", method="post", body=None):
    """A change to a GP's draft needs assessment, by the GP."""
    def build(world):
        rw = referral_world(world.cast)
        draft = referrals.start_assessment(by=rw.gp, patient=rw.patient)
        draft = referrals.save_assessment(draft, by=rw.gp, changes={
            "patient_goals": "Gå til butikken", "barthel_index": 70, "modified_rankin": 3})
        path = f"/api/v1/needs-assessments/{draft.uuid}/"
        return world.login(rw.gp), method, path + (f"{step}/" if step else ""), body, path
    return build


def _service(world):
    admin = factories.user("admin_tromso", world.cast.tromso, Role.ORG_ADMIN)
    offering = factories.service(world.cast.tromso)
    path = f"/api/v1/services/{offering.uuid}/"
    return world.login(admin), "patch", path, {"capacity": 30}, path


def _patient(world):
    path = f"/api/v1/patients/{world.cast.shared.uuid}/"
    return world.ke_tromso(), "patch", path, {"phone": "12345678"}, path


def _coordinator(world):
    path = f"/api/v1/coordinators/{world.kora.uuid}/"
    return world.ke_tromso(), "patch", path, {"capacity": 5}, path


NEEDS_IF_MATCH = {
    ("service-detail", "patch"): _service,
    ("patient-detail", "patch"): _patient,
    ("admission-detail", "patch"): _admission_case(method="patch", body={"ward": "SLAG"}),
    ("admission-ready-for-discharge", "post"): _admission_case(
        "ready-for-discharge", body={"physician": "Dr. Lege"}),
    ("admission-withdraw-ready", "post"): _admission_case("withdraw-ready", body={},
                                                           ready=True),
    ("admission-discharge", "post"): _admission_case("discharge", body={"destination": "home"}),
    ("admission-transfer", "post"): _admission_case("transfer", body=lambda world: {
        "to_hospital": str(other_hospital(world.cast)[0].uuid), "ward": "Medisin",
        "at": _iso(minutes=30)}),
    ("admission-death", "post"): _admission_case("death", body=lambda world: {
        "died_at": _iso(minutes=30)}),
    ("discharge-meeting-detail", "patch"): _meeting_case(method="patch",
                                                         body={"location": "Rom 4"}),
    ("discharge-meeting-cancel", "post"): _meeting_case("cancel", body={}),
    ("coordinator-detail", "patch"): _coordinator,
    ("individual-plan-detail", "patch"): _plan_case(method="patch", body={"resources": "x"}),
    ("individual-plan-change-status", "post"): _plan_case("status", body={"status": "closed"}),
    ("individual-plan-coordinator", "post"): _plan_case(
        "coordinator", body=lambda world, plan: {"coordinator": str(world.second.uuid)}),
    ("individual-plan-goals", "post"): _plan_case("goals", body={"text": "Gå tur"}),
    ("individual-plan-goal", "patch"): _plan_case(method="patch", body={"text": "Nytt"},
                                                  item=_goal),
    ("individual-plan-measures", "post"): _plan_case("measures", body={"description": "Fysio"}),
    ("individual-plan-measure", "patch"): _plan_case(method="patch", body={"extent": "2 t"},
                                                     item=_measure),
    ("individual-plan-participants", "post"): _plan_case(
        "participants", body=lambda world, plan: {
            "kind": "provider", "name": "Fysio", "organization": str(world.cast.tromso.uuid)}),
    ("individual-plan-participant", "delete"): _plan_case(method="delete", item=_participant),
    ("individual-plan-consents", "post"): _plan_case("consents", body=lambda world, plan: {
        "organization": str(world.cast.bodo.uuid), "scope": "information_sharing",
        "method": "written"}),
    ("individual-plan-revoke-consent", "post"): _plan_case(item=_revocation),
    ("individual-plan-evaluations", "post"): _plan_case("evaluations", active=True, body={
        "evaluated_on": timezone.localdate().isoformat(), "summary": "Bra"}),
    ("webhook-subscription-detail", "patch"): _subscription_case(method="patch",
                                                                 body={"active": False}),
    ("webhook-subscription-detail", "delete"): _subscription_case(method="delete"),
    ("webhook-subscription-rotate-secret", "post"): _subscription_case("rotate-secret"),
    ("needs-assessment-detail", "patch"): _assessment_case(method="patch",
                                                           body={"cognition": "Redusert"}),
    ("needs-assessment-complete", "post"): _assessment_case("complete", body={"level": "3"}),
    ("referral-request-information", "post"): _referral_case(
        "request-information", {"question": "Epikrise?"}),
    ("referral-give-information", "post"): _referral_case(
        "give-information", {"reply": "Vedlagt"}, actor="gp", asked=True),
    ("referral-accept", "post"): _referral_case(
        "accept", lambda rw: {"has_right": True, "care_start_deadline": _day(60)}),
    ("referral-decline", "post"): _referral_case("decline", {"reason": "Ikke behov"}),
    ("referral-forward", "post"): _referral_case("forward", lambda rw: {
        "to_service": str(rw.skibotn_rehab.uuid), "reason": "Passer bedre"}),
    ("referral-choice", "post"): _referral_case(
        "choice", lambda rw: {"service": str(rw.skibotn_rehab.uuid)}, accepted=True),
    ("referral-expected-start", "post"): _referral_case(
        "expected-start", lambda rw: {"expected_start": _day(10)}, accepted=True),
    ("referral-start", "post"): _referral_case("start", {}, accepted=True),
    ("referral-withdraw", "post"): _referral_case(
        "withdraw", {"reason": "referrer_withdrew"}, actor="gp"),
    ("pathway-enrolment-handover", "post"): _enrolment_case("handover", body={"note": "x"}),
    ("pathway-enrolment-end", "post"): _enrolment_case("end", body={"note": "x"}),
    ("pathway-activity-record", "post"): _activity_case(body={"status": "done"}),
}


def router_writes() -> set[tuple[str, str]]:
    """(route name, method) of every write the /api/v1/ router serves."""
    found = set()
    for pattern in router.urls:
        actions = getattr(pattern.callback, "actions", None) or {}
        found |= {(pattern.name, method) for method in actions if method in WRITES}
    return found


def test_every_write_route_of_the_router_is_classified():
    writes = router_writes()
    assert not set(NEEDS_IF_MATCH) & set(NO_VERSIONED_DOCUMENT)
    assert writes - set(NEEDS_IF_MATCH) - set(NO_VERSIONED_DOCUMENT) == set(), (
        "a write route that is neither tested for If-Match nor named as changing no "
        "versioned document")
    assert set(NEEDS_IF_MATCH) | set(NO_VERSIONED_DOCUMENT) <= writes  # nothing stale here


def _fhir_views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _fhir_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield getattr(pattern.callback, "view_class", None) or pattern.callback


def test_fhir_updates_nothing_in_place():
    """FHIR creates (Encounter, Communication) but has no update or delete: if one comes, it
    must join the If-Match rule above."""
    for view in _fhir_views(fhir_urls.urlpatterns):
        assert not any(hasattr(view, method) for method in ("put", "patch", "delete")), view


@pytest.fixture
def world(cast, kora, second_coordinator, api):
    def login(user):
        return lambda: api(user)
    return SimpleNamespace(
        cast=cast, kora=kora, second=second_coordinator, login=api,
        ke_tromso=login(cast.ke_tromso), planner=login(cast.planner))


def _state(client, path) -> tuple:
    """What a reader sees of the document, and every write the audit log recorded."""
    response = client.get(path)
    writes = AuditEvent.objects.exclude(action=AuditAction.VIEW).count()
    if response.status_code == 404:
        return (404, None, writes)
    return (response.status_code, response.get("ETag"), response.json(), writes)


def _send(client, method, url, body, **headers):
    return getattr(client, method)(url, body, format="json", **headers)


@pytest.mark.parametrize("route", sorted(NEEDS_IF_MATCH), ids="-".join)
def test_it_needs_the_current_if_match_for_every_versioned_write(world, route):
    client, method, url, body, document = NEEDS_IF_MATCH[route](world)
    before = _state(client, document)
    etag = before[1]
    assert etag, f"{document} gives no ETag to send back"
    version = int(etag.removeprefix('W/"').removesuffix('"'))

    missing = _send(client, method, url, body)
    assert missing.status_code == 428, missing.content
    assert _state(client, document)[1:] == before[1:]

    stale = _send(client, method, url, body, HTTP_IF_MATCH=f'W/"{version + 1}"')
    assert stale.status_code == 412, stale.content
    assert stale["ETag"] == etag
    assert _state(client, document)[1:] == before[1:]

    done = _send(client, method, url, body, HTTP_IF_MATCH=etag)
    assert done.status_code < 300, done.content
    assert _state(client, document)[1] != etag  # the write did change the document


def test_it_takes_if_match_star_as_the_current_version_of_a_plan(world):
    """RFC 9110 13.1.1: `If-Match: *` is true whenever the resource exists."""
    client, method, url, body, document = _plan_case("goals", body={"text": "Gå tur"})(world)
    response = _send(client, method, url, body, HTTP_IF_MATCH="*")
    assert response.status_code == 201, response.content
    assert response["ETag"] == client.get(document)["ETag"]
