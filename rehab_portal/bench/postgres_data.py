"""Synthetic admissions on PostgreSQL: INSERT ... SELECT over generate_series."""

import time

from django.core.management.base import CommandError
from django.db import connection, models

from pathways.models import (
    Admission,
    CareRelationship,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MunicipalAnswer,
    Patient,
    ReadyForDischarge,
)
from registry.models import Notification

from .world import OPEN_ADMISSIONS, WARDS, World

# Loads of this many admissions or more drop the secondary indexes and build them after.
BULK_LOAD = 100_000


def _fill(model, given: dict[str, str]) -> tuple[str, str, dict]:
    """Column list and SELECT expressions for INSERT ... SELECT: the given expressions, and
    for any other NOT NULL column (a field added later) its default, so a new field does
    not break the benchmark."""
    columns, expressions, params = [], [], {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.column in given:
            columns.append(field.column)
            expressions.append(given[field.column])
        elif not field.null:
            if field.has_default() and not callable(field.default):
                value = field.default
            elif isinstance(field, models.CharField | models.TextField):
                value = ""
            else:
                raise CommandError(f"bench: no value for {model.__name__}.{field.name}")
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(value, connection)
            columns.append(field.column)
            expressions.append(f"%({key})s")
    return ", ".join(columns), ", ".join(expressions), params


TRACKED = {"uuid": "gen_random_uuid()", "created_at": "now()", "updated_at": "now()"}


class PostgresGenerator:
    """INSERT ... SELECT over generate_series: a million admissions in well under a minute.

    The first OPEN_ADMISSIONS admission numbers g are open (a fifth of them never notified,
    admitted in the last 40 hours: due reminders, alerts and escalations; the others notified,
    a fifth of them ready for discharge); every later one is history (admitted over five
    years, discharged, notified but for 1 %, and 1 % of those notices never acknowledged), a
    tenth of them rehabilitation stays. Notices, declarations, answers, meetings, the
    hospital's and the municipality's care relationships, and the KE's in-app notification
    of each notice follow the admissions.
    """

    def __init__(self, world: World):
        self.world = world
        self.count = 0
        self.timings = []

    def describe(self) -> str:
        totals: dict[str, float] = {}
        for name, seconds in self.timings:
            totals[name] = totals.get(name, 0) + seconds
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in totals.items())

    def insert(self, name: str, model, given: dict[str, str], tail: str, params: dict) -> None:
        """INSERT INTO <model's table> (...) SELECT <given expressions> <tail>."""
        columns, select, defaults = _fill(model, given)
        sql = f"INSERT INTO {model._meta.db_table} ({columns}) SELECT {select} {tail}"  # noqa: S608 - this module's constants
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, {**params, **defaults})
        self.timings.append((name, time.perf_counter() - started))

    def fill_to(self, size: int) -> None:
        if size <= self.count:
            return
        self.timings = []
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET work_mem = '64MB'")
            cursor.execute("SET maintenance_work_mem = '256MB'")
        if size - self.count < BULK_LOAD:
            self.load(size)
            return
        # A big load is faster into tables without their secondary indexes, built after.
        started = time.perf_counter()
        indexes = self.secondary_indexes()
        with connection.cursor() as cursor:
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        dropping = time.perf_counter() - started
        self.load(size)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
        self.timings.append(("indexes", dropping + time.perf_counter() - started))

    def secondary_indexes(self) -> list[tuple[str, str]]:
        """Indexes of the generated tables that back no constraint (unique and primary keys
        stay: the load's joins use them)."""
        tables = [m._meta.db_table for m in (Patient, Admission, EarlyNotification,
                                             ReadyForDischarge, MunicipalAnswer,
                                             DischargeMeeting, CareRelationship, Notification)]
        with connection.cursor() as cursor:
            cursor.execute("""
                SELECT c.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid::regclass::text = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                ORDER BY c.relname
            """, [tables])
            return cursor.fetchall()

    def load(self, size: int) -> None:
        """Admissions number self.count to size - 1, with the rows that follow them."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM pathways_admission")
            first_admission = cursor.fetchone()[0]
        world = self.world
        params = {
            "start": self.count, "end": size - 1, "hospitals": world.hospitals,
            "n_hospitals": len(world.hospitals), "municipalities": world.municipalities,
            "n_municipalities": len(world.municipalities), "wards": WARDS,
            # Each hospital's ward ids in turn, in the order of world.hospitals.
            "ward_ids": [ward for hospital in world.hospitals for ward in world.wards[hospital]],
            "first": first_admission, "ke": world.ke_staff,
            "planner": world.planners[world.hospitals[0]][0], "open": OPEN_ADMISSIONS,
            "ke_of": [world.ke_by_org[m][0] for m in world.municipalities],
        }
        for part in (self._patients, self._admissions, self._notices, self._relationships,
                     self._declarations, self._meetings):
            part(params)
        self.count = size

    def _patients(self, params: dict) -> None:
        """The synthetic patients, one per admission number g."""
        self.insert("patients", Patient, {
            **TRACKED, "identity_number": "'9' || lpad(g::text, 10, '0')",
            "given_name": "'Syntetisk'", "family_name": "'Pasient ' || g",
            "birth_date": "date '1930-01-01' + mod(g, 25000)",
            "municipality_id": "(%(municipalities)s::bigint[])[1 + mod(g, %(n_municipalities)s)]",
        }, "FROM generate_series(%(start)s, %(end)s) AS g", params)

    def _admissions(self, params: dict) -> None:
        """The admissions: the first OPEN_ADMISSIONS open, the rest history."""
        # One row per g with its random draws; `bucket` decides the share it belongs to.
        history = "bucket >= 10"
        self.insert("admissions", Admission, {
            **TRACKED, "patient_id": "p.id",
            "hospital_id": "(%(hospitals)s::bigint[])[1 + mod(g, %(n_hospitals)s)]",
            "municipality_id": "p.municipality_id",
            "ward_id": "(%(ward_ids)s::bigint[])[1 + mod(g, %(n_hospitals)s) * %(wards)s"
                       " + mod(g / %(n_hospitals)s, %(wards)s)]",
            "admitted_at": "admitted", "notification_deadline": "admitted + interval '24 hours'",
            "status": """CASE WHEN bucket < 8 THEN 'admitted'
                              WHEN bucket < 10 THEN 'ready_for_discharge'
                              WHEN r3 < 0.95 THEN 'discharged'
                              WHEN r3 < 0.98 THEN 'deceased' ELSE 'transferred' END""",
            "first_notification_sent_at": f"""CASE WHEN bucket < 2 THEN NULL
                              WHEN {history} AND r4 > 0.99 THEN NULL
                              ELSE least(now(), admitted + r4 * interval '30 hours') END""",
            "discharged_at": f"CASE WHEN {history} THEN admitted + (1 + r2 * 20) "
                             "* interval '1 day' END",
            "estimated_discharge_date": f"""CASE WHEN {history}
                              THEN (admitted + (1 + r2 * 20) * interval '1 day')::date
                              ELSE current_date + mod(g, 10) - 2 END""",
            "needs_interdisciplinary_follow_up": "mod(g, 5) = 0",
            "is_rehabilitation_stay": "mod(g, 10) = 3",
        }, """
            FROM (SELECT g, bucket, random() AS r2, random() AS r3, random() AS r4,
                         CASE WHEN bucket < 2 THEN now() - random() * interval '40 hours'
                              WHEN bucket < 10 THEN now() - random() * interval '10 days'
                              ELSE now() - interval '14 days' - random() * interval '5 years'
                         END AS admitted
                  FROM (SELECT g, CASE WHEN g < %(open)s THEN mod(g, 10)
                                       ELSE 10 + mod(g, 990) END AS bucket
                        FROM generate_series(%(start)s, %(end)s) AS g) AS b) AS s
            JOIN pathways_patient p ON p.identity_number = '9' || lpad(s.g::text, 10, '0')
        """, params)

    def _notices(self, params: dict) -> None:
        """One sent notice per notified admission, acknowledged but for a few."""
        self.insert("notices", EarlyNotification, {
            **TRACKED, "admission_id": "a.id", "municipality_id": "a.municipality_id",
            "sequence": "1", "message_status": "'new'",
            "state": "'sent'", "sent_at": "a.first_notification_sent_at",
            "sent_by_id": "%(planner)s",
            "late": "a.first_notification_sent_at > a.notification_deadline",
            "acknowledged_at": "a.acknowledged",
            "acknowledged_by_id": "CASE WHEN a.acknowledged IS NOT NULL THEN %(ke)s END",
        }, """
            FROM (SELECT a.*,
                         -- acknowledged, except a third of those sent in the last day
                         -- and one in a hundred of the past stays' (forgotten for good)
                         CASE WHEN a.first_notification_sent_at > now() - interval '24 hours'
                                   AND random() < 0.33 THEN NULL
                              WHEN a.discharged_at IS NOT NULL AND random() < 0.01 THEN NULL
                              ELSE least(now(), a.first_notification_sent_at
                                                + random() * interval '6 hours')
                         END AS acknowledged
                  FROM pathways_admission a
                  WHERE a.id > %(first)s AND a.first_notification_sent_at IS NOT NULL) AS a
        """, params)

    def _relationships(self, params: dict) -> None:
        """The care relationships admit_patient grants, and the KE's notice notifications."""
        # The hospital and the municipality see the patient from the admission on (as
        # admit_patient grants), and the KE got each notice in the portal (read once acknowledged).
        for name, organization in (("relationships", "a.hospital_id"),
                                   ("relationships", "a.municipality_id")):
            self.insert(name, CareRelationship, {
                "uuid": "gen_random_uuid()", "patient_id": "a.patient_id",
                "organization_id": organization, "reason": "'admission'",
                "valid_from": "a.admitted_at", "created_at": "now()",
            }, "FROM pathways_admission a WHERE a.id > %(first)s", params)
        self.insert("notifications", Notification, {
            "uuid": "gen_random_uuid()", "recipient_id": "k.ke", "kind": "'early_notification.new'",
            "channel": "'in_app'", "subject_type": "'earlynotification'", "subject_uuid": "n.uuid",
            "patient_uuid": "p.uuid", "title": "'Tidligmelding'", "url": "'/'",
            "created_at": "n.sent_at", "read_at": "n.acknowledged_at",
            "delivery_status": "'delivered'", "delivered_at": "n.sent_at",
        }, """
            FROM pathways_earlynotification n
            JOIN pathways_admission a ON a.id = n.admission_id
            JOIN pathways_patient p ON p.id = a.patient_id
            JOIN unnest(%(municipalities)s::bigint[], %(ke_of)s::bigint[]) AS k(org, ke)
              ON k.org = a.municipality_id
            WHERE a.id > %(first)s
        """, params)

    def _declarations(self, params: dict) -> None:
        """Ready-for-discharge declarations and the municipality's answers."""
        # Declarations: every open one ready for discharge (declared in the last 12 hours),
        # a quarter of the history (declared the day before discharge).
        self.insert("declarations", ReadyForDischarge, {
            **TRACKED, "admission_id": "a.id", "physician": "'Lege'",
            "declared_at": """CASE WHEN a.status = 'ready_for_discharge'
                                   THEN now() - random() * interval '12 hours'
                                   ELSE a.discharged_at - random() * interval '1 day' END""",
        }, """
            FROM pathways_admission a WHERE a.id > %(first)s AND
                 (a.status = 'ready_for_discharge'
                  OR (a.discharged_at IS NOT NULL AND mod(a.id, 4) = 0))
        """, params)
        # Answered: the history, and half of the open declarations.
        self.insert("answers", MunicipalAnswer, {
            "uuid": "gen_random_uuid()", "declaration_id": "d.id", "kind": "'can_receive'",
            "receive_on": "d.declared_at::date",
            "answered_at": "least(now(), d.declared_at + random() * interval '3 hours')",
            "answered_by_id": "%(ke)s",
        }, """
            FROM pathways_readyfordischarge d JOIN pathways_admission a ON a.id = d.admission_id
            WHERE a.id > %(first)s AND (a.status <> 'ready_for_discharge' OR mod(a.id, 2) = 0)
        """, params)

    def _meetings(self, params: dict) -> None:
        """Discharge meetings and their participants."""
        # Meetings: held with minutes for the history that needed them; for open admissions
        # that need one, a third scheduled ahead, a third past without minutes, a third none.
        self.insert("meetings", DischargeMeeting, {
            **TRACKED, "admission_id": "a.id", "organizer_id": "%(planner)s",
            "duration_minutes": "60", "location": "'Møterom 1'",
            "scheduled_at": """CASE WHEN a.discharged_at IS NOT NULL
                                    THEN a.discharged_at - interval '1 day'
                                    WHEN mod(a.id, 3) = 0
                                    THEN now() + random() * interval '3 days'
                                    ELSE now() - interval '1 hour'
                                         - random() * interval '3 days' END""",
            "status": "CASE WHEN a.discharged_at IS NOT NULL THEN 'held' ELSE 'scheduled' END",
            "minutes": "CASE WHEN a.discharged_at IS NOT NULL THEN 'Referat' ELSE '' END",
            "minutes_recorded_at": "CASE WHEN a.discharged_at IS NOT NULL "
                                   "THEN a.discharged_at - interval '20 hours' END",
        }, """
            FROM pathways_admission a
            WHERE a.id > %(first)s AND a.needs_interdisciplinary_follow_up
              AND (a.discharged_at IS NOT NULL
                   OR (a.status IN ('admitted', 'ready_for_discharge') AND mod(a.id, 3) <> 2))
        """, params)
        # Every meeting has its invitees, the held ones as the scheduled ones: the KE (who
        # accepted) and the GP (who answered once the meeting was held).
        meetings = """
            FROM pathways_dischargemeeting m
            WHERE m.admission_id > %(first)s
        """
        self.insert("participants", MeetingParticipant, {
            "uuid": "gen_random_uuid()", "meeting_id": "m.id", "kind": "'coordinating_unit'",
            "user_id": "%(ke)s", "name": "'KE'", "status": "'accepted'",
        }, meetings, params)
        self.insert("participants", MeetingParticipant, {
            "uuid": "gen_random_uuid()", "meeting_id": "m.id", "kind": "'gp'",
            "name": "'Fastlege'", "email": "'fastlege' || m.id || '@bench.example'",
            "status": "CASE WHEN m.status = 'held' THEN 'accepted' ELSE 'invited' END",
        }, meetings, params)
