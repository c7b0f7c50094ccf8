"""One handler per resource type: which rows the user may see (the models' visible_to),
how to search them, how to map them, and how reads are audited."""

import uuid
from functools import reduce
from operator import and_, attrgetter

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from coordination.models import Goal, IndividualPlan, Measure, PlanParticipant
from pathways import access
from pathways.identity import parse_identity_number
from pathways.models import (
    Admission,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MunicipalAnswer,
    Patient,
    ReadyForDischarge,
)
from pathways.models.admissions import OPEN_STATUSES
from registry import audit
from registry.models import AuditAction, AuditObjectType, Organization

from . import mapping as m
from . import paging
from .outcome import invalid, not_found
from .search import SearchParam, alternatives, date_filter, reference_uuids, token

NONE = Q(pk__in=[])

ID = SearchParam("_id", "token", "The logical id.")
LAST_UPDATED = SearchParam("_lastUpdated", "date", "When the resource last changed "
                           "(eq, ne, gt, ge, lt, le; a date is that day in Europe/Oslo).")
PATIENT = SearchParam("patient", "reference", "Patient/<id> or <id>; comma-separated for any "
                      "of several.")


def unknown_parameter(name: str, resource_type: str):
    return invalid(_("Unknown search parameter %(name)r for %(type)s.") % {
        "name": name, "type": resource_type}, name)


def _uuids(value: str) -> list[uuid.UUID]:
    found = []
    for part in alternatives(value):
        try:
            found.append(uuid.UUID(part))
        except ValueError:
            continue
    return found


def _referring(path: str, value: str, resource_type: str, name: str) -> Q:
    """The rows whose `path` leads to one of the resources a reference parameter names."""
    return Q(**{f"{path}__uuid__in": reference_uuids(value, resource_type, name)})


