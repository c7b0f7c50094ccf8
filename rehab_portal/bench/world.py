"""The benchmark's organisations and staff, and a large individual plan for the PDF timing."""

import datetime

from django.utils import timezone

HOSPITALS_PER_TRUST = 2
TRUSTS = 4
MUNICIPALITIES = 40
WARDS = 6
# Admissions still open, at every size: the hospitals' and KEs' working set does not grow
# with the history behind it (the first OPEN_ADMISSIONS generated are open, the rest past).
OPEN_ADMISSIONS = 800


def pdf_plan(patient, by, measures: int):
    """An individual plan with goals, `measures` measures, a group, consent and an evaluation."""
    from coordination.models import (
        Consent,
        Evaluation,
        Goal,
        IndividualPlan,
        Measure,
        PlanParticipant,
    )
    from registry.models import ServiceLevel, ServiceOffering

    today = timezone.localdate()
    plan = IndividualPlan.objects.create(
        patient=patient, municipality=patient.municipality, status="active",
        what_matters="Å klare meg selv hjemme", period_start=today,
        period_end=today + datetime.timedelta(days=365),
        next_evaluation_on=today + datetime.timedelta(days=90))
    goals = [Goal.objects.create(plan=plan, text=f"Mål {g + 1} med pasientens egne ord",
                                 position=g) for g in range(3)]
    for g, goal in enumerate(goals):
        Goal.objects.create(plan=plan, parent=goal, text=f"Delmål {g + 1}.1", position=0,
                            target_date=today + datetime.timedelta(days=30 * (g + 1)))
    service = ServiceOffering.objects.create(provider=patient.municipality,
                                             level=ServiceLevel.objects.get(code="3"),
                                             name="Hverdagsrehabilitering")
    Measure.objects.bulk_create([Measure(
        plan=plan, goal=goals[i % len(goals)], service=service if i % 2 else None,
        description=f"Tiltak {i + 1}: gangtrening, styrke og balanse",
        responsible_person="Fysioterapeut", responsible_organization=patient.municipality,
        extent="2 ganger i uka", starts_on=today, ends_on=today + datetime.timedelta(days=90),
        position=i) for i in range(measures)])
    PlanParticipant.objects.create(plan=plan, kind="coordinator", name="Koordinator",
                                   organization=patient.municipality, contribution="Leder")
    Consent.objects.create(plan=plan, organization=patient.municipality, scope="plan",
                           method="written", given_at=timezone.now(), recorded_by=by)
    Evaluation.objects.create(plan=plan, evaluated_on=today, summary="God framgang",
                              evaluated_by=by)
    return plan


class World:
    """Organisations and staff: health trusts with hospitals and wards, municipalities,
    planners per ward and per hospital, KE staff per municipality and trust."""

    def __init__(self, hospitals, municipalities, planners, ke_staff, ke_by_org, wards):
        self.hospitals = hospitals
        self.wards = wards  # hospital id -> its WARDS ward ids, "Sengepost 0" first
        self.municipalities = municipalities
        self.planners = planners  # hospital id -> planner user ids
        self.ke_staff = ke_staff  # any KE user id, for answers and acknowledgements
        self.ke_by_org = ke_by_org

    @classmethod
    def create(cls) -> "World":
        from registry.models import (
            Department,
            Membership,
            Organization,
            OrganizationKind,
            Region,
            Role,
            User,
            Ward,
        )
        from registry.validators import synthetic_orgnr

        seq = iter(range(50_000, 60_000))

        def org(kind, name, **fields):
            n = next(seq)
            return Organization.objects.create(kind=kind, name=name, orgnr=synthetic_orgnr(n),
                                               region=Region.NORTH, **fields)

        def staff(username, organization, role, ward=None):
            user = User.objects.create(username=username, email=f"{username}@bench.example",
                                       first_name="Bench", last_name=username)
            Membership.objects.create(user=user, organization=organization, role=role,
                                      ward=ward)
            return user.pk

        rhf = org(OrganizationKind.REGIONAL_HEALTH_AUTHORITY, "Bench RHF")
        hospitals, planners, ke_by_org, wards = [], {}, {}, {}
        for t in range(TRUSTS):
            trust = org(OrganizationKind.HEALTH_TRUST, f"Bench HF {t}", parent=rhf)
            ke_by_org[trust.pk] = [staff(f"ke_hf{t}", trust, Role.KE_STAFF)]
            for h in range(HOSPITALS_PER_TRUST):
                hospital = org(OrganizationKind.HOSPITAL, f"Bench sykehus {t}.{h}", parent=trust)
                hospitals.append(hospital.pk)
                department = Department.objects.create(hospital=hospital, name="Bench avdeling")
                own = [Ward.objects.create(department=department, name=f"Sengepost {w}",
                                           code=f"SP{w}") for w in range(WARDS)]
                wards[hospital.pk] = [ward.pk for ward in own]
                planners[hospital.pk] = [staff(f"planner_{t}_{h}", hospital,
                                               Role.DISCHARGE_PLANNER)] + [
                    staff(f"planner_{t}_{h}_{w}", hospital, Role.DISCHARGE_PLANNER,
                          ward=ward) for w, ward in enumerate(own)]
        municipalities = []
        for m in range(MUNICIPALITIES):
            municipality = org(OrganizationKind.MUNICIPALITY, f"Bench kommune {m}",
                               municipality_number=f"{9000 + m}", population=10_000 + m)
            municipalities.append(municipality.pk)
            ke_by_org[municipality.pk] = [staff(f"ke_{m}_{k}", municipality, Role.KE_STAFF)
                                          for k in range(2)]
        ke_staff = ke_by_org[municipalities[0]][0]
        return cls(hospitals, municipalities, planners, ke_staff, ke_by_org, wards)
