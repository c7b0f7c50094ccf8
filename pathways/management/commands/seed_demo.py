"""Load the Helse Nord demo data (pathways/demo_data.py). Idempotent: a second run changes
nothing it has already written, so `make run` can call it every time."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from pathways import demo_data as demo
from pathways.identity import make_synthetic_identity_number
from pathways.models import (
    DischargeDestination,
    MunicipalAnswerKind,
    ParticipantKind,
    PathwayEnrolment,
    PathwayVariant,
    Patient,
)
from pathways.services import (
    acknowledge_early_notification,
    admit_patient,
    answer_ready_for_discharge,
    declare_ready_for_discharge,
    discharge_patient,
    grant_care_relationship,
    register_patient,
    schedule_discharge_meeting,
    send_early_notification,
)
from pathways.services import variants as home_rehabilitation
from pathways.signals import demo_data_seeded
from registry import audit
from registry.api.authentication import digest
from registry.models import (
    ApiClient,
    ApiKey,
    AuditAction,
    AuditObjectType,
    CoordinatingUnit,
    Department,
    Membership,
    Organization,
    OrganizationKind,
    ServiceLevel,
    ServiceOffering,
    TargetGroup,
    User,
    Ward,
    default_api_scopes,
)
from registry.services import create_api_client, revoke_api_key, set_api_client_scopes
from registry.validators import synthetic_orgnr


def synthetic_identity_number(birth_date, index: int) -> str:
    """The same synthetic number for the same patient on every run."""
    for serial in range(100 + index * 20, 120 + index * 20):
        number = make_synthetic_identity_number(birth_date, serial)
        if number:
            return number
    raise CommandError(f"no synthetic identity number for {birth_date} near {index}")


def demo_identity_numbers() -> list[str]:
    return [synthetic_identity_number(p[3], i) for i, p in enumerate(demo.PATIENTS)]


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _organization(lookup: dict, **fields) -> Organization:
    org = Organization.objects.filter(**lookup).first() or Organization(**lookup)
    for name, value in fields.items():
        setattr(org, name, value)
    return _save(org)


class Command(BaseCommand):
    help = ("Load demo data for the Helse Nord region: organisations, coordinating units, "
            "services on every pyramid level, demo users, synthetic patients and an API client; "
            "other apps add theirs on pathways.signals.demo_data_seeded.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Load demo data even under production settings.")
        parser.add_argument("--summary", action="store_true",
                            help="Only print the demo users, passwords and API key.")

    def handle(self, *args, force=False, summary=False, **options):
        if summary:
            self.print_summary()
            return
        if not settings.DEMO_DATA_ALLOWED and not force:
            raise CommandError(
                "Refusing to load demo data (published passwords and API key) under these "
                "settings (DEMO_DATA_ALLOWED is off, as in production). Use --force if you "
                "really mean it."
            )
        if not ServiceLevel.objects.exists():
            raise CommandError("No pyramid levels: run `manage.py migrate` first.")
        reports = []
        with transaction.atomic():
            self.orgs: dict[str, Organization] = {}
            self.seed_organizations()
            self.seed_coordinating_units()
            self.seed_services()
            self.seed_wards()
            self.seed_users()
            self.seed_api_client()
            if settings.ALLOW_SYNTHETIC_IDENTITY_NUMBERS:
                self.seed_patients()
                self.seed_pathways()
                self.seed_home_rehabilitation()
                # Other apps (coordination) add theirs inside the same transaction.
                reports = demo_data_seeded.send(
                    sender=self.__class__, organizations=self.orgs,
                    users={demo.SUPERUSER: self.admin, **self.users}, patients=self.patients)
            else:
                self.stderr.write(self.style.WARNING(
                    "Skipped demo patients: ALLOW_SYNTHETIC_IDENTITY_NUMBERS is off."))
        self.stdout.write(self.style.SUCCESS(
            "Demo data in place: "
            f"{Organization.objects.count()} organisations, "
            f"{CoordinatingUnit.objects.count()} coordinating units, "
            f"{ServiceOffering.objects.count()} services, "
            f"{User.objects.count()} users, {Patient.objects.count()} patients."
        ))
        for _receiver, report in reports:
            if report:
                self.stdout.write(self.style.SUCCESS(report))
        self.print_summary()

    # -- organisations -------------------------------------------------------------------
    def seed_organizations(self):
        key, name, seed = demo.REGIONAL_HEALTH_AUTHORITY
        rhf = _organization({"orgnr": synthetic_orgnr(seed)}, name=name, region=demo.REGION,
                            kind=OrganizationKind.REGIONAL_HEALTH_AUTHORITY, parent=None)
        self.orgs[key] = rhf
        for key, name, seed, hospitals in demo.HEALTH_TRUSTS:
            trust = _organization({"orgnr": synthetic_orgnr(seed)}, name=name, parent=rhf,
                                  region=demo.REGION, kind=OrganizationKind.HEALTH_TRUST)
            self.orgs[key] = trust
            for h_key, h_name, h_seed in hospitals:
                self.orgs[h_key] = _organization(
                    {"orgnr": synthetic_orgnr(h_seed)}, name=h_name, parent=trust,
                    region=demo.REGION, kind=OrganizationKind.HOSPITAL)
        for key, name, number, population, seed in demo.MUNICIPALITIES:
            # By the synthetic orgnr, which never changes: a corrected kommunenummer is an
            # update of the municipality, not a second one.
            self.orgs[key] = _organization(
                {"orgnr": synthetic_orgnr(seed)}, name=name, municipality_number=number,
                population=population, population_source=demo.SOURCE_POPULATION,
                region=demo.REGION, kind=OrganizationKind.MUNICIPALITY)
        for key, name, _seed_name, seed in demo.PRIVATE_INSTITUTIONS:
            self.orgs[key] = _organization(
                {"orgnr": synthetic_orgnr(seed)}, name=name, region=demo.REGION,
                kind=OrganizationKind.PRIVATE_INSTITUTION)

    def seed_coordinating_units(self):
        for key, org in self.orgs.items():
            if org.kind == OrganizationKind.MUNICIPALITY:
                name = f"Koordinerende enhet, {org.name} kommune"
            elif org.kind == OrganizationKind.HEALTH_TRUST:
                name = f"Koordinerende enhet, {org.name}"
            elif org.kind == OrganizationKind.REGIONAL_HEALTH_AUTHORITY:
                name = "Regional koordinerende enhet for habilitering og rehabilitering, Helse Nord"
            else:
                continue
            unit = CoordinatingUnit.objects.filter(organization=org).first() \
                or CoordinatingUnit(organization=org)
            unit.name = name
            unit.inbox_address = f"ke.{key}@rehabportal.example"
            _save(unit)

    def seed_services(self):
        levels = {level.code: level for level in ServiceLevel.objects.all()}
        groups = {}
        for code, name, name_en in demo.TARGET_GROUPS:
            groups[code], _ = TargetGroup.objects.update_or_create(
                code=code, defaults={"name": name, "name_en": name_en})
        for provider, level, name, description, target_groups, served, capacity in \
                demo.SERVICES:
            offering = ServiceOffering.objects.filter(
                provider=self.orgs[provider], name=name).first() \
                or ServiceOffering(provider=self.orgs[provider], name=name)
            offering.level = levels[level]
            offering.description = description
            offering.capacity = capacity
            offering.active = True
            _save(offering)
            offering.target_groups.set([groups[code] for code in target_groups])
            offering.municipalities_served.set([self.orgs[key] for key in served])

    # -- people --------------------------------------------------------------------------
    def _user(self, username, **fields) -> User:
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        changed = created
        for name, value in fields.items():
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        password = demo.demo_password(username)
        if created or not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        return user

    def seed_users(self):
        self.users: dict[str, User] = {}
        self.admin = self._user(demo.SUPERUSER, first_name="Demo", last_name="Admin",
                                email="admin@rehabportal.example", is_staff=True,
                                is_superuser=True, is_active=True)
        for username, first, last, org_key, role, ward in demo.DEMO_USERS:
            user = self._user(username, first_name=first, last_name=last,
                              email=f"{username}@rehabportal.example", is_active=True)
            Membership.objects.update_or_create(
                user=user, organization=self.orgs[org_key], role=role,
                defaults={"ward": self.wards[org_key, ward] if ward else None})
            self.users[username] = user

    def seed_api_client(self):
        org = self.orgs[demo.API_CLIENT_ORGANIZATION]
        client = ApiClient.objects.filter(organization=org, name=demo.API_CLIENT_NAME).first()
        if client is None:
            client, _unseen_key = create_api_client(org, demo.API_CLIENT_NAME, by=self.admin)
            # Nobody will ever see that first random key: revoke it, publish the demo key.
            for key in client.keys.all():
                revoke_api_key(key, by=self.admin)
        # A hospital's EPJ: reads the registry, writes patients, pathways and plans (requests
        # to the KE), reads and marks its notifications, manages its webhooks.
        scopes = sorted({*default_api_scopes(), "patients:write", "pathways:write",
                         "coordination:write", "notifications:write", "webhooks:write"})
        if client.scopes != scopes:
            set_api_client_scopes(client, scopes, by=self.admin)
        key = ApiKey.objects.filter(prefix=demo.API_KEY_PREFIX).first()
        if key is None:
            ApiKey.objects.create(client=client, prefix=demo.API_KEY_PREFIX,
                                  digest=digest(demo.API_KEY_SECRET))
            audit.record(self.admin, AuditAction.CREATE, AuditObjectType.API_KEY,
                         demo.API_KEY_PREFIX, organization=org, detail="published demo key")
        elif (key.client_id, key.digest, key.revoked_at) != (
                client.pk, digest(demo.API_KEY_SECRET), None):
            ApiKey.objects.filter(pk=key.pk).update(
                client=client, digest=digest(demo.API_KEY_SECRET), revoked_at=None)
            audit.record(self.admin, AuditAction.UPDATE, AuditObjectType.API_KEY,
                         demo.API_KEY_PREFIX, organization=org, detail="demo key restored")

    def seed_patients(self):
        self.patients: dict[str, Patient] = {}
        numbers = demo_identity_numbers()
        for number, (key, given, family, birth_date, municipality, (username, org_key),
                     relations, next_of_kin) in zip(numbers, demo.PATIENTS, strict=True):
            existing = Patient.objects.filter(identity_number=number).first()
            if existing is not None:
                self.patients[key] = existing
                continue
            registrar = self.users[username]
            patient = register_patient(
                by=registrar, organization=self.orgs[org_key], next_of_kin=next_of_kin,
                identity_number=number, given_name=given, family_name=family,
                birth_date=birth_date, municipality=self.orgs[municipality],
            )
            self.patients[key] = patient
            for rel_org, reason, personal in relations:
                grant_care_relationship(patient, self.orgs[rel_org], reason, by=registrar,
                                        user=self.users[personal] if personal else None)

    def seed_wards(self):
        """Each hospital's departments and wards; a ward found by its code is left as the
        administrators keep it."""
        self.wards: dict[tuple[str, str], Ward] = {}
        for _key, _name, _seed, hospitals in demo.HEALTH_TRUSTS:
            for hospital_key, _hospital_name, orgnr_seed in hospitals:
                # By organisation number: a hospital's key may be its town's too (Hammerfest).
                hospital = Organization.objects.get(orgnr=synthetic_orgnr(orgnr_seed))
                for department, name, code in [*demo.DEMO_WARDS,
                                               *demo.HOSPITAL_WARDS.get(hospital_key, [])]:
                    ward = Ward.objects.filter(hospital=hospital, code=code).first()
                    if ward is None:
                        ward = Ward.objects.create(
                            department=Department.objects.get_or_create(
                                hospital=hospital, name=department)[0],
                            name=name, code=code)
                    self.wards[hospital_key, code] = ward

    def seed_pathways(self):
        """A ward's worth of stays at UNN Tromsø, at different steps, relative to now."""
        now = timezone.now()
        planner, ke = self.users["planlegger.unn"], self.users["ke.tromso"]
        hospital = self.orgs["unn-tromso"]
        for key, ward, hours_ago, step in demo.ADMISSIONS:
            patient = self.patients[key]
            if patient.admissions.exists():
                continue
            admission = admit_patient(
                by=planner, patient=patient, hospital=hospital,
                ward=self.wards["unn-tromso", ward],
                admitted_at=now - datetime.timedelta(hours=hours_ago),
                reason=demo.ADMISSION_REASONS[key], needs_interdisciplinary_follow_up=True,
                is_rehabilitation_stay=step == "discharged",
                estimated_discharge_date=(now + datetime.timedelta(days=2)).date(),
            )
            if step == "admitted":
                continue
            notice = send_early_notification(
                admission, by=planner, expected_course=demo.EXPECTED_COURSE,
                functional_level="Trenger hjelp til forflytning.", barthel_index=45,
                modified_rankin=3, rehabilitation_need="Tverrfaglig rehabilitering.",
                proposed_level=ServiceLevel.objects.get(code="3"), next_of_kin_informed=True,
            )
            if step == "notified":
                continue
            acknowledge_early_notification(notice, by=ke)
            declaration = declare_ready_for_discharge(
                admission, by=planner, physician="Overlege Lise Lege",
                declared_at=now - datetime.timedelta(hours=26), health_information_sent=True)
            answer_ready_for_discharge(declaration, by=ke, kind=MunicipalAnswerKind.CANNOT_YET,
                                       expected_date=(now + datetime.timedelta(days=2)).date(),
                                       comment="Venter på plass i korttidsavdeling.")
            if step == "ready":
                schedule_discharge_meeting(
                    admission, by=planner, location="UNN Tromsø, møterom 5",
                    scheduled_at=(now + datetime.timedelta(days=1)).replace(
                        minute=0, second=0, microsecond=0),
                    participants=[{"kind": ParticipantKind.COORDINATING_UNIT, "user": ke}])
                continue
            discharge_patient(admission, by=planner,
                              destination=DischargeDestination.MUNICIPAL_REHABILITATION,
                              discharge_level=ServiceLevel.objects.get(code="2"),
                              interdisciplinary_report_ready=True, epicrisis_ready=True)

    def seed_home_rehabilitation(self):
        """One stroke patient in early supported discharge (demo.HOME_REHABILITATION), with
        the team's assessment done and visits of both sides coming; left alone once the
        patient has an enrolment, whatever the demo users did with it since."""
        key, code, activities = demo.HOME_REHABILITATION
        patient = self.patients[key]
        admission = patient.admissions.filter(hospital=self.orgs["unn-tromso"]).order_by(
            "-admitted_at").first()
        variant = PathwayVariant.objects.filter(code=code).first()
        if (admission is None or variant is None
                or PathwayEnrolment.objects.filter(admission__patient=patient).exists()):
            return
        now = timezone.now()
        sides = {"hospital_team": self.users["planlegger.unn"],
                 "municipality": self.users["ke.tromso"]}
        enrolment = home_rehabilitation.enrol(
            admission, by=sides["hospital_team"], variant=variant,
            started_at=max(admission.admitted_at, now - datetime.timedelta(hours=2)))
        kinds = {kind.code: kind for kind in variant.activity_kinds.all()}
        for activity_code, hours, done, note in activities:
            kind = kinds[activity_code]
            activity = home_rehabilitation.schedule_activity(
                enrolment, by=sides[kind.side], kind=kind, note=note,
                scheduled_at=(now + datetime.timedelta(hours=hours)).replace(
                    minute=0, second=0, microsecond=0))
            if done:
                home_rehabilitation.record_activity(
                    activity, by=sides[kind.side], expected_version=activity.version,
                    status="done", done_at=now - datetime.timedelta(minutes=30))

    # -- output --------------------------------------------------------------------------
    def print_summary(self):
        write = self.stdout.write
        if not User.objects.filter(username=demo.SUPERUSER, is_superuser=True).exists():
            write("No demo data loaded: run `manage.py seed_demo` (`make run` does).")
            return
        names = {key: name for key, name, *_ in demo.MUNICIPALITIES}
        names.update({key: name for key, name, *_ in demo.PRIVATE_INSTITUTIONS})
        for key, name, _seed, hospitals in demo.HEALTH_TRUSTS:
            names[key] = name
            names.update({h_key: h_name for h_key, h_name, _ in hospitals})
        write("Demo users (published demo passwords, never use in production):")
        write(f"  {'user name':<20} {'password':<25} role @ organisation")
        write(f"  {demo.SUPERUSER:<20} {demo.demo_password(demo.SUPERUSER):<25} "
              "superuser (Django admin at /admin/)")
        for username, _first, _last, org_key, role, _ward in demo.DEMO_USERS:
            write(f"  {username:<20} {demo.demo_password(username):<25} "
                  f"{role} @ {names[org_key]}")
        # Demo users other apps add on demo_data_seeded (indicators' regional planner): by
        # the seed's address, @rehabportal.example.
        known = [demo.SUPERUSER, *(row[0] for row in demo.DEMO_USERS)]
        for membership in Membership.objects.filter(
                user__email__endswith="@rehabportal.example").exclude(
                user__username__in=known).select_related("user", "organization").order_by(
                "user__username", "pk"):
            username = membership.user.username
            write(f"  {username:<20} {demo.demo_password(username):<25} "
                  f"{membership.role} @ {membership.organization.name}")
        write(f"Demo API key ({demo.API_CLIENT_NAME}):")
        write(f"  Authorization: Bearer {demo.API_KEY}")