class Handler:
    """A resource type over one model."""

    type = ""
    family = ""  # the API client scope family
    audit_type: str | None = None  # None: not patient data, reads are not audited
    last_updated = "updated_at"
    # The searchset's order, descending: the last-updated time, then a unique tie-breaker
    # (an index on these columns serves it; see fhir_api/paging.py).
    order: tuple[str, ...] = ("updated_at", "uuid")
    patient_path: str | None = "patient"
    status_param: str | None = "status"
    status_map: dict | None = None
    status_doc = ""
    identifier_doc = ""
    # Search parameters naming the resource a row belongs to: {name: (its type, the path to
    # its row, what the parameter finds)}.
    references: dict[str, tuple[str, str, str]] = {}
    create = False

    def base(self, user):
        raise NotImplementedError

    def to_fhir(self, obj) -> dict:
        raise NotImplementedError

    def patient_of(self, obj) -> Patient:
        """The resource's patient, along patient_path (the patient search's)."""
        return attrgetter(self.patient_path.replace("__", "."))(obj)

    def id_of(self, obj) -> str:
        return str(obj.uuid)

    # -- reading --------------------------------------------------------------------------

    def get(self, user, resource_id: str):
        try:
            key = uuid.UUID(resource_id)
        except ValueError as exc:
            raise not_found() from exc
        obj = self.base(user).filter(uuid=key).first()
        if obj is None:
            raise not_found()
        return obj

    # -- searching ------------------------------------------------------------------------

    def search_params(self) -> list[SearchParam]:
        params = [ID, LAST_UPDATED]
        if self.patient_path:
            params.append(PATIENT)
        if self.status_param:
            codes = ", ".join(sorted(set(self.status_map.values())))
            params.append(SearchParam(self.status_param, "token",
                                      self.status_doc or f"The status: {codes}."))
        if self.identifier_doc:
            params.append(SearchParam("identifier", "token", self.identifier_doc))
        params += [SearchParam(name, "reference", doc)
                   for name, (_type, _path, doc) in self.references.items()]
        return params + self.extra_params()

    def extra_params(self) -> list[SearchParam]:
        return []

    def status_values(self, value: str) -> list:
        reverse: dict[str, list] = {}
        for model_value, code in self.status_map.items():
            reverse.setdefault(code, []).append(model_value)
        values = []
        for code in alternatives(value):
            if code not in reverse:
                raise invalid(_("%(name)s: unknown code %(code)r; use one of %(codes)s.") % {
                    "name": self.status_param, "code": code,
                    "codes": ", ".join(sorted(reverse))}, self.status_param)
            values.extend(reverse[code])
        return values

    def condition(self, name: str, value: str) -> Q:
        """The filter for one occurrence of a parameter (occurrences are ANDed)."""
        if name == "_id":
            return Q(uuid__in=_uuids(value))
        if name == "_lastUpdated":
            return date_filter(self.last_updated, value, name)
        if name == "patient" and self.patient_path:
            return _referring(self.patient_path, value, "Patient", name)
        if name in self.references:
            resource_type, path, _doc = self.references[name]
            return _referring(path, value, resource_type, name)
        if name == self.status_param and self.status_param:
            return self.status_condition(self.status_values(value))
        if name == "identifier" and self.identifier_doc:
            return reduce(lambda a, b: a | b,
                          (self.identifier_condition(*token(v)) for v in alternatives(value)))
        raise unknown_parameter(name, self.type)

    def status_condition(self, values: list) -> Q:
        return Q(status__in=values)

    def identifier_condition(self, system: str | None, value: str) -> Q:
        return NONE

    def filtered(self, user, params: list[tuple[str, str]]):
        conditions = [self.condition(name, value) for name, value in params]
        queryset = self.base(user)
        if conditions:
            queryset = queryset.filter(reduce(and_, conditions))
        return queryset

    def page(self, user, params, page: paging.Paging) -> paging.Page:
        return paging.fetch(self.filtered(user, params), self.order, page)

    def key_of(self, obj) -> tuple:
        """The entry's place in the order, for the cursor of the links."""
        return paging.key_of(obj, self.order)

    def audit(self, user, objects: list, detail: str) -> None:
        """Every read of patient data: one event per resource, as in every channel
        (access.audit_reads), named by its FHIR id."""
        if self.audit_type and objects:
            access.audit_reads(user, objects, object_type=self.audit_type,
                               patient_of=self.patient_of, detail=detail,
                               object_id_of=self.id_of)

    def audit_search(self, user, detail: str) -> None:
        """A search of patient data that returned nothing: logged all the same, without the
        values searched for (they can be identity numbers)."""
        if self.audit_type:
            audit.record(user, AuditAction.SEARCH, self.audit_type, detail=detail)


class PatientHandler(Handler):
    type, family, audit_type = "Patient", "patients", AuditObjectType.PATIENT
    patient_path = None
    status_param = None
    identifier_doc = ("system|value: fødselsnummer (urn:oid:2.16.578.1.12.4.1.4.1) or D-number "
                      "(urn:oid:2.16.578.1.12.4.1.4.2). Send it with POST Patient/_search "
                      "(form-encoded) so that the number stays out of URLs and access logs.")

    def base(self, user):
        return Patient.objects.visible_to(user).select_related("municipality")

    def identifier_condition(self, system, value):
        # As the REST API's search: a number that cannot be one (a mistyped check digit) is a
        # 400 saying what is wrong, not an empty result the client takes for "not here".
        try:
            number = parse_identity_number(value).number
        except ValidationError as exc:
            raise invalid(f"identifier: {' '.join(exc.messages)}", "identifier") from exc
        kind = "dnr" if int(number[:2]) > 40 else "fnr"
        if system and system != m.PATIENT_SYSTEMS[kind]:
            return NONE
        return Q(identity_number=number)

    def to_fhir(self, obj):
        return m.patient(obj)

    def patient_of(self, obj):
        return obj


class OrganizationHandler(Handler):
    type, family = "Organization", "registry"
    patient_path = None
    status_param = None
    identifier_doc = (f"system|value: organisation number ({m.ORGNR_SYSTEM}), HER-id "
                      f"({m.HER_SYSTEM}) or municipality number ({m.MUNICIPALITY_SYSTEM}).")
    FIELDS = {m.ORGNR_SYSTEM: "orgnr", m.HER_SYSTEM: "her_id",
              m.MUNICIPALITY_SYSTEM: "municipality_number"}

    def base(self, user):
        # The registry is public to every signed-in user and client, as in the REST API.
        return Organization.objects.select_related("parent")

    def identifier_condition(self, system, value):
        if system:
            field = self.FIELDS.get(system)
            if field is None:
                return NONE
            return Q(**{field: value}) if value else ~Q(**{field: ""})
        if not value:
            return NONE
        return reduce(lambda a, b: a | b, (Q(**{f: value}) for f in self.FIELDS.values()))

    def to_fhir(self, obj):
        return m.organization(obj)


