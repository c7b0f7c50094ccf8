"""The pathway list endpoints cost the same number of queries for 3 rows as for 30."""

import datetime

import pytest
from django.utils import timezone

from pathways import services
from registry.models import ServiceLevel
from registry.notifications import Message, notify
from tests import factories
from tests.factories import admit


def measure(client, url, budget, django_assert_max_num_queries, rows):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == rows
    return len(captured)


@pytest.fixture
def grow():
    """grow(make, to) calls make(i) until `to` rows exist, counting from the rows there are."""
    state = {"rows": 0}

    def add(make, to):
        for i in range(state["rows"], to):
            make(i)
        state["rows"] = to

    return add


def admitted_patient(cast, i, **fields):
    """A new patient of Tromsø, admitted at UNN; every one a different person."""
    patient = factories.patient(cast.planner, f"Pasient{i}", "Budsjett",
                                municipality=cast.tromso,
                                birth_date=datetime.date(1930 + i, 1 + i % 12, 1 + i % 28))
    return admit(cast, patient=patient, hours_ago=30 + i, **fields)


def assert_same_budget(client, url, budget, django_assert_max_num_queries, grow, make):
    grow(make, 3)
    few = measure(client, url, budget, django_assert_max_num_queries, 3)
    grow(make, 30)
    many = measure(client, url, budget, django_assert_max_num_queries, 30)
    assert few == many


# Admissions: 1 session, 2 user, 3 the reader's memberships, 4 COUNT of visible
# admissions, 5 the page with its patients and the grounds of each read (with_grounds), then
# what the page names, read apart by key (LeanList): 6 hospitals and municipalities, 7 wards,
# 8 the admissions it was a readmission of or transferred from, 9 discharge levels; 10 the
# single INSERT of the page's audit events.
ADMISSION_BUDGET = 10


def test_it_lists_admissions_within_a_fixed_query_budget(cast, api, grow,
                                                         django_assert_max_num_queries):
    level = ServiceLevel.objects.get(code="3")
    made = []

    def make(i):
        """One admission per call: plain, a readmission after the plain one's discharge
        (so discharge level and readmission_of are filled in), or ready for discharge."""
        if i % 3 == 1:
            earlier = services.discharge_patient(made[-1], by=cast.planner,
                                                 destination="municipal_rehabilitation",
                                                 discharge_level=level)
            made.append(admit(cast, patient=earlier.patient, readmission_of=earlier))
        else:
            made.append(admitted_patient(cast, i))
            if i % 3 == 2:
                services.declare_ready_for_discharge(made[-1], by=cast.planner,
                                                     physician="Dr. Lege")

    assert_same_budget(api(cast.ke_tromso), "/api/v1/admissions/", ADMISSION_BUDGET,
                       django_assert_max_num_queries, grow, make)


# Early notifications: 1 session, 2 user, 3 COUNT of visible notices (drafts: the
# admitting hospital's only, a subquery), 4 the page with admission, patient, proposed level,
# sender and acknowledger joined, 5 memberships and 6 granting care relationships
# (access.grounds), 7 the single INSERT of the page's audit events.
NOTICE_BUDGET = 7


def test_it_lists_early_notifications_within_a_fixed_query_budget(
        cast, api, grow, django_assert_max_num_queries):
    level = ServiceLevel.objects.get(code="2")

    def make(i):
        admission = admitted_patient(cast, i)
        notice = services.send_early_notification(admission, by=cast.planner,
                                                  proposed_level=level)
        if i % 2:
            services.acknowledge_early_notification(notice, by=cast.ke_tromso)

    assert_same_budget(api(cast.ke_tromso), "/api/v1/early-notifications/", NOTICE_BUDGET,
                       django_assert_max_num_queries, grow, make)


# Discharge meetings: 1 session, 2 user, 3 COUNT of visible meetings, 4 the page with
# admission, patient, hospital and organiser joined, 5 the page's participants with user,
# organisation and next of kin, 6 its follow-up tasks with the responsible user,
# 7 memberships and 8 granting care relationships (access.grounds), 9 the single INSERT of
# the page's audit events.
MEETING_BUDGET = 9


def test_it_lists_discharge_meetings_within_a_fixed_query_budget(
        cast, api, grow, django_assert_max_num_queries):
    def make(i):
        admission = admitted_patient(cast, i)
        kin = services.add_next_of_kin(admission.patient, by=cast.planner, name=f"Kin {i}",
                                       relation="barn", consent_to_share=True)
        meeting = services.schedule_discharge_meeting(
            admission, by=cast.planner, location="Møterom",
            scheduled_at=timezone.now() + datetime.timedelta(days=1, hours=i),
            participants=[{"kind": "coordinator", "user": cast.coordinator},
                          {"kind": "next_of_kin", "next_of_kin": kin},
                          {"kind": "municipal_services", "name": "Hjemmetjenesten",
                           "organization": cast.tromso}])
        services.add_follow_up_task(meeting, by=cast.planner, description="Ringe",
                                    responsible_name="Kora", responsible_user=cast.coordinator,
                                    due_date=timezone.localdate())

    assert_same_budget(api(cast.ke_tromso), "/api/v1/discharge-meetings/", MEETING_BUDGET,
                       django_assert_max_num_queries, grow, make)


# Notifications: 1 session, 2 user, 3 COUNT of the reader's own, 4 the page. No audit: a
# notification carries no health data (registry/api/notifications.py).
NOTIFICATION_BUDGET = 4


def test_it_lists_notifications_within_a_fixed_query_budget(cast, api, grow,
                                                            django_assert_max_num_queries):
    def make(i):
        notify([cast.ke_tromso], Message(kind="early_notification.new", title=f"Melding {i}"))

    assert_same_budget(api(cast.ke_tromso), "/api/v1/notifications/?unread=true",
                       NOTIFICATION_BUDGET, django_assert_max_num_queries, grow, make)
