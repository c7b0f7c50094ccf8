"""Pathway variants (issue 15 § 4): early supported discharge for stroke and the cancer
pathway home, kept as data. The hospital's team and the municipality share one plan; each
side schedules and records its own activities; the team hands the plan over, and from then
on only reads it."""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from common.exceptions import StaleVersion, StateConflict
from pathways import services
from pathways.models import (
    ActivityStatus,
    AdmissionStatus,
    EnrolmentStatus,
    PathwayActivity,
    PathwayEnrolment,
    PathwayVariant,
    ProviderSide,
    VariantActivityKind,
)
from registry.models import AuditAction, AuditEvent, User
from tests import factories
from tests.factories import admit

from .variant_helpers import CANCER_HOME, ESD, activity, enrolment, kind, variant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(client):
    """The refusals and pages are read in English here (bokmål is the default): the pages
    take the language switch's cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def audited(obj) -> list[tuple[str, str]]:
    return list(AuditEvent.objects.filter(object_id=str(obj.uuid)).order_by("id")
                .values_list("action", "detail"))


# --- the variants, as data ----------------------------------------------------------------------

def test_its_migration_seeds_early_supported_discharge_and_the_cancer_pathway_home():
    esd, cancer = variant(ESD), variant(CANCER_HOME)
    assert esd.name == "Tidlig støttet utskriving etter hjerneslag"
    assert esd.name_en == "Early supported discharge after stroke"
    assert "dagavdeling" in esd.description
    for seeded in (esd, cancer):
        sides = set(seeded.activity_kinds.values_list("side", flat=True))
        assert sides == {ProviderSide.HOSPITAL_TEAM, ProviderSide.MUNICIPALITY}, seeded.code
    assert kind("hjemmebesok").side == ProviderSide.HOSPITAL_TEAM
    assert kind("dagavdeling").side == ProviderSide.HOSPITAL_TEAM
    assert kind("hjemmetjeneste").side == ProviderSide.MUNICIPALITY
    assert kind("samtale-kommune", CANCER_HOME).side == ProviderSide.MUNICIPALITY


def test_a_variant_added_as_rows_runs_the_whole_pathway_without_code(cast):
    hip = PathwayVariant.objects.create(code="hofte-hjem", name="Hjem etter hoftebrudd",
                                        name_en="Home after hip fracture")
    visit = VariantActivityKind.objects.create(variant=hip, code="team", name="Teambesøk",
                                               side=ProviderSide.HOSPITAL_TEAM, sort_order=1)
    care = VariantActivityKind.objects.create(variant=hip, code="kommune", name="Hjemmesykepleie",
                                              side=ProviderSide.MUNICIPALITY, sort_order=2)
    stay = services.enrol(admit(cast), by=cast.planner, variant=hip)
    ours = services.schedule_activity(stay, by=cast.planner, kind=visit,
                                      scheduled_at=timezone.now() + datetime.timedelta(days=1))
    theirs = services.schedule_activity(stay, by=cast.ke_tromso, kind=care,
                                        scheduled_at=timezone.now() + datetime.timedelta(days=2))
    assert (ours.provider, theirs.provider) == (cast.unn, cast.tromso)
    services.record_activity(ours, by=cast.planner, expected_version=1, status="done",
                             done_at=timezone.now(), note="Gikk bra")
    stay = services.hand_over(stay, by=cast.planner, expected_version=1, note="Kommunen overtar")
    assert stay.status == EnrolmentStatus.HANDED_OVER
    services.record_activity(theirs, by=cast.ke_tromso, expected_version=1, status="done",
                             done_at=timezone.now())
    assert PathwayActivity.objects.get(pk=theirs.pk).status == ActivityStatus.DONE


def test_an_inactive_variant_or_activity_is_offered_to_nobody(cast):
    esd = variant(ESD)
    PathwayVariant.objects.filter(pk=esd.pk).update(active=False)
    esd.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.enrol(admit(cast), by=cast.planner, variant=esd)
    assert "variant" in refused.value.message_dict
    assert not PathwayEnrolment.objects.exists()
    PathwayVariant.objects.filter(pk=esd.pk).update(active=True)
    stay = enrolment(cast, cast.shared.admissions.get())
    VariantActivityKind.objects.filter(code="dagavdeling").update(active=False)
    with pytest.raises(ValidationError) as refused:
        activity(cast, stay, "dagavdeling")
    assert "kind" in refused.value.message_dict


# --- enrolling ------------------------------------------------------------------------------

def test_the_hospitals_planner_enrols_an_admission_with_its_hospital_and_municipality(cast):
    stay = enrolment(cast)
    assert stay.team_organization == cast.unn
    assert stay.municipality == cast.tromso
    assert stay.status == EnrolmentStatus.ACTIVE and stay.version == 1
    assert audited(stay) == [(AuditAction.CREATE, f"enrolled: {ESD}")]
    event = AuditEvent.objects.get(object_id=str(stay.uuid))
    assert (event.object_type, event.patient_uuid) == ("pathwayenrolment", cast.shared.uuid)


@pytest.mark.parametrize("who", ["ke_tromso", "coordinator", "ke_bodo"])
def test_nobody_but_the_admitting_hospital_enrols(cast, who):
    admission = admit(cast)
    with pytest.raises(PermissionDenied, match="UNN Tromsø"):
        services.enrol(admission, by=getattr(cast, who), variant=variant())
    assert not PathwayEnrolment.objects.exists()


def test_a_patient_follows_one_variant_at_a_time(cast):
    stay = enrolment(cast)
    with pytest.raises(StateConflict, match="already follows") as refused:
        services.enrol(stay.admission, by=cast.planner, variant=variant(CANCER_HOME))
    assert refused.value.code == "already_enrolled"
    assert PathwayEnrolment.objects.count() == 1


def test_a_discharged_patient_may_be_enrolled_but_not_one_who_died(cast):
    admission = admit(cast)
    services.discharge_patient(admission, by=cast.planner, destination="home")
    assert enrolment(cast, admission).status == EnrolmentStatus.ACTIVE
    other = admit(cast, factories.patient(cast.planner, "Dag", "Død", municipality=cast.tromso))
    services.record_death(other, by=cast.planner, died_at=timezone.now())
    assert other.status == AdmissionStatus.DECEASED
    with pytest.raises(StateConflict, match="deceased"):
        enrolment(cast, other)


# --- scheduling and recording: each side its own ------------------------------------------------

def test_each_side_schedules_its_own_activities_and_only_those(cast):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok")
    care = activity(cast, stay, "hjemmetjeneste")
    assert (visit.provider, care.provider) == (cast.unn, cast.tromso)
    assert visit.status == ActivityStatus.PLANNED
    with pytest.raises(PermissionDenied, match="UNN Tromsø"):
        activity(cast, stay, "hjemmebesok", by=cast.ke_tromso)
    with pytest.raises(PermissionDenied, match="Tromsø"):
        activity(cast, stay, "hjemmetjeneste", by=cast.planner)
    with pytest.raises(PermissionDenied):
        activity(cast, stay, "hjemmetjeneste", by=cast.ke_bodo)
    assert stay.activities.count() == 2
    assert audited(care) == [(AuditAction.CREATE, "scheduled: hjemmetjeneste")]


def test_an_activity_of_another_variant_is_refused_by_name(cast):
    stay = enrolment(cast)
    with pytest.raises(ValidationError) as refused:
        services.schedule_activity(stay, by=cast.planner, kind=kind("samtale-1", CANCER_HOME),
                                   scheduled_at=timezone.now())
    assert "kind" in refused.value.message_dict
    assert not stay.activities.exists()


def test_the_team_records_its_visit_done_with_who_when_and_a_note(cast):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok", days_ahead=0)
    at = timezone.now() - datetime.timedelta(minutes=10)
    done = services.record_activity(visit, by=cast.planner, expected_version=1, status="done",
                                    done_at=at, note="Trente trapp, går trygt inne.")
    done.refresh_from_db()
    assert (done.status, done.done_at, done.recorded_by) == ("done", at, cast.planner)
    assert done.note == "Trente trapp, går trygt inne." and done.version == 2
    assert done.recorded_at is not None
    assert audited(done)[-1] == (AuditAction.UPDATE, "recorded: done")


def test_the_municipality_records_its_own_and_not_the_teams(cast):
    stay = enrolment(cast)
    visit, care = activity(cast, stay, "hjemmebesok"), activity(cast, stay, "hjemmetjeneste")
    with pytest.raises(PermissionDenied):
        services.record_activity(visit, by=cast.ke_tromso, expected_version=1,
                                 status="cancelled")
    with pytest.raises(PermissionDenied):
        services.record_activity(care, by=cast.planner, expected_version=1, status="done")
    cancelled = services.record_activity(care, by=cast.ke_tromso, expected_version=1,
                                         status="cancelled", note="Pasienten var ikke hjemme.")
    assert (cancelled.status, cancelled.done_at) == ("cancelled", None)
    assert PathwayActivity.objects.get(pk=visit.pk).status == ActivityStatus.PLANNED


def test_recording_a_version_someone_else_changed_writes_nothing(cast):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok", days_ahead=0)
    services.record_activity(visit, by=cast.planner, expected_version=1, status="done")
    before = AuditEvent.objects.count()
    with pytest.raises(StaleVersion) as refused:
        services.record_activity(visit, by=cast.planner, expected_version=1,
                                 status="cancelled", note="Avlyst")
    assert refused.value.current_version == 2
    visit.refresh_from_db()
    assert (visit.status, visit.note, visit.version) == ("done", "", 2)
    assert AuditEvent.objects.count() == before


def test_an_activity_is_recorded_once(cast):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok", days_ahead=0)
    services.record_activity(visit, by=cast.planner, expected_version=1, status="cancelled")
    with pytest.raises(StateConflict, match="already recorded as cancelled"):
        services.record_activity(visit, by=cast.planner, expected_version=2, status="done")


@pytest.mark.parametrize("status, done_at, field", [
    ("planned", None, "status"),
    ("cancelled", "now", "done_at"),
    ("done", "tomorrow", "done_at"),
])
def test_a_bad_record_names_the_field_and_writes_nothing(cast, status, done_at, field):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok", days_ahead=0)
    moments = {None: None, "now": timezone.now(),
               "tomorrow": timezone.now() + datetime.timedelta(days=1)}
    with pytest.raises(ValidationError) as refused:
        services.record_activity(visit, by=cast.planner, expected_version=1, status=status,
                                 done_at=moments[done_at])
    assert field in refused.value.message_dict
    visit.refresh_from_db()
    assert (visit.status, visit.version) == ("planned", 1)


# --- the handover ---------------------------------------------------------------------------

def test_the_handover_waits_for_the_teams_planned_visits(cast):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok", days_ahead=0)
    activity(cast, stay, "hjemmetjeneste")  # the municipality's go on after the handover
    with pytest.raises(StateConflict, match="1 planned activity") as refused:
        services.hand_over(stay, by=cast.planner, expected_version=1)
    assert refused.value.code == "team_activities_planned"
    services.record_activity(visit, by=cast.planner, expected_version=1, status="done")
    handed = services.hand_over(stay, by=cast.planner, expected_version=1,
                                note="Kommunens hverdagsrehabilitering overtar.")
    assert handed.status == EnrolmentStatus.HANDED_OVER
    assert (handed.handed_over_by, handed.version) == (cast.planner, 2)
    assert handed.handover_note == "Kommunens hverdagsrehabilitering overtar."
    assert audited(handed)[-1] == (AuditAction.UPDATE, "handed over")


def test_only_the_team_hands_over(cast):
    stay = enrolment(cast)
    for who in (cast.ke_tromso, cast.ke_bodo):
        with pytest.raises(PermissionDenied):
            services.hand_over(stay, by=who, expected_version=1)
    assert PathwayEnrolment.objects.get(pk=stay.pk).status == EnrolmentStatus.ACTIVE


def test_a_handover_on_a_stale_version_writes_nothing(cast):
    stay = enrolment(cast)
    PathwayEnrolment.objects.filter(pk=stay.pk).update(version=3)
    with pytest.raises(StaleVersion):
        services.hand_over(stay, by=cast.planner, expected_version=1)
    assert PathwayEnrolment.objects.get(pk=stay.pk).status == EnrolmentStatus.ACTIVE


def test_after_the_handover_the_team_only_reads_and_the_municipality_goes_on(cast):
    stay = enrolment(cast)
    care = activity(cast, stay, "hjemmetjeneste")
    stay = services.hand_over(stay, by=cast.planner, expected_version=1)
    for step in (
        lambda: activity(cast, stay, "hjemmebesok"),
        lambda: services.hand_over(stay, by=cast.planner, expected_version=2),
    ):
        with pytest.raises(StateConflict, match="handed over to Tromsø") as refused:
            step()
        assert "can no longer change it" in refused.value.message
    more = activity(cast, stay, "hverdagsrehabilitering")
    services.record_activity(care, by=cast.ke_tromso, expected_version=1, status="done")
    assert more.provider == cast.tromso


def test_the_municipality_ends_a_handed_over_pathway_and_then_nothing_changes(cast):
    stay = enrolment(cast)
    stay = services.hand_over(stay, by=cast.planner, expected_version=1)
    care = activity(cast, stay, "hjemmetjeneste")
    ended = services.end_enrolment(stay, by=cast.ke_tromso, expected_version=2,
                                   note="Målene er nådd.")
    assert (ended.status, ended.ended_by, ended.end_note) == ("ended", cast.ke_tromso,
                                                              "Målene er nådd.")
    care.refresh_from_db()
    assert (care.status, care.version) == ("cancelled", 2)  # what was planned goes with it
    with pytest.raises(StateConflict, match="ended"):
        activity(cast, stay, "hjemmetjeneste")
    with pytest.raises(StateConflict, match="ended"):
        services.end_enrolment(stay, by=cast.ke_tromso, expected_version=3)


# --- scope ------------------------------------------------------------------------------------

def test_both_sides_see_the_plan_and_an_outsider_nothing(cast):
    stay = enrolment(cast)
    visit = activity(cast, stay)
    for who in (cast.planner, cast.ke_tromso):
        assert list(PathwayEnrolment.objects.visible_to(who)) == [stay]
        assert list(PathwayActivity.objects.visible_to(who)) == [visit]
    assert not PathwayEnrolment.objects.visible_to(cast.ke_bodo).exists()
    assert not PathwayActivity.objects.visible_to(cast.ke_bodo).exists()


# --- the pathway page: the shared plan and its steps ---------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def pathway_page(client, patient):
    return client.get(reverse("pathways:patient_pathway", args=[patient.uuid]))


def test_the_planner_enrols_from_the_pathway_page_and_both_sides_see_the_plan(client, cast):
    admission = admit(cast)
    client.force_login(cast.planner)
    page = pathway_page(client, cast.shared).content.decode()
    enrol_url = reverse("pathways:enrol_in_variant", args=[admission.uuid])
    assert enrol_url in page
    form = client.get(enrol_url, **HTMX).content.decode()
    assert "Early supported discharge after stroke" in form
    done = client.post(enrol_url, {"variant": variant().pk}, **HTMX)
    assert done.status_code == 200
    body = done.content.decode()
    assert "Astrid Aune follows Early supported discharge after stroke; Tromsø sees the plan." \
        in body
    assert 'id="home-rehabilitation"' in body and 'hx-swap-oob="true"' in body
    stay = PathwayEnrolment.objects.get()
    activity(cast, stay, "hjemmebesok")
    activity(cast, stay, "hjemmetjeneste")

    client.force_login(cast.ke_tromso)
    page = pathway_page(client, cast.shared).content.decode()
    assert "Early supported discharge after stroke" in page
    assert "Home visit by the ambulatory team" in page and "Visit by the home care services" \
        in page
    assert enrol_url not in page  # the hospital enrols
    team_visit, home_care = stay.activities.order_by("kind__sort_order")
    assert f'id="record-{home_care.uuid}"' in page  # the KE records the municipality's
    assert f'id="record-{team_visit.uuid}"' not in page  # and not the team's
    assert 'id="variant-hand-over"' not in page


def test_a_refused_step_comes_back_on_the_form_with_its_reason_and_writes_nothing(client, cast):
    stay = enrolment(cast)
    visit = activity(cast, stay, "hjemmebesok", days_ahead=0)
    services.record_activity(visit, by=cast.planner, expected_version=1, status="cancelled")
    client.force_login(cast.planner)
    url = reverse("pathways:record_variant_activity", args=[visit.uuid])
    stale = client.post(url, {"status": "done", "version": 1, "note": "x"}, **HTMX)
    assert stale.status_code == 409
    assert "Someone recorded or changed this activity" in stale.content.decode()
    missing = client.post(url, {"version": 2}, **HTMX)
    assert missing.status_code == 422
    assert "Outcome: This field is required." in missing.content.decode()
    visit.refresh_from_db()
    assert (visit.status, visit.note) == ("cancelled", "")


def test_the_ke_may_not_plan_the_teams_visit_through_a_tampered_form(client, cast):
    stay = enrolment(cast)
    client.force_login(cast.ke_tromso)
    url = reverse("pathways:schedule_variant_activity", args=[stay.uuid])
    response = client.post(url, {"kind": kind("hjemmebesok").pk,
                                 "scheduled_at": "2030-01-01T10:00"}, **HTMX)
    assert response.status_code == 422  # not among the KE's choices
    assert not stay.activities.exists()


def test_steps_work_without_javascript_and_end_on_the_pathway_page(client, cast):
    stay = enrolment(cast)
    client.force_login(cast.planner)
    url = reverse("pathways:hand_over_variant", args=[stay.uuid])
    assert "Hand over to the municipality" in client.get(url).content.decode()
    response = client.post(url, {"version": 1, "note": "Kommunen overtar"})
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:patient_pathway", args=[cast.shared.uuid])
    page = client.get(response["Location"]).content.decode()
    assert "The plan is handed over to Tromsø." in page
    assert "Kommunen overtar" in page
    assert 'id="variant-schedule"' not in page  # the team only reads it now


def test_an_outsider_finds_no_step(client, cast):
    stay = enrolment(cast)
    visit = activity(cast, stay)
    client.force_login(cast.ke_bodo)
    for url in (reverse("pathways:enrol_in_variant", args=[stay.admission.uuid]),
                reverse("pathways:schedule_variant_activity", args=[stay.uuid]),
                reverse("pathways:hand_over_variant", args=[stay.uuid]),
                reverse("pathways:end_variant", args=[stay.uuid]),
                reverse("pathways:record_variant_activity", args=[visit.uuid])):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"version": 1}, **HTMX).status_code == 404, url


@pytest.mark.parametrize("visits", [2, 20])
def test_the_plan_costs_the_pathway_page_the_same_queries_for_2_visits_as_for_20(
        client, cast, django_assert_max_num_queries, visits):
    stay = enrolment(cast)
    for n in range(visits):
        activity(cast, stay, "hjemmebesok" if n % 2 else "hjemmetjeneste", days_ahead=n + 1)
    client.force_login(cast.ke_tromso)
    pathway_page(client, cast.shared)  # a running server has read the reference data already
    # The pathway page's budget (tests/pathways/test_pathway_page.py): the plan is the 11th
    # (enrolments with variant and organisations) and the 12th (activities with kind).
    from tests.pathways.test_pathway_page import PATHWAY_BUDGET

    with django_assert_max_num_queries(PATHWAY_BUDGET):
        response = pathway_page(client, cast.shared)
    assert response.content.decode().count('class="home-rehab__activity"') == visits


# --- the demo ---------------------------------------------------------------------------------

def test_the_demo_has_a_stroke_patient_in_early_supported_discharge_once(client):
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    stay = PathwayEnrolment.objects.select_related("admission__patient", "variant").get()
    assert stay.admission.patient.given_name == "Astrid"
    assert stay.variant.code == ESD and stay.status == EnrolmentStatus.ACTIVE
    activities = list(stay.activities.select_related("kind"))
    assert {a.kind.side for a in activities} == {"hospital_team", "municipality"}
    assert [a.kind.code for a in activities if a.status == ActivityStatus.DONE] == [
        "kartlegging"]
    client.force_login(User.objects.get(username="ke.tromso"))  # the KE sees the shared plan
    page = client.get(reverse("pathways:patient_pathway", args=[stay.admission.patient.uuid]))
    assert "Assessment before discharge" in page.content.decode()
    written = AuditEvent.objects.count()
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert PathwayActivity.objects.count() == len(activities)
    assert AuditEvent.objects.count() == written


def test_the_access_log_names_the_plan_in_words(client, cast):
    stay = enrolment(cast)
    activity(cast, stay)
    client.force_login(cast.ke_tromso)
    page = client.get(reverse("pathways:access_log", args=[cast.shared.uuid])).content.decode()
    assert "Pathway enrolment" in page and "Planned activity" in page