class EncounterHandler(Handler):
    type, family, audit_type = "Encounter", "pathways", AuditObjectType.ADMISSION
    status_map = m.ENCOUNTER_STATUS
    create = True

    def base(self, user):
        return (Admission.objects.visible_to(user)
                .select_related("patient", "hospital", "discharge_level"))

    def to_fhir(self, obj):
        return m.encounter(obj)


class CommunicationHandler(Handler):
    type, family, audit_type = "Communication", "pathways", AuditObjectType.EARLY_NOTIFICATION
    status_map = m.COMMUNICATION_STATUS
    patient_path = "admission__patient"
    create = True
    references = {"encounter": ("Encounter", "admission",
                                "Encounter/<id>: the admission's notices.")}

    def base(self, user):
        return (EarlyNotification.objects.visible_to(user)
                .select_related("admission__patient", "admission__hospital",
                                "admission__municipality", "proposed_level"))

    def status_condition(self, values):
        return Q(state__in=values)

    def to_fhir(self, obj):
        return m.communication(obj)


class AppointmentHandler(Handler):
    type, family, audit_type = "Appointment", "pathways", AuditObjectType.DISCHARGE_MEETING
    status_map = m.APPOINTMENT_STATUS
    patient_path = "admission__patient"

    def base(self, user):
        return (DischargeMeeting.objects.visible_to(user)
                .select_related("admission__patient", "organizer")
                .prefetch_related(Prefetch("participants",
                                           queryset=MeetingParticipant.objects.select_related(
                                               "organization"))))

    def to_fhir(self, obj):
        return m.appointment(obj)


class AppointmentResponseHandler(Handler):
    type, family = "AppointmentResponse", "pathways"
    audit_type = AuditObjectType.MEETING_PARTICIPANT
    status_param = "part-status"
    status_map = m.PARTICIPATION_STATUS
    patient_path = "meeting__admission__patient"
    last_updated = "meeting__updated_at"
    references = {"appointment": ("Appointment", "meeting",
                                  "Appointment/<id>: the answers to one meeting's invitation.")}
    # The meeting's sync index in a join, then the answers of one meeting.
    order = ("meeting__updated_at", "meeting__uuid", "uuid")

    def base(self, user):
        return (MeetingParticipant.objects
                .filter(meeting__in=DischargeMeeting.objects.visible_to(user))
                .select_related("meeting__admission__patient", "organization"))

    def to_fhir(self, obj):
        return m.appointment_response(obj)


class CarePlanHandler(Handler):
    type, family, audit_type = "CarePlan", "coordination", AuditObjectType.INDIVIDUAL_PLAN
    status_map = m.CAREPLAN_STATUS

    def base(self, user):
        return (IndividualPlan.objects.visible_to(user)
                .select_related("patient", "municipality")
                .prefetch_related(
                    Prefetch("goals", queryset=Goal.objects.order_by("position", "pk")),
                    Prefetch("measures", queryset=Measure.objects.select_related(
                        "service__level", "responsible_organization", "goal"))))

    def to_fhir(self, obj):
        return m.care_plan(obj)


class CareTeamHandler(CarePlanHandler):
    type, audit_type = "CareTeam", AuditObjectType.INDIVIDUAL_PLAN
    status_map = m.CARETEAM_STATUS

    def base(self, user):
        return (IndividualPlan.objects.visible_to(user)
                .select_related("patient", "municipality", "coordinator__user",
                                "coordinator__organization")
                .prefetch_related(Prefetch(
                    "participants", queryset=PlanParticipant.objects.select_related(
                        "organization"))))

    def to_fhir(self, obj):
        return m.care_team(obj)


