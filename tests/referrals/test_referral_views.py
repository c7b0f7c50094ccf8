"""The referral pages (issue 15) step by step: the needs assessment from the patient's page,
the referral form, the receiving unit's inbox, the referral page and its steps, the waiting
list and the catalogue's waiting time; who sees what (an institution only the referrals sent
or allocated to it, an assessment unit only its own region's); bad input is a form error
that writes nothing; a stale version shows the conflict; the lists keep their query budget."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import (
    AssessmentStatus,
    FunctionDomain,
    NeedsAssessment,
    Referral,
    ReferralStatus,
    WithdrawalReason,
)
from registry.models import AuditEvent, OrganizationKind, Region, Role
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate


def days(n) -> str:
    return (TODAY() + datetime.timedelta(days=n)).isoformat()


def refer(world, service=None, by=None, **fields):
    return services.refer(by=by or world.gp, patient=world.patient,
                          service=service or world.valnesfjord_rehab,
                          reason="Trenger intensiv rehabilitering etter hjerneslag", **fields)


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response, response.content.decode()


def accept_data(referral, **fields):
    return {"version": referral.version, "decision": "accept", "has_right": "yes",
            "care_start_deadline": days(60), "expected_start": days(21),
            "allocated_service": "", "severity": "Moderat", "expected_benefit": "God",
            "resource_use": "Rimelig", "reason": "", **fields}


def errors(html) -> str:
    """The error summary's text: each error names its field."""
    return html.split('class="error-summary"')[1].split("</div>")[0]


def referral_url(referral, step=None):
    return reverse(f"referrals:{step or 'referral'}", args=[referral.uuid])


# -- The needs assessment -------------------------------------------------------------------


def assessment_data(assessment, **fields):
    data = {"version": assessment.version, "patient_goals": "", "barthel_index": "",
            "modified_rankin": "", "cognition": "", "communication": "", "vision_hearing": "",
            "swallowing": "", "social_situation": "", "next_of_kin": "",
            "rehabilitation_potential": "", "potential_note": "", "level": "",
            "override_reason": "", "action": "save"}
    for domain in FunctionDomain.objects.filter(active=True):
        data[f"domain_{domain.pk}"] = ""
        data[f"domain_{domain.pk}_note"] = ""
    data.update(fields)
    return data


def test_a_needs_assessment_starts_from_the_patient_page_goals_first(client, world):
    response, html = page(client, world.gp, reverse("pathways:patient_detail",
                                                     args=[world.patient.uuid]))
    assert "Kartlegging og henvisninger" in html and 'id="start-assessment"' in html
    response = client.post(reverse("referrals:start_assessment", args=[world.patient.uuid]))
    draft = NeedsAssessment.objects.get(patient=world.patient)
    assert response["Location"] == reverse("referrals:assessment", args=[draft.uuid])
    html = client.get(response["Location"]).content.decode()
    # The patient's own goals come before every score.
    assert html.index('name="patient_goals"') < html.index('name="barthel_index"')
    assert "Ingen forslag" in html
    # Starting again opens the draft instead of a second one.
    again = client.post(reverse("referrals:start_assessment", args=[world.patient.uuid]))
    assert again["Location"] == reverse("referrals:assessment", args=[draft.uuid])
    assert NeedsAssessment.objects.filter(patient=world.patient).count() == 1


