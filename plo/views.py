"""The operator's PLO message log (issue 16): every message received or sent, newest first,
filtered by kind, status, direction, organisation and the patient's identity number, a page
at a time in a fixed number of queries; a message's page with its envelope, what became of
it, the message as stored and its AppRec; and two steps, process again and write the
receipt again. Who sees what is plo.access; a message's patient is named only to those who
may see the patient, and every read of a message with a patient is audited.

Identity numbers never travel in a URL: the filter form posts (a GET takes the other
filters, for links), and its pager is the form's own submit buttons."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from lxml import etree

from common.api.pagination import BoundedPaginator
from common.htmx import action_view, leave_for, render_page, run_action
from pathways.access import read_entries, with_grounds
from registry import audit
from registry.models import AuditAction, AuditObjectType, Organization

from . import channels as channel_rules
from . import xml
from .access import administered, get_visible_message, require_log, visible_messages
from .filters import PloMessageFilter
from .forms import NO_PLO, ChannelForm
from .models import Direction, MessageStatus
from .outbox import RESENDABLE, resend
from .services import reprocess
from .transports import transport

logger = logging.getLogger(__name__)

PER_PAGE = 50
COUNT_LIMIT = 5000
# A stored message is shown up to this many characters (the folder transport stores files up
# to 64 MiB, refused unread above 4 MiB): the rest is cut, and the page says so.
SHOWN_CHARACTERS = 200_000
REPROCESSABLE = (MessageStatus.REJECTED, MessageStatus.RECEIVED)


def _with_patient(queryset, user):
    """The rows with their parties and patient, and the grounds the user sees the patient on
    (with_grounds: none where the user may not see the patient), in the same query."""
    return with_grounds(queryset.select_related("sender", "receiver", "patient"), user)


def patient_shown(message) -> bool:
    """Whether the page may name the message's patient to its reader."""
    return bool(message.patient_id) and message.grounds_organization_id is not None


def text_shown(user, message) -> bool:
    """Whether the reader may see the stored message itself, which names a patient and
    holds their health data whatever became of it: a superuser, or one who may see the
    patient it was tied to. An administrator who may not sees the envelope's facts and the
    outcome, which are what an operator needs, and not the patient's data (deny by default)."""
    return user.is_superuser or patient_shown(message)


def _audit(user, rows, where: str) -> None:
    """One event per message tied to a patient, naming the message and the patient; one
    INSERT."""
    entries = []
    for message in rows:
        if message.patient_id:
            entries += read_entries(user, [message], object_type=AuditObjectType.PLO_MESSAGE,
                                    patient_of=lambda row: row.patient,
                                    object_id_of=lambda row: row.uuid,
                                    detail=f"PLO {message.msg_type} ({where})"[:200])
    if entries:
        audit.record_many(user, AuditAction.VIEW, entries)


def _organizations(user) -> list:
    """The filter's organisations: those that can send or receive PLO (a HER-id in the
    registry), and the user's own. Read from the registry, never from the log, so the list
    costs the same however many messages are stored."""
    own = [organization.pk for organization in administered(user)]
    return list(Organization.objects.filter(Q(pk__in=own) | ~Q(her_id=""))
                .order_by("name", "pk"))


def _filter_data(request) -> dict:
    """The filters asked for: a POST's, or a GET's without an identity number (never in a
    URL)."""
    source = request.POST if request.method == "POST" else request.GET
    fields = [name for name in PloMessageFilter.Meta.fields
              if request.method == "POST" or name != "patient"]
    return {name: source[name] for name in fields if source.get(name, "").strip()}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def message_list(request):
    """Queries, whatever the number of messages: 1 session, 2 user, 3 the user's memberships
    (the scope, the audit's roles, the navigation), 4 the organisations (choices), 5 the
    count of the filtered messages, 6 the page's messages with parties, patient and the
    grounds the user sees the patient on, 7 the audit INSERT (when a row has a patient)."""
    user = request.user
    require_log(user)
    scope = visible_messages(user)
    data = _filter_data(request)
    filterset = PloMessageFilter(data, queryset=scope, organizations=_organizations(user))
    source = request.POST if request.method == "POST" else request.GET
    # The log only grows: its count stops at COUNT_LIMIT, so a page costs the same over a
    # million stored messages as over a thousand (narrow the filters to reach further).
    page = BoundedPaginator(_with_patient(filterset.qs, user).order_by("-received_at", "-pk"),
                            PER_PAGE, limit=COUNT_LIMIT).get_page(source.get("page"))
    rows = list(page.object_list)
    for message in rows:
        message.patient_shown = patient_shown(message)
    _audit(user, rows, "message log")
    count = page.paginator.count
    context = {
        "filterset": filterset, "form": filterset.form, "page": page, "rows": rows,
        "filtered": bool(data), "superuser": user.is_superuser,
        "announce": ngettext("%(count)d message.", "%(count)d messages.", count) % {
            "count": count} if request.htmx else "",
    }
    return render_page(request, "plo/message_list.html", "plo/partials/message_log.html",
                       context)


# -- A message's page ------------------------------------------------------------------------

def readable(document, limit: int = SHOWN_CHARACTERS) -> dict:
    """The stored bytes as text to show (the template escapes it): XML that reads safely
    (plo.xml.parse: no DTD, no entity, nothing fetched) indented, anything else as it came,
    decoded with replacement characters; cut at `limit` characters."""
    if document is None:
        return {"text": "", "cut": False}
    data = bytes(document)
    if len(data) > xml.MAX_MESSAGE_BYTES:  # never parsed: shown as far as it is shown
        data = data[:limit * 4]
    try:
        root = xml.parse(data)
        etree.indent(root, space="  ")
        text = etree.tostring(root, encoding="unicode")
    except (xml.Refused, ValueError, etree.LxmlError):
        text = data.decode("utf-8", errors="replace")
    return {"text": text[:limit], "cut": len(text) > limit}