class GoalHandler(Handler):
    type, family, audit_type = "Goal", "coordination", AuditObjectType.GOAL
    status_param = "lifecycle-status"
    status_map = m.GOAL_LIFECYCLE
    patient_path = "plan__patient"
    last_updated = "plan__updated_at"
    order = ("plan__updated_at", "plan__uuid", "uuid")

    def base(self, user):
        return (Goal.objects.filter(plan__in=IndividualPlan.objects.visible_to(user))
                .select_related("plan__patient"))

    def to_fhir(self, obj):
        return m.goal(obj)


class TaskHandler(Handler):
    """Two kinds of Task, from the deadlines the sweeps watch: the early notification due
    after admission (`notice-<Encounter id>`) and the municipality's answer to a
    ready-for-discharge declaration (`answer-<declaration id>`)."""

    type, family, audit_type = "Task", "pathways", AuditObjectType.TASK
    status_map = {"requested": "requested", "completed": "completed", "failed": "failed",
                  "cancelled": "cancelled"}
    status_doc = ("requested (open), completed, failed (the admission ended without a "
                  "notice), cancelled (the declaration was withdrawn).")

    def extra_params(self):
        return [SearchParam("code", "token", f"{m.TASK_CODE_SYSTEM}|send-early-notification "
                                             "or |answer-ready-for-discharge.")]

    # Two sources, each with its own field paths.
    def notices(self, user):
        return (Admission.objects.visible_to(user)
                .select_related("patient", "hospital", "municipality"))

    def answers(self, user):
        last_answer = (MunicipalAnswer.objects.filter(declaration=OuterRef("pk"))
                       .order_by("-answered_at").values("answered_at")[:1])
        return (ReadyForDischarge.objects
                .filter(admission__in=Admission.objects.visible_to(user))
                .select_related("admission__patient", "admission__hospital",
                                "admission__municipality")
                .annotate(last_answered_at=Subquery(last_answer))
                .annotate(fhir_last_updated=Greatest(
                    "updated_at", Coalesce("last_answered_at", "updated_at"))))

    def _conditions(self, kind: str, params) -> Q:
        conditions = [self._condition(kind, name, value) for name, value in params]
        return reduce(and_, conditions, Q())

    def _condition(self, kind: str, name: str, value: str) -> Q:
        patient = "patient" if kind == m.NOTICE_TASK else "admission__patient"
        if name == "_id":
            keys = []
            for part in alternatives(value):
                prefix, _dash, rest = part.partition("-")
                if prefix == kind:
                    keys.extend(_uuids(rest))
            return Q(uuid__in=keys)
        if name == "_lastUpdated":
            field = "updated_at" if kind == m.NOTICE_TASK else "fhir_last_updated"
            return date_filter(field, value, name)
        if name == "patient":
            return _referring(patient, value, "Patient", name)
        if name == "status":
            wanted = set(self.status_values(value))
            return reduce(lambda a, b: a | b,
                          (self._status(kind, code) for code in wanted), NONE)
        if name == "code":
            codes = {"send-early-notification": m.NOTICE_TASK,
                     "answer-ready-for-discharge": m.ANSWER_TASK}
            wanted = set()
            for part in alternatives(value):
                system, code = token(part)
                if system not in (None, "", m.TASK_CODE_SYSTEM) or code not in codes:
                    raise invalid(_("%(name)s: unknown task code %(code)r.") % {
                        "name": name, "code": part}, name)
                wanted.add(codes[code])
            return Q() if kind in wanted else NONE
        raise unknown_parameter(name, "Task")

    def _status(self, kind: str, code: str) -> Q:
        if kind == m.NOTICE_TASK:
            return {
                "completed": Q(first_notification_sent_at__isnull=False),
                "failed": Q(first_notification_sent_at__isnull=True)
                & ~Q(status__in=OPEN_STATUSES),
                "requested": Q(first_notification_sent_at__isnull=True,
                               status__in=OPEN_STATUSES),
            }.get(code, NONE)
        answered = Exists(MunicipalAnswer.objects.filter(declaration=OuterRef("pk")))
        return {
            "cancelled": Q(withdrawn_at__isnull=False),
            "completed": Q(answered, withdrawn_at__isnull=True),
            "requested": Q(~Q(answered), withdrawn_at__isnull=True),
        }.get(code, NONE)

    def get(self, user, resource_id):
        kind, _dash, rest = resource_id.partition("-")
        try:
            key = uuid.UUID(rest)
        except ValueError as exc:
            raise not_found() from exc
        source = {m.NOTICE_TASK: self.notices, m.ANSWER_TASK: self.answers}.get(kind)
        obj = source(user).filter(uuid=key).first() if source else None
        if obj is None:
            raise not_found()
        return obj

    # The merged order: (last updated, kind, uuid), descending. Each source is read in that
    # order from the cursor on, a page and one row at most, and the two are merged.
    CHANGED = {m.NOTICE_TASK: "updated_at", m.ANSWER_TASK: "fhir_last_updated"}

    def page(self, user, params, page):
        sources = {
            m.NOTICE_TASK: self.notices(user).filter(self._conditions(m.NOTICE_TASK, params)),
            m.ANSWER_TASK: self.answers(user).filter(self._conditions(m.ANSWER_TASK, params)),
        }
        total = paging.bounded_total(*sources.values()) if page.counted else None
        if not page.count:
            return paging.Page([], total, False)
        key = self._position(page.cursor) if page.cursor is not None else None
        window = page.offset + page.count + 1
        sign = "" if page.backward else "-"
        rows = []
        for kind, queryset in sources.items():
            changed = self.CHANGED[kind]
            if key is not None:
                queryset = queryset.filter(self._beyond(kind, key, backward=page.backward))
            rows += queryset.order_by(f"{sign}{changed}", f"{sign}uuid")[:window]
        rows.sort(key=self.key_of, reverse=not page.backward)
        found = rows[page.offset:window]
        more = len(found) > page.count
        found = found[:page.count]
        return paging.Page(found[::-1] if page.backward else found, total, more)

    def key_of(self, obj):
        if isinstance(obj, Admission):
            return (obj.updated_at, m.NOTICE_TASK, obj.uuid)
        return (obj.fhir_last_updated, m.ANSWER_TASK, obj.uuid)

    def _position(self, values: list) -> tuple:
        if len(values) != 3 or not isinstance(values[1], str) or values[1] not in self.CHANGED:
            raise paging.bad_cursor()
        changed_at, row_uuid = paging.position(Admission, ("updated_at", "uuid"),
                                               [values[0], values[2]])
        return changed_at, values[1], row_uuid

    def _beyond(self, kind: str, key: tuple, *, backward: bool) -> Q:
        """The rows of one source after the key (before it when backward): within the
        cursor's kind by time and uuid (the admissions' row comparison reads their sync
        index), in the other kind by time alone, ties going to the greater kind."""
        changed_at, cursor_kind, row_uuid = key
        if kind == cursor_kind:
            if kind == m.NOTICE_TASK:
                return paging.beyond(Admission, ("updated_at", "uuid"), (changed_at, row_uuid),
                                     backward=backward)
            lookup = "gt" if backward else "lt"
            return Q(**{f"fhir_last_updated__{lookup}": changed_at}) | Q(
                fhir_last_updated=changed_at, **{f"uuid__{lookup}": row_uuid})
        strict = kind < cursor_kind if backward else kind > cursor_kind
        lookup = ("gt" if backward else "lt") + ("" if strict else "e")
        return Q(**{f"{self.CHANGED[kind]}__{lookup}": changed_at})

    def id_of(self, obj):
        if isinstance(obj, Admission):
            return m.notice_task_id(obj)
        return m.answer_task_id(obj)

    def to_fhir(self, obj):
        if isinstance(obj, Admission):
            return m.notice_task(obj)
        return m.answer_task(obj)

    def patient_of(self, obj):
        return obj.patient if isinstance(obj, Admission) else obj.admission.patient


HANDLERS = {handler.type: handler for handler in (
    PatientHandler(), OrganizationHandler(), EncounterHandler(), CommunicationHandler(),
    TaskHandler(), CarePlanHandler(), GoalHandler(), CareTeamHandler(), AppointmentHandler(),
    AppointmentResponseHandler(),
)}