def test_the_suggestion_is_shown_and_the_professional_overrides_it_with_a_reason(client, world):
    draft = services.start_assessment(by=world.gp, patient=world.patient)
    client.force_login(world.gp)
    mobility = FunctionDomain.objects.get(code="mobility")
    url = reverse("referrals:save_assessment", args=[draft.uuid])
    response = client.post(url, assessment_data(
        draft, patient_goals="Gå til butikken selv", barthel_index="50", modified_rankin="4",
        **{f"domain_{mobility.pk}": "3", f"domain_{mobility.pk}_note": "Rullator"}), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Utkastet er lagret." in html
    assert "Forslag" in html and "Nivå 4: Institusjonsrehabilitering i kommunen" in html
    assert "Moderat funksjonsnedsettelse med behov for døgnopphold" in html  # the reason
    draft.refresh_from_db()
    assert draft.domain_scores.get(domain=mobility).difficulty == 3
    # Another level without a reason: a form error, and nothing is written (not even the
    # fields saved with it).
    before = draft.version
    refused = client.post(url, assessment_data(
        draft, patient_goals="Gå til butikken selv og hjem", barthel_index="50",
        modified_rankin="4", level="5.1", action="complete"), **HTMX)
    assert refused.status_code == 422
    assert "Begrunnelse for å velge et annet nivå" in refused.content.decode()
    draft.refresh_from_db()
    assert (draft.version, draft.status, draft.patient_goals) == (
        before, AssessmentStatus.DRAFT, "Gå til butikken selv")
    done = client.post(url, assessment_data(
        draft, patient_goals="Gå til butikken selv", barthel_index="50", modified_rankin="4",
        level="5.1", override_reason="Trenger tett medisinsk oppfølging", action="complete"),
        **HTMX)
    assert done.status_code == 200
    draft.refresh_from_db()
    assert (draft.status, draft.suggested_level.code, draft.level.code) == (
        AssessmentStatus.COMPLETED, "4", "5.1")
    # Both are shown afterwards, read-only.
    html = client.get(reverse("referrals:assessment", args=[draft.uuid])).content.decode()
    assert "Nivå 4: Institusjonsrehabilitering i kommunen" in html
    assert "Nivå 5.1" in html and "Trenger tett medisinsk oppfølging" in html
    assert "annet nivå enn foreslått" in html and 'name="patient_goals"' not in html
    # A completed assessment is not changed: saving again is a conflict.
    stale = client.post(url, assessment_data(draft, patient_goals="Nytt"), **HTMX)
    assert stale.status_code == 409
    draft.refresh_from_db()
    assert draft.patient_goals == "Gå til butikken selv"


def test_the_live_suggestion_follows_the_scores_typed(client, world):
    draft = services.start_assessment(by=world.gp, patient=world.patient)
    _response, html = page(client, world.gp, reverse(
        "referrals:assessment_suggestion", args=[draft.uuid]) + "?barthel_index=25&"
        "modified_rankin=4")
    assert "Nivå 5.1" in html
    _response, html = page(client, world.gp, reverse(
        "referrals:assessment_suggestion", args=[draft.uuid]) + "?barthel_index=abc")
    assert "Ingen forslag" in html


def test_a_bad_score_names_its_field_and_writes_nothing(client, world):
    draft = services.start_assessment(by=world.gp, patient=world.patient)
    client.force_login(world.gp)
    response = client.post(reverse("referrals:save_assessment", args=[draft.uuid]),
                           assessment_data(draft, barthel_index="150", patient_goals="Mål"),
                           **HTMX)
    assert response.status_code == 422
    assert "Barthel-indeks (0–100)" in errors(response.content.decode())
    draft.refresh_from_db()
    assert (draft.version, draft.patient_goals, draft.barthel_index) == (1, "", None)


def test_a_stale_draft_shows_the_conflict_and_keeps_the_input(client, world):
    draft = services.start_assessment(by=world.gp, patient=world.patient)
    services.save_assessment(draft, by=world.gp, version=draft.version,
                             changes={"patient_goals": "Først"})
    client.force_login(world.gp)
    response = client.post(reverse("referrals:save_assessment", args=[draft.uuid]),
                           assessment_data(draft, patient_goals="Mitt forslag"), **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "endret" in html and "Mitt forslag" in html
    assert 'name="version" value="2"' in html
    draft.refresh_from_db()
    assert draft.patient_goals == "Først"


def test_revising_starts_a_new_version_and_the_history_lists_both(client, world):
    first = services.start_assessment(by=world.gp, patient=world.patient)
    first = services.save_assessment(first, by=world.gp, version=first.version,
                                     changes={"patient_goals": "Gå", "barthel_index": 90,
                                              "modified_rankin": 1})
    first = services.complete_assessment(first, by=world.gp, version=first.version,
                                         level=first.suggested_level)
    client.force_login(world.gp)
    response = client.post(reverse("referrals:revise_assessment", args=[first.uuid]))
    second = NeedsAssessment.objects.get(previous=first)
    assert response["Location"] == reverse("referrals:assessment", args=[second.uuid])
    assert (second.number, second.status, second.patient_goals) == (
        2, AssessmentStatus.DRAFT, "Gå")
    html = client.get(response["Location"]).content.decode()
    history = html.split('id="assessment-history"')[1]
    assert reverse("referrals:assessment", args=[first.uuid]) in history
    assert "forslaget bekreftet" in client.get(reverse(
        "referrals:assessment", args=[first.uuid])).content.decode()


def test_another_unit_reads_a_draft_but_cannot_change_it(client, cast, world):
    draft = services.start_assessment(by=world.gp, patient=world.patient)
    factories.relate(world.patient, cast.tromso, world.gp)
    response, html = page(client, cast.ke_tromso, reverse("referrals:assessment",
                                                           args=[draft.uuid]))
    assert response.status_code == 200 and 'name="patient_goals"' not in html
    refused = client.post(reverse("referrals:save_assessment", args=[draft.uuid]),
                          assessment_data(draft, patient_goals="Ikke mitt"), **HTMX)
    assert refused.status_code == 403
    draft.refresh_from_db()
    assert draft.patient_goals == ""
    # Someone who does not see the patient does not find it.
    response, _html = page(client, cast.ke_bodo, reverse("referrals:assessment",
                                                         args=[draft.uuid]))
    assert response.status_code == 404


# -- The referral form ------------------------------------------------------------------------


def test_a_gp_refers_from_the_assessment_and_the_rve_will_assess_it(client, world):
    assessment = services.start_assessment(by=world.gp, patient=world.patient)
    url = reverse("referrals:new_referral", args=[world.patient.uuid])
    response, html = page(client, world.gp, f"{url}?assessment={assessment.uuid}")
    assert response.status_code == 200
    # Each service with its level, waiting time and who assesses it.
    option = next(line for line in html.splitlines() if "Valnesfjord: rehabilitering" in line)
    assert "nivå 5.1" in option and "ventetid ikke kjent" in option
    assert "vurderes av Regional vurderingsenhet, UNN" in option
    assert "Fra kartleggingen, versjon 1" in html
    response = client.post(f"{url}?assessment={assessment.uuid}", {
        "service": str(world.valnesfjord_rehab.uuid), "reason": "Trenger intensiv trening",
        "needs_assessment": str(assessment.uuid), "referrer": ""})
    referral = Referral.objects.get(patient=world.patient)
    assert response["Location"] == referral_url(referral)
    assert (referral.receiver, referral.needs_assessment) == (world.rve, assessment)
    html = client.get(response["Location"]).content.decode()
    assert "Regional vurderingsenhet, UNN" in html and "10 arbeidsdager igjen" in html


def test_the_referral_form_refuses_bad_input_and_writes_nothing(client, cast, world):
    url = reverse("referrals:new_referral", args=[world.patient.uuid])
    client.force_login(world.gp)
    bodo_team = factories.service(cast.bodo, "3", "Bodø: tverrfaglig team")
    for data, field in (
            ({"service": str(world.valnesfjord_rehab.uuid), "reason": ""},
             "Hva henvisningen gjelder, og hvorfor"),
            ({"service": str(bodo_team.uuid), "reason": "Team"},  # not for Tromsø's residents
             "Velg et av tilbudene som kan gis til innbyggere i pasientens kommune")):
        response = client.post(url, data)
        assert response.status_code == 422
        assert field in errors(response.content.decode())
    assert not Referral.objects.exists()
    refer(world)
    twice = client.post(url, {"service": str(world.valnesfjord_rehab.uuid), "reason": "Igjen"})
    assert twice.status_code == 409
    assert "allerede en åpen henvisning" in twice.content.decode()
    assert Referral.objects.count() == 1


def test_a_referral_from_the_pathway_or_the_plan_names_it(client, cast, world):
    admission = factories.admit(cast, cast.shared)
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    url = reverse("referrals:new_referral", args=[cast.shared.uuid])
    for user, param, record, service in (
            (cast.planner, "admission", admission, world.valnesfjord_rehab),
            (cast.ke_tromso, "plan", plan, world.skibotn_rehab)):
        response, html = page(client, user, f"{url}?{param}={record.uuid}")
        assert 'id="refer-linked"' in html
        field = {"admission": "admission", "plan": "individual_plan"}[param]
        response = client.post(f"{url}?{param}={record.uuid}", {
            "service": str(service.uuid), "reason": "Fra forløpet", field: str(record.uuid)})
        assert response.status_code == 302, errors(response.content.decode())
        referral = Referral.objects.get(patient=cast.shared, service=service)
        assert getattr(referral, field) == record
    # The hospital refers directly to the institution; Tromsø's KE through the RVE.
    assert Referral.objects.get(admission=admission).receiver == world.valnesfjord
    assert Referral.objects.get(individual_plan=plan).receiver == world.rve
    # Another patient's admission is no link: a form error, nothing written.
    other = factories.admit(cast, cast.tromso_only, by=cast.planner)
    client.force_login(cast.planner)
    refused = client.post(url, {"service": str(world.skibotn_rehab.uuid), "reason": "x",
                                "admission": str(other.uuid)})
    assert refused.status_code == 422
    assert Referral.objects.filter(patient=cast.shared).count() == 2


def test_the_pathway_and_the_plan_pages_offer_the_referral_tied_to_them(client, cast, world):
    admission = factories.admit(cast, cast.shared)
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    form = reverse("referrals:new_referral", args=[cast.shared.uuid])
    for user, url, link in (
            (cast.planner, reverse("pathways:patient_pathway", args=[cast.shared.uuid]),
             f'id="refer-from-admission" href="{form}?admission={admission.uuid}"'),
            (cast.ke_tromso, reverse("coordination:plan_detail", args=[plan.uuid]),
             f'id="refer-from-plan" href="{form}?plan={plan.uuid}"')):
        response, html = page(client, user, url)
        assert response.status_code == 200 and link in html, user
        assert "Henvis pasienten" in html
    # The coordinator sees both pages but may not refer: no link.
    for url in (reverse("pathways:patient_pathway", args=[cast.shared.uuid]),
                reverse("coordination:plan_detail", args=[plan.uuid])):
        response, html = page(client, cast.coordinator, url)
        assert response.status_code == 200 and 'id="refer-from-' not in html


def test_someone_who_may_not_refer_is_told_so(client, cast):
    response, html = page(client, cast.coordinator, reverse(
        "referrals:new_referral", args=[cast.shared.uuid]))
    assert response.status_code == 200 and 'id="may-not-refer"' in html


# -- Deciding -----------------------------------------------------------------------------------


def test_the_rve_accepts_with_a_start_within_the_deadline(client, cast, world):
    referral = refer(world)
    response, html = page(client, world.rve_assessor, referral_url(referral))
    assert 'id="rights-assessment"' in html
    allocatable = html.split('name="allocated_service"')[1].split("</select>")[0]
    assert "Valnesfjord" in allocatable and "Skibotn" in allocatable
    assert "Statsforvalteren" in html  # the decline's hint names the right to complain
    response = client.post(referral_url(referral, "decide"), accept_data(
        referral, allocated_service=str(world.valnesfjord_rehab.uuid)), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Henvisningen er innvilget" in html and 'hx-swap-oob="innerHTML:#announcer"' in html
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_service, referral.expected_start) == (
        ReferralStatus.ACCEPTED, world.valnesfjord_rehab, TODAY() + datetime.timedelta(21))
    world.valnesfjord_rehab.refresh_from_db()
    assert world.valnesfjord_rehab.waiting_days == 21


def test_accepting_without_the_date_care_must_start_is_a_form_error(client, world):
    referral = refer(world)
    client.force_login(world.rve_assessor)
    for fields, label in (({"care_start_deadline": ""}, "Helsehjelpen skal starte senest"),
                          ({"expected_start": days(90)}, "Forventet oppstart"),
                          ({"has_right": ""}, "Rett til nødvendig spesialisthelsetjeneste")):
        response = client.post(referral_url(referral, "decide"),
                               accept_data(referral, **fields), **HTMX)
        assert response.status_code == 422, fields
        assert label in errors(response.content.decode())
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (ReferralStatus.RECEIVED, 1)


def test_a_stale_decision_shows_the_conflict_and_writes_nothing(client, world):
    referral = refer(world)
    services.request_information(referral, by=world.rve_assessor, question="Epikrise?")
    referral.refresh_from_db()
    services.give_information(referral, by=world.gp, reply="Vedlagt")
    client.force_login(world.rve_assessor)
    response = client.post(referral_url(referral, "decide"), accept_data(referral), **HTMX)
    assert response.status_code == 409
    assert "Noen har endret" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


def test_a_decline_needs_its_reason_and_shows_the_right_to_complain(client, world):
    referral = refer(world)
    client.force_login(world.rve_assessor)
    data = {"version": referral.version, "decision": "decline", "has_right": "no",
            "reason": ""}
    refused = client.post(referral_url(referral, "decide"), data, **HTMX)
    assert refused.status_code == 422
    assert "Begrunnelse for avgjørelsen" in errors(refused.content.decode())
    assert Referral.objects.get().status == ReferralStatus.RECEIVED
    data["reason"] = "Behovet dekkes i kommunen"
    done = client.post(referral_url(referral, "decide"), data, **HTMX)
    html = done.content.decode()
    assert done.status_code == 200 and 'id="complaint-right"' in html
    assert "Statsforvalteren" in html
    assert Referral.objects.get().status == ReferralStatus.DECLINED


def test_asking_for_information_and_the_referrers_answer(client, world):
    referral = refer(world)
    client.force_login(world.rve_assessor)
    response = client.post(referral_url(referral, "request_information"),
                           {"version": 1, "question": "Send epikrisen"}, **HTMX)
    assert response.status_code == 200
    response, html = page(client, world.gp, referral_url(referral))
    assert "Send epikrisen" in html and 'id="answer-form"' in html
    assert 'id="rights-assessment"' not in html  # the referrer does not decide
    response = client.post(referral_url(referral, "give_information"),
                           {"version": 2, "reply": "Epikrise vedlagt"}, **HTMX)
    assert response.status_code == 200
    referral.refresh_from_db()
    assert (referral.status, referral.information_reply) == (ReferralStatus.RECEIVED,
                                                             "Epikrise vedlagt")


def test_forwarding_to_another_service(client, cast, world):
    team = factories.service(cast.tromso, "3", "Tverrfaglig team Tromsø")
    referral = refer(world)
    client.force_login(world.rve_assessor)
    refused = client.post(referral_url(referral, "forward"),
                          {"version": 1, "to_service": str(team.uuid), "reason": ""}, **HTMX)
    assert refused.status_code == 422
    response = client.post(referral_url(referral, "forward"),
                           {"version": 1, "to_service": str(team.uuid),
                            "reason": "Passer bedre på nivå 3"}, **HTMX)
    assert response.status_code == 200
    assert "videresendt til Tverrfaglig team Tromsø" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FORWARDED
    assert referral.forwarded_to.service == team


def test_free_choice_shows_each_places_waiting_time_and_records_the_choice(client, world):
    referral = refer(world)
    referral = services.accept(referral, by=world.rve_assessor, has_right=True,
                               care_start_deadline=TODAY() + datetime.timedelta(60),
                               expected_start=TODAY() + datetime.timedelta(30),
                               allocated_service=world.valnesfjord_rehab)
    response, html = page(client, world.gp, referral_url(referral))
    choice = html.split('id="free-choice"')[1].split("</section>")[0]
    assert "Valnesfjord" in choice and "ventetid 30 dager" in choice
    assert "Skibotn" in choice and "ventetid ikke kjent" in choice
    response = client.post(referral_url(referral, "record_choice"),
                           {"version": referral.version,
                            "service": str(world.skibotn_rehab.uuid)}, **HTMX)
    assert response.status_code == 200
    referral.refresh_from_db()
    assert (referral.allocated_service, referral.chosen_by_patient) == (world.skibotn_rehab,
                                                                        True)


def test_the_institution_sets_the_start_and_records_it(client, world):
    referral = services.accept(refer(world), by=world.rve_assessor, has_right=True,
                               care_start_deadline=TODAY() + datetime.timedelta(60),
                               allocated_service=world.valnesfjord_rehab)
    client.force_login(world.valnesfjord_assessor)
    response = client.post(referral_url(referral, "set_expected_start"),
                           {"version": referral.version, "expected_start": days(-1)}, **HTMX)
    assert response.status_code == 422
    response = client.post(referral_url(referral, "set_expected_start"),
                           {"version": referral.version, "expected_start": days(14)}, **HTMX)
    assert response.status_code == 200
    referral.refresh_from_db()
    response = client.post(referral_url(referral, "record_start"),
                           {"version": referral.version, "started_on": days(0)}, **HTMX)
    assert response.status_code == 200
    referral.refresh_from_db()
    assert (referral.status, referral.started_on) == (ReferralStatus.STARTED, TODAY())
    html = client.get(reverse("referrals:waiting_list",
                              args=[world.valnesfjord_rehab.uuid])).content.decode()
    assert world.patient.full_name not in html


def test_the_referrer_withdraws_with_a_reason(client, world):
    referral = refer(world)
    client.force_login(world.gp)
    refused = client.post(referral_url(referral, "withdraw"),
                          {"version": 1, "reason": ""}, **HTMX)
    assert refused.status_code == 422
    response = client.post(referral_url(referral, "withdraw"),
                           {"version": 1, "reason": WithdrawalReason.PATIENT_DECLINED}, **HTMX)
    assert response.status_code == 200
    referral.refresh_from_db()
    assert (referral.status, referral.withdrawal_reason) == (
        ReferralStatus.WITHDRAWN, WithdrawalReason.PATIENT_DECLINED)


def test_the_page_shows_the_patients_other_open_referrals(client, cast, world):
    team = factories.service(cast.tromso, "3", "Tverrfaglig team Tromsø")
    referral = refer(world)
    other = refer(world, service=team)
    _response, html = page(client, world.rve_assessor, referral_url(referral))
    others = html.split('id="other-referrals"')[1]
    assert "Tverrfaglig team Tromsø" in others and "Tromsø" in others
    # Both reads are audited: the referral, and the other referral it shows.
    read = AuditEvent.objects.filter(user=world.rve_assessor, action="view",
                                     object_type="referral")
    assert set(read.values_list("object_id", flat=True)) == {str(referral.uuid),
                                                             str(other.uuid)}


def test_a_whole_page_step_redirects_back_with_the_message(client, world):
    referral = refer(world)
    client.force_login(world.rve_assessor)
    response = client.post(referral_url(referral, "request_information"),
                           {"version": 1, "question": "Send epikrisen"})
    assert response["Location"] == referral_url(referral)
    assert "Henviseren er bedt om flere opplysninger" in client.get(
        response["Location"]).content.decode()


# -- Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def other_region(world):
    """Helse Midt-Norge's assessment unit and its assessor."""
    unit = factories.organization(OrganizationKind.ASSESSMENT_UNIT, "RVE Midt",
                                  region=Region.CENTRAL)
    return factories.user("rve_midt", unit, Role.REFERRAL_ASSESSOR)


def test_an_institution_sees_only_the_referrals_sent_or_allocated_to_it(client, world):
    skibotn_assessor = factories.user("skibotn_assessor", world.skibotn, Role.REFERRAL_ASSESSOR)
    referral = refer(world)
    # Received by the RVE: neither institution sees it yet.
    for user in (world.valnesfjord_assessor, skibotn_assessor):
        assert page(client, user, referral_url(referral))[0].status_code == 404
        assert world.patient.full_name not in page(client, user, reverse(
            "referrals:inbox"))[1]
    services.accept(referral, by=world.rve_assessor, has_right=False,
                    allocated_service=world.valnesfjord_rehab)
    # Allocated to Valnesfjord: its assessor sees it and its list; Skibotn sees neither.
    assert page(client, world.valnesfjord_assessor, referral_url(referral))[0].status_code == 200
    assert page(client, skibotn_assessor, referral_url(referral))[0].status_code == 404
    assert page(client, skibotn_assessor, reverse(
        "referrals:waiting_list", args=[world.valnesfjord_rehab.uuid]))[0].status_code == 404
    # Skibotn keeps its own list.
    assert page(client, skibotn_assessor, reverse(
        "referrals:waiting_list", args=[world.skibotn_rehab.uuid]))[0].status_code == 200
    # A referral the steps name must be visible: Skibotn's assessor cannot act on it either.
    refused = client.post(referral_url(referral, "record_start"),
                          {"version": 3, "started_on": days(0)}, **HTMX)
    assert refused.status_code == 404


def test_another_regions_assessment_unit_sees_none_of_it(client, world, other_region):
    referral = refer(world)
    assert page(client, other_region, referral_url(referral))[0].status_code == 404
    assert page(client, other_region, reverse(
        "referrals:waiting_list", args=[world.valnesfjord_rehab.uuid]))[0].status_code == 404
    response, html = page(client, other_region, reverse("referrals:inbox"))
    assert response.status_code == 200 and world.patient.full_name not in html
    # The region's own unit sees the institutions' lists of its region.
    assert page(client, world.rve_assessor, reverse(
        "referrals:waiting_list", args=[world.skibotn_rehab.uuid]))[0].status_code == 200


def test_the_rve_sees_a_hospitals_direct_referral_in_the_queue_without_the_name(
        client, cast, world):
    stranger = factories.patient(cast.planner, "Sykehus", "Direkte", municipality=cast.tromso)
    direct = services.refer(by=cast.planner, patient=stranger, service=world.valnesfjord_rehab,
                            reason="Direkte fra sykehuset")
    services.accept(direct, by=world.valnesfjord_assessor, has_right=False)
    _response, html = page(client, world.rve_assessor, reverse(
        "referrals:waiting_list", args=[world.valnesfjord_rehab.uuid]))
    row = html.split(f'id="waiting-{direct.uuid}"')[1].split("</tr>")[0]
    assert "Sykehus Direkte" not in html and "ikke har tjenstlig behov" in row
    assert not AuditEvent.objects.filter(object_type="waiting_list",
                                         patient_uuid=stranger.uuid).exists()
    _response, html = page(client, world.valnesfjord_assessor, reverse(
        "referrals:waiting_list", args=[world.valnesfjord_rehab.uuid]))
    assert "Sykehus Direkte" in html


def test_the_patients_ke_opens_the_referral_it_was_told_of(client, cast, world):
    factories.relate(world.patient, cast.tromso, world.gp)
    referral = services.accept(refer(world), by=world.rve_assessor, has_right=False,
                               allocated_service=world.valnesfjord_rehab)
    response, html = page(client, cast.ke_tromso, referral_url(referral))
    assert response.status_code == 200 and 'id="rights-assessment"' not in html
    assert page(client, cast.ke_bodo, referral_url(referral))[0].status_code == 404


def test_the_inbox_is_for_those_who_assess_or_refer(client, cast):
    assert page(client, cast.coordinator, reverse("referrals:inbox"))[0].status_code == 403


# -- The inbox and the waiting list -------------------------------------------------------------


def test_the_inbox_lists_by_deadline_marks_the_overdue_and_audits_each_patient(
        client, cast, world):
    late_patient = factories.patient(world.gp, "Lars", "Lengeventet", municipality=cast.tromso)
    services.refer(by=world.gp, patient=late_patient, service=world.skibotn_rehab,
                   reason="Venter", received_at=timezone.now() - datetime.timedelta(days=30))
    refer(world)
    response, html = page(client, world.rve_assessor, reverse("referrals:inbox"))
    awaiting = html.split('id="awaiting-table"')[1].split("</table>")[0]
    assert awaiting.index("Lars Lengeventet") < awaiting.index(world.patient.full_name)
    assert "arbeidsdager på overtid" in awaiting and "10 arbeidsdager igjen" in awaiting
    events = AuditEvent.objects.filter(object_type="referral_inbox", user=world.rve_assessor)
    assert sorted(events.values_list("patient_uuid", flat=True)) == sorted(
        [late_patient.uuid, world.patient.uuid])
    # The GP sees what it sent.
    _response, html = page(client, world.gp, reverse("referrals:inbox"))
    sent = html.split('id="sent-table"')[1]
    assert "Lars Lengeventet" in sent and world.patient.full_name in sent
    assert 'id="awaiting-table"' not in html


def _many_referrals(cast, world, rows):
    for n in range(rows):
        patient = factories.patient(world.gp, f"Pas{n}", "Ient", municipality=cast.tromso)
        referral = services.refer(by=world.gp, patient=patient, reason="Trening",
                                  service=world.valnesfjord_rehab if n % 2 else
                                  world.skibotn_rehab)
        if n % 3 == 0:
            services.accept(referral, by=world.rve_assessor, has_right=True,
                            care_start_deadline=TODAY() + datetime.timedelta(60 - n),
                            expected_start=TODAY() + datetime.timedelta(10 + n))


# Queries, whatever the number of rows: the session, the user, the memberships (with the
# badge's count); for an assessor the awaiting page and its count, the recent decisions, the
# waiting lists and their counts; for a referrer the sent page and its count; the grounds of
# the patients shown and the audit INSERT.
INBOX_BUDGET = {"rve_assessor": 10, "gp": 7}


@pytest.mark.parametrize("who", ["rve_assessor", "gp"])
@pytest.mark.parametrize("rows", [2, 12])
def test_the_inbox_keeps_its_query_budget(client, cast, world, rows, who,
                                          django_assert_max_num_queries):
    _many_referrals(cast, world, rows)
    client.force_login(getattr(world, who))
    client.get(reverse("referrals:inbox"))
    with django_assert_max_num_queries(INBOX_BUDGET[who]):
        response = client.get(reverse("referrals:inbox"))
    if who == "gp":
        assert len(response.context["sent"].object_list) == rows
    else:
        shown = len(response.context["awaiting"].object_list) + len(response.context["decided"])
        assert shown == rows


# The session, the user, the memberships, the service, the page and its count, the grounds
# and the audit INSERT.
WAITING_LIST_BUDGET = 8


@pytest.mark.parametrize("rows", [3, 15])
def test_the_waiting_list_keeps_its_query_budget_and_its_order(
        client, cast, world, rows, django_assert_max_num_queries):
    _many_referrals(cast, world, rows)
    client.force_login(world.rve_assessor)
    url = reverse("referrals:waiting_list", args=[world.skibotn_rehab.uuid])
    client.get(url)
    with django_assert_max_num_queries(WAITING_LIST_BUDGET):
        response = client.get(url)
    rows_shown = response.context["rows"]
    assert len(rows_shown) == len([n for n in range(rows) if n % 3 == 0 and n % 2 == 0])
    deadlines = [referral.care_start_deadline for referral in rows_shown]
    assert deadlines == sorted(deadlines)
    assert AuditEvent.objects.filter(object_type="waiting_list",
                                     user=world.rve_assessor).count() >= len(rows_shown)


def test_the_waiting_list_shows_days_waited_and_the_published_waiting_time(client, world):
    referral = services.accept(refer(world), by=world.rve_assessor, has_right=True,
                               care_start_deadline=TODAY() + datetime.timedelta(60),
                               expected_start=TODAY() + datetime.timedelta(21),
                               allocated_service=world.valnesfjord_rehab)
    response, html = page(client, world.valnesfjord_assessor, reverse(
        "referrals:waiting_list", args=[world.valnesfjord_rehab.uuid]))
    row = html.split(f'id="waiting-{referral.uuid}"')[1].split("</tr>")[0]
    assert world.patient.full_name in row
    assert "Ventetid: 21 dager (beregnet fra ventelisten)" in html and "beregnet " in html


# -- The catalogue, the navigation, the patient page --------------------------------------------


def test_the_catalogue_shows_the_computed_waiting_time_and_links_the_list(client, world):
    url = reverse("registry:catalogue") + "?level=5.1"
    _response, html = page(client, world.rve_assessor, url)
    card = html.split("Valnesfjord: rehabilitering etter hjerneslag")[1].split("</li>")[0]
    assert "ikke kjent" in card
    assert reverse("referrals:waiting_list", args=[world.valnesfjord_rehab.uuid]) in card
    services.accept(refer(world), by=world.rve_assessor, has_right=True,
                    care_start_deadline=TODAY() + datetime.timedelta(60),
                    expected_start=TODAY() + datetime.timedelta(21),
                    allocated_service=world.valnesfjord_rehab)
    _response, html = page(client, world.gp, url)
    card = html.split("Valnesfjord: rehabilitering etter hjerneslag")[1].split("</li>")[0]
    assert "21 dager (beregnet fra ventelisten)" in card
    assert "referrals/" not in card and "waiting-lists/" not in card  # not the GP's list
    _response, html = page(client, world.gp, reverse("registry:organization_detail",
                                                     args=[world.valnesfjord.uuid]))
    assert "Ventetid: 21 dager (beregnet fra ventelisten)" in html
    _response, html = page(client, world.gp, reverse("registry:organization_detail",
                                                     args=[world.skibotn.uuid]))
    assert "Ventetid: ikke kjent" in html


@pytest.mark.parametrize(("who", "shown"), [
    ("gp", True), ("rve_assessor", True), ("rve_lead", True), ("coordinator", False)])
def test_the_navigation_offers_referrals_to_those_who_assess_or_refer(client, cast, world, who,
                                                                        shown):
    user = getattr(world, who, None) or getattr(cast, who)
    _response, html = page(client, user, reverse("registry:home"))
    assert ('id="nav-referrals"' in html) is shown


def test_the_patient_page_lists_the_referrals_and_assessments_and_audits_them(client, world):
    referral = refer(world)
    assessment = services.start_assessment(by=world.gp, patient=world.patient)
    _response, html = page(client, world.gp, reverse("pathways:patient_detail",
                                                     args=[world.patient.uuid]))
    section = html.split('id="patient-referrals"')[1]
    assert referral_url(referral) in section and 'id="continue-assessment"' in section
    assert reverse("referrals:new_referral", args=[world.patient.uuid]) in section
    assert AuditEvent.objects.filter(object_type="referral", object_id=str(referral.uuid),
                                     detail="patient page").exists()
    assert AuditEvent.objects.filter(object_type="needsassessment",
                                     object_id=str(assessment.uuid),
                                     detail="patient page").exists()


@pytest.mark.parametrize("who", ["gp", "rve_assessor"])
def test_the_patient_page_section_keeps_its_budget_however_many_referrals(
        client, cast, world, who, django_assert_max_num_queries):
    """The section adds at most four queries to the page, however many referrals and
    versions it shows: the assessments, the referrals, their grounds and the audit INSERT."""
    url = reverse("pathways:patient_detail", args=[world.patient.uuid])
    client.force_login(getattr(world, who))
    refer(world)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    team = factories.service(cast.tromso, "3", "Tverrfaglig team Tromsø")
    services.accept(refer(world, service=world.skibotn_rehab), by=world.rve_assessor,
                    has_right=False, allocated_service=world.skibotn_rehab)
    refer(world, service=team)
    first = services.start_assessment(by=world.gp, patient=world.patient)
    first = services.save_assessment(first, by=world.gp, version=first.version,
                                     changes={"patient_goals": "Gå"})
    services.complete_assessment(first, by=world.gp, version=first.version,
                                 level=first.patient.referrals.first().service.level)
    services.start_assessment(by=world.gp, patient=world.patient)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    section = response.content.decode().split('id="patient-referrals"')[1].split("</section>")[0]
    # The GP sent all three; the RVE received two of them (the team's is Tromsø's).
    assert section.count('<tr><th scope="row"><a href="/referrals/') == {"gp": 3,
                                                                        "rve_assessor": 2}[who]
    assert section.count("<li><a href=\"/assessments/") == 2  # both versions
