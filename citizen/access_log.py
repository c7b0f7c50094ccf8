"""The patient's access log in plain words (innsyn i logg, pasientjournalloven § 22 and
helsenorge's "Innsyn i logg"): for each audit event of the patient, who (the organisation,
the person's role and name; "You" for the patient's own; a representative by name and what
they are to the patient), what ("read your plan", "changed a goal": never an internal code)
and how (the channel). describe() reads a page's events with two more queries whatever
their number."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from pathways.models import Citizen, Patient, Representation, RepresentationKind
from registry.models import AuditAction, AuditEvent, Role
from registry.models import AuditObjectType as T

A = AuditAction

# What an event is about, as the object of a sentence ("read %(thing)s").
THINGS = {
    T.PATIENT: gettext_lazy("your personal details"),
    T.NEXT_OF_KIN: gettext_lazy("information about your next of kin"),
    T.CARE_RELATIONSHIP: gettext_lazy("who has access to your data"),
    T.ADMISSION: gettext_lazy("your hospital stay"),
    T.EARLY_NOTIFICATION: gettext_lazy("the hospital's early notice to the municipality"),
    T.READY_FOR_DISCHARGE: gettext_lazy("the message that you were ready to leave hospital"),
    T.MUNICIPAL_ANSWER: gettext_lazy("the municipality's answer to the hospital"),
    T.DISCHARGE_MEETING: gettext_lazy("a meeting about leaving hospital"),
    T.MEETING_PARTICIPANT: gettext_lazy("who is invited to a meeting"),
    T.FOLLOW_UP_TASK: gettext_lazy("a follow-up task after a meeting"),
    T.TASK: gettext_lazy("a message between the hospital and the municipality"),
    T.PLAN_REQUEST: gettext_lazy("a request for an individual plan"),
    T.INDIVIDUAL_PLAN: gettext_lazy("your plan"),
    T.LEGACY_INDIVIDUAL_PLAN: gettext_lazy("your plan"),
    T.GOAL: gettext_lazy("a goal"),
    T.MEASURE: gettext_lazy("a measure in your plan"),
    T.EVALUATION: gettext_lazy("an evaluation of your plan"),
    T.CONSENT: gettext_lazy("your consents"),
    T.PLAN_PARTICIPANT: gettext_lazy("your responsible group"),
    T.COORDINATOR: gettext_lazy("information about your coordinator"),
    T.COORDINATOR_ASSIGNMENT: gettext_lazy("information about your coordinator"),
    T.REPRESENTATION: gettext_lazy("who may act for you"),
    T.GOAL_PROPOSAL: gettext_lazy("a proposed wording of a goal"),
    T.MEASURE_COMMENT: gettext_lazy("a comment on a measure"),
    T.SELF_REPORT: gettext_lazy("your self-report"),
    T.PLAN_MESSAGE: gettext_lazy("your messages"),
    T.PATHWAY: gettext_lazy("your pathway (hospital stays and meetings)"),
    T.NEEDS_ASSESSMENT: gettext_lazy("an assessment of your need for rehabilitation"),
    T.REFERRAL: gettext_lazy("a referral for rehabilitation"),
    T.PLO_MESSAGE: gettext_lazy("a message about you between the hospital's and the "
                                "municipality's record systems"),
    T.ADMISSION_REPORT: gettext_lazy("the municipality's report to the hospital when you "
                                     "were admitted"),
    T.DISCHARGE_REPORT: gettext_lazy("the hospital's report to the municipality when you "
                                     "were discharged"),
    T.PATHWAY_ENROLMENT: gettext_lazy("your plan of rehabilitation at home"),
    T.PATHWAY_ACTIVITY: gettext_lazy("a visit of the home rehabilitation team"),
    T.PATHWAY_QUESTION: gettext_lazy("a question about you between the hospital and the "
                                     "municipality"),
    T.ACCESS_LOG: gettext_lazy("your access log"),
}

VERBS = {
    A.VIEW: gettext_lazy("read %(thing)s"),
    A.CREATE: gettext_lazy("added %(thing)s"),
    A.UPDATE: gettext_lazy("changed %(thing)s"),
    A.DELETE: gettext_lazy("removed %(thing)s"),
    A.EXPORT: gettext_lazy("downloaded %(thing)s"),
    A.PRINT: gettext_lazy("printed %(thing)s"),
    A.SEARCH: gettext_lazy("searched for %(thing)s"),
}

# Where "verb + thing" would read oddly.
SENTENCES = {
    (A.SEARCH, T.PATIENT): gettext_lazy("found you in a search"),
    (A.CREATE, T.PATIENT): gettext_lazy("registered you as a patient"),
    (A.CREATE, T.CARE_RELATIONSHIP): gettext_lazy("got access to your data"),
    (A.UPDATE, T.CARE_RELATIONSHIP): gettext_lazy("ended or changed access to your data"),
    (A.CREATE, T.INDIVIDUAL_PLAN): gettext_lazy("made your plan"),
    (A.CREATE, T.DISCHARGE_MEETING): gettext_lazy("called a meeting about leaving hospital"),
    (A.CREATE, T.MEETING_PARTICIPANT): gettext_lazy("invited someone to a meeting"),
    (A.CREATE, T.CONSENT): gettext_lazy("recorded a consent"),
    (A.UPDATE, T.CONSENT): gettext_lazy("withdrew a consent"),
    (A.CREATE, T.REPRESENTATION): gettext_lazy("gave someone access to your page"),
    (A.UPDATE, T.REPRESENTATION): gettext_lazy("ended or changed someone's access to your page"),
    (A.CREATE, T.PLAN_MESSAGE): gettext_lazy("sent a message"),
    (A.CREATE, T.SELF_REPORT): gettext_lazy("answered your self-report"),
    (A.UPDATE, T.SELF_REPORT): gettext_lazy("changed your self-report"),
    (A.CREATE, T.CITIZEN): gettext_lazy("signed in for the first time"),
    (A.VIEW, T.CITIZEN_HOME): gettext_lazy("opened your page"),
    (A.VIEW, T.KE_INBOX): gettext_lazy("saw you in the coordinating unit's inbox"),
    (A.VIEW, T.KE_INBOX_ARCHIVE): gettext_lazy("saw you in the coordinating unit's archive"),
    (A.VIEW, T.KE_OVERVIEW): gettext_lazy("saw you in the coordinating unit's overview"),
    (A.VIEW, T.MY_PLANS): gettext_lazy("saw you in their list of plans"),
    (A.VIEW, T.WARD_BOARD): gettext_lazy("saw you on the ward's board"),
    (A.CREATE, T.REFERRAL): gettext_lazy("referred you for rehabilitation"),
    (A.VIEW, T.REFERRAL_INBOX): gettext_lazy("saw you among the referrals to assess"),
    (A.VIEW, T.WAITING_LIST): gettext_lazy("saw you on a waiting list"),
}

FALLBACKS = {
    A.VIEW: gettext_lazy("read your data"),
    A.CREATE: gettext_lazy("added to your data"),
    A.UPDATE: gettext_lazy("changed your data"),
    A.DELETE: gettext_lazy("removed some of your data"),
    A.EXPORT: gettext_lazy("downloaded your data"),
    A.PRINT: gettext_lazy("printed your data"),
    A.SEARCH: gettext_lazy("searched for you"),
}

CHANNELS = {
    "web": gettext_lazy("The staff portal"),
    "api": gettext_lazy("A record system (EPJ)"),
    "task": gettext_lazy("Automatically"),
    "cli": gettext_lazy("By an administrator"),
    "citizen": gettext_lazy("My page"),
}

# A staff member's role, in words a patient knows (the staff pages' labels are jargon).
ROLES = {
    Role.KE_STAFF: gettext_lazy("coordinating unit"),
    Role.DISCHARGE_PLANNER: gettext_lazy("hospital staff planning discharge"),
    Role.COORDINATOR: gettext_lazy("coordinator"),
    Role.ORG_ADMIN: gettext_lazy("administrator"),
    Role.REGIONAL_PLANNER: gettext_lazy("analyst"),
    Role.GP: pgettext_lazy("the patient's access log", "GP"),
    Role.REFERRAL_ASSESSOR: gettext_lazy("assessing referrals"),
    Role.UNIT_LEAD: gettext_lazy("head of the unit"),
}

# What a representative is to the patient, in a few words.
REPRESENTATIVE = {
    RepresentationKind.NEXT_OF_KIN: gettext_lazy("next of kin"),
    RepresentationKind.PARENT: gettext_lazy("parent"),
    RepresentationKind.GUARDIAN: gettext_lazy("guardian"),
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    what: str
    how: str
    by_me: bool


def sentence(action: str, object_type: str) -> str:
    special = SENTENCES.get((action, object_type))
    if special is not None:
        return str(special)
    thing = THINGS.get(object_type)
    if thing is not None and action in VERBS:
        return str(VERBS[action]) % {"thing": thing}
    fallback = FALLBACKS.get(action)
    return str(fallback) if fallback is not None else _("used your data")


def describe(events: list[AuditEvent], *, patient: Patient, viewer) -> list[Entry]:
    """The page's events in plain words (events read with their organisation)."""
    user_ids = {e.user_id for e in events if e.user_id is not None and e.user_id != viewer.pk}
    citizens = dict(Citizen.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "identity_number")) if user_ids else {}
    kinds = {}
    if citizens:
        for number, kind in Representation.objects.filter(
                patient=patient, representative_identity_number__in=set(citizens.values())
        ).order_by("valid_from").values_list("representative_identity_number", "kind"):
            kinds[number] = kind
    entries = []
    for event in events:
        by_me = event.user_id is not None and event.user_id == viewer.pk
        if by_me or citizens.get(event.user_id) == patient.identity_number:
            who = _("You yourself")
        elif event.user_id in citizens:
            kind = kinds.get(citizens[event.user_id])
            what_to_you = REPRESENTATIVE.get(kind) or _("acting for you")
            who = f"{event.user_display or _('Someone')} ({what_to_you})"
        elif event.user_id is None:
            who = _("The system (automatic)")
        elif event.role == Role.API_CLIENT:
            who = _("The record system of %(org)s") % {
                "org": event.organization.name if event.organization else _("an organisation")}
        else:
            parts = [event.user_display or _("Someone")]
            if event.role:
                parts.append(str(ROLES.get(event.role, "")))
            if event.organization is not None:
                parts.append(event.organization.name)
            who = ", ".join(part for part in parts if part)
        entries.append(Entry(at=event.at, who=who, by_me=by_me,
                             what=sentence(event.action, event.object_type),
                             how=str(CHANNELS.get(event.via, ""))))
    return entries