def _steps(message) -> dict:
    received = message.direction == Direction.IN
    return {"reprocess": received and message.status in REPROCESSABLE,
            "answer": received and message.apprec is not None,
            "resend": not received and message.status in RESENDABLE}


def _context(request, message, *, flash="", error="") -> dict:
    message.patient_shown = patient_shown(message)
    message.text_shown = text_shown(request.user, message)
    shown = message.text_shown
    return {"message": message, "document": readable(message.document) if shown else None,
            "apprec": readable(message.apprec) if shown else None, "steps": _steps(message),
            "flash": flash, "error": error, "announce": (flash or error) if request.htmx else ""}


def _page(request, message, *, flash="", error="", status=200):
    """The message's page (htmx: its body); every showing of it is an audited read."""
    _audit(request.user, [message], "message page")
    return render_page(request, "plo/message.html", "plo/partials/message_body.html",
                       _context(request, message, flash=flash, error=error), status)


def _message(request, uuid):
    return get_visible_message(request.user, uuid,
                               shape=lambda messages: _with_patient(messages, request.user))


@never_cache
@login_required
@require_GET
def message_detail(request, uuid):
    """Queries: 1 session, 2 user, 3 memberships, 4 the message with its parties, patient and
    the grounds, 5 the audit INSERT (a message with a patient)."""
    return _page(request, _message(request, uuid))


# -- The steps -------------------------------------------------------------------------------

def _done(request, message, text: str):
    """After a step: the message's page again with the outcome (htmx: its body; else PRG), or
    the log when the message has left the user's scope (its parties changed)."""
    if not visible_messages(request.user).filter(pk=message.pk).exists():
        return leave_for(request, reverse("plo:messages"), text)
    if not request.htmx:
        messages.success(request, text)
        return redirect("plo:message", uuid=message.uuid)
    return _page(request, _message(request, message.uuid), flash=text)


def _refused(request, message, text: str, status: int):
    return _page(request, message, error=text, status=status)


def _write_receipt(message) -> str:
    """Hand the AppRec to the transport; the refusal's text if it could not be written (a full
    disk, a message service that does not answer: whatever the transport raises)."""
    try:
        transport().answer(message)
    except Exception:
        logger.exception("The AppRec of PLO message %s could not be written", message.uuid)
        return _("The receipt could not be written. Try again with “Write the receipt again”.")
    return ""


def _outcome(message) -> str:
    if message.status == MessageStatus.PROCESSED:
        return _("The message is processed and answered with a positive receipt.")
    if message.status == MessageStatus.REJECTED:
        return _("The message was refused again (%(code)s): %(text)s") % {
            "code": message.error_code, "text": message.error_text}
    return _("The message is accepted; the portal does not map this kind of message yet, so "
             "it waits here.")


@action_view
def reprocess_message(request, uuid):
    """Process again: the stored message through the checks and the mapping anew (the
    registry or the connection fixed since), and its new AppRec written for the sender."""
    message = _message(request, uuid)
    if not _steps(message)["reprocess"]:
        return _refused(request, message, _("Only a received message that was refused or not "
                                            "processed can be processed again."), 409)
    result, error, status = run_action(lambda: reprocess(message))
    if result is None:
        return _refused(request, message, error, status)
    text = _outcome(result)
    if result.apprec is not None:
        failed = _write_receipt(result)
        if failed:
            text = f"{text} {failed}"
    return _done(request, result, text)


@action_view
def answer_again(request, uuid):
    """Write the receipt again: the stored AppRec handed to the transport once more (the
    sender lost it, or its writing failed)."""
    message = _message(request, uuid)
    if not _steps(message)["answer"]:
        return _refused(request, message, _("This message has no receipt to write."), 409)
    failed = _write_receipt(message)
    if failed:
        return _refused(request, message, failed, 503)
    return _done(request, message, _("The receipt is written again for the sender."))


@action_view
def resend_message(request, uuid):
    """Send again: one of the portal's own messages that failed, got no receipt or awaits
    one, queued afresh with the same MsgId."""
    message = _message(request, uuid)
    if not _steps(message)["resend"]:
        return _refused(request, message, _("Only a sent message that failed, awaits its "
                                            "receipt or got none can be sent again."), 409)
    result, error, status = run_action(lambda: resend(message))
    if result is None:
        return _refused(request, message, error, status)
    return _done(request, result, _("The message is queued to be sent again."))


# -- The channels ----------------------------------------------------------------------------

@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def channels(request):
    """An organisation's administrator chooses, per step of the other side, between the
    portal only, webhooks and PLO messages (plo.channels). Others: 403."""
    organizations = administered(request.user)
    if not organizations:
        raise PermissionDenied(_("The channels are chosen by an organisation's "
                                 "administrators."))
    organizations = [o for o in organizations if channel_rules.steps_heard(o)] or \
        organizations
    wanted = request.POST.get("organization") or request.GET.get("organization")
    organization = next((o for o in organizations if str(o.uuid) == wanted),
                        organizations[0])
    form = ChannelForm(request.POST if request.method == "POST" else None,
                       organization=organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                channel_rules.choose(organization, form.choices(), by=request.user)
            except ValidationError as error:
                for step, texts in error.message_dict.items():
                    form.add_error(step if step in form.fields else None, texts)
            else:
                messages.success(request, _("The channels of %(organization)s are saved.") % {
                    "organization": organization.name})
                return redirect(f"{reverse('plo:channels')}?organization={organization.uuid}")
        status = 422
    return render(request, "plo/channels.html", {
        "form": form, "organization": organization, "organizations": organizations,
        "no_plo": NO_PLO}, status=status)
