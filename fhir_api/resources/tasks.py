"""Task: three kinds, from the deadlines the sweeps watch, searched and paged as one type by
merging the three sources in one order."""

from functools import reduce
from operator import and_, or_

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from pathways.models import Admission, MunicipalAnswer, ReadyForDischarge
from pathways.models.admissions import OPEN_STATUSES
from referrals.models import Referral, ReferralStatus
from referrals.views.access import visible_referrals
from registry.models import AuditObjectType

from .. import mapping as m
from .. import paging
from ..outcome import invalid, not_found
from ..search import SearchParam, alternatives, date_filter, token
from .base import NONE, Handler, by_uuid, referring, unknown_parameter, uuids


class TaskHandler(Handler):
    """Three kinds of Task, from the deadlines the sweeps watch: the early notification due
    after admission (`notice-<Encounter id>`), the municipality's answer to a
    ready-for-discharge declaration (`answer-<declaration id>`) and the receiving unit's
    assessment of a referral (`referral-<ServiceRequest id>`)."""

    type, family, audit_type = "Task", "pathways", AuditObjectType.TASK
    status_map = {"requested": "requested", "completed": "completed", "failed": "failed",
                  "cancelled": "cancelled", "received": "received", "on-hold": "on-hold"}
    status_doc = ("requested (open), received (a referral being assessed), on-hold (more "
                  "information asked for), completed, failed (the admission ended without a "
                  "notice), cancelled (the declaration was withdrawn, or the referral before a "
                  "decision).")
    CODES = {"send-early-notification": m.NOTICE_TASK,
             "answer-ready-for-discharge": m.ANSWER_TASK, "assess-referral": m.REFERRAL_TASK}

    def extra_params(self):
        return [SearchParam("code", "token", f"{m.TASK_CODE_SYSTEM}|send-early-notification, "
                                             "|answer-ready-for-discharge or |assess-referral.")]

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

    def referrals(self, user):
        return visible_referrals(user).select_related("patient", "receiver", "referrer",
                                                      "admission")

    def sources(self, user) -> dict:
        """Each kind's rows the user may see."""
        return {m.NOTICE_TASK: self.notices(user), m.ANSWER_TASK: self.answers(user),
                m.REFERRAL_TASK: self.referrals(user)}

    def _conditions(self, kind: str, params) -> Q:
        conditions = [self._condition(kind, name, value) for name, value in params]
        return reduce(and_, conditions, Q())

    def _condition(self, kind: str, name: str, value: str) -> Q:
        patient = "admission__patient" if kind == m.ANSWER_TASK else "patient"
        if name == "_id":
            keys = []
            for part in alternatives(value):
                prefix, _dash, rest = part.partition("-")
                if prefix == kind:
                    keys.extend(uuids(rest))
            return Q(uuid__in=keys)
        if name == "_lastUpdated":
            return date_filter(self.CHANGED[kind], value, name)
        if name == "patient":
            return referring(patient, value, "Patient", name)
        if name == "status":
            wanted = set(self.status_values(value))
            return reduce(or_, (self._status(kind, code) for code in wanted), NONE)
        if name == "code":
            wanted = set()
            for part in alternatives(value):
                system, code = token(part)
                if system not in (None, "", m.TASK_CODE_SYSTEM) or code not in self.CODES:
                    raise invalid(_("%(name)s: unknown task code %(code)r.") % {
                        "name": name, "code": part}, name)
                wanted.add(self.CODES[code])
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
        if kind == m.REFERRAL_TASK:  # mapping.referral_task_status
            withdrawn = Q(status=ReferralStatus.WITHDRAWN)
            return {
                "received": Q(status=ReferralStatus.RECEIVED),
                "on-hold": Q(status=ReferralStatus.INFORMATION_REQUESTED),
                "cancelled": withdrawn & Q(decided_at__isnull=True),
                "completed": Q(status__in=(ReferralStatus.ACCEPTED, ReferralStatus.STARTED,
                                           ReferralStatus.FORWARDED, ReferralStatus.DECLINED))
                | (withdrawn & Q(decided_at__isnull=False)),
            }.get(code, NONE)
        answered = Exists(MunicipalAnswer.objects.filter(declaration=OuterRef("pk")))
        return {
            "cancelled": Q(withdrawn_at__isnull=False),
            "completed": Q(answered, withdrawn_at__isnull=True),
            "requested": Q(~Q(answered), withdrawn_at__isnull=True),
        }.get(code, NONE)

    def get(self, user, resource_id):
        kind, _dash, rest = resource_id.partition("-")
        source = {m.NOTICE_TASK: self.notices, m.ANSWER_TASK: self.answers,
                  m.REFERRAL_TASK: self.referrals}.get(kind)
        if source is None:
            raise not_found()
        return by_uuid(source(user), rest)

    # The merged order: (last updated, kind, uuid), descending. Each source is read in that
    # order from the cursor on, a page and one row at most, and they are merged.
    CHANGED = {m.NOTICE_TASK: "updated_at", m.ANSWER_TASK: "fhir_last_updated",
               m.REFERRAL_TASK: "updated_at"}
    # The kinds whose order is their model's own columns (a row comparison an index serves).
    MODELS = {m.NOTICE_TASK: Admission, m.REFERRAL_TASK: Referral}

    def page(self, user, params, page):
        sources = {kind: queryset.filter(self._conditions(kind, params))
                   for kind, queryset in self.sources(user).items()}
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

    def kind_of(self, obj) -> str:
        if isinstance(obj, Admission):
            return m.NOTICE_TASK
        return m.REFERRAL_TASK if isinstance(obj, Referral) else m.ANSWER_TASK

    def key_of(self, obj):
        kind = self.kind_of(obj)
        return (getattr(obj, self.CHANGED[kind]), kind, obj.uuid)

    def _position(self, values: list) -> tuple:
        if len(values) != 3 or not isinstance(values[1], str) or values[1] not in self.CHANGED:
            raise paging.bad_cursor()
        changed_at, row_uuid = paging.position(Admission, ("updated_at", "uuid"),
                                               [values[0], values[2]])
        return changed_at, values[1], row_uuid

    def _beyond(self, kind: str, key: tuple, *, backward: bool) -> Q:
        """The rows of one source after the key (before it when backward): within the
        cursor's kind by time and uuid (the admissions' row comparison reads their sync
        index), in the other kinds by time alone, ties going to the greater kind."""
        changed_at, cursor_kind, row_uuid = key
        if kind == cursor_kind:
            if kind in self.MODELS:
                return paging.beyond(self.MODELS[kind], ("updated_at", "uuid"),
                                     (changed_at, row_uuid), backward=backward)
            lookup = "gt" if backward else "lt"
            return Q(**{f"fhir_last_updated__{lookup}": changed_at}) | Q(
                fhir_last_updated=changed_at, **{f"uuid__{lookup}": row_uuid})
        strict = kind < cursor_kind if backward else kind > cursor_kind
        lookup = ("gt" if backward else "lt") + ("" if strict else "e")
        return Q(**{f"{self.CHANGED[kind]}__{lookup}": changed_at})

    def id_of(self, obj):
        return {m.NOTICE_TASK: m.notice_task_id, m.ANSWER_TASK: m.answer_task_id,
                m.REFERRAL_TASK: m.referral_task_id}[self.kind_of(obj)](obj)

    def to_fhir(self, obj):
        return {m.NOTICE_TASK: m.notice_task, m.ANSWER_TASK: m.answer_task,
                m.REFERRAL_TASK: m.referral_task}[self.kind_of(obj)](obj)

    def patient_of(self, obj):
        return obj.admission.patient if self.kind_of(obj) == m.ANSWER_TASK else obj.patient
