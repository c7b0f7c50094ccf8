"""Which steps of the other side an organisation hears of by PLO, by webhooks, or only in
the portal (registry.ChannelChoice): what its administrator may choose, and saving it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import (
    WEBHOOK_STEPS,
    ChannelChoice,
    ChannelStep,
    Organization,
    OrganizationKind,
    StepChannel,
)

from .access import administered
from .models import PloEndpoint

STEPS_HEARD = {
    # A municipality hears of the hospital's steps; a hospital of the municipality's answer.
    OrganizationKind.MUNICIPALITY: (
        ChannelStep.ADMISSION, ChannelStep.EARLY_NOTIFICATION, ChannelStep.READY,
        ChannelStep.WITHDRAWN, ChannelStep.DISCHARGED, ChannelStep.QUESTION,
        ChannelStep.QUESTION_ANSWERED),
    OrganizationKind.HOSPITAL: (
        ChannelStep.MUNICIPAL_ANSWER, ChannelStep.QUESTION, ChannelStep.QUESTION_ANSWERED),
}


def steps_heard(organization: Organization) -> tuple:
    return STEPS_HEARD.get(organization.kind, ())


def channels_for(step: str, *, plo: bool) -> list[str]:
    """The channels one may choose for the step: the portal always, webhooks where the step
    has a webhook event, PLO with an active connection."""
    offered = [StepChannel.PORTAL]
    if step in WEBHOOK_STEPS:
        offered.append(StepChannel.WEBHOOK)
    if plo:
        offered.append(StepChannel.PLO)
    return offered


def has_plo(organization: Organization) -> bool:
    return PloEndpoint.objects.filter(organization=organization, active=True).exists()


def current(organization: Organization) -> dict[str, str]:
    """The organisation's choices; a step with none: webhooks where they exist (its
    subscriptions decide), else the portal."""
    chosen = dict(ChannelChoice.objects.filter(organization=organization)
                  .values_list("step", "channel"))
    return {step: chosen.get(step) or (StepChannel.WEBHOOK if step in WEBHOOK_STEPS
                                       else StepChannel.PORTAL)
            for step in steps_heard(organization)}


@transaction.atomic
def choose(organization: Organization, choices: dict[str, str], *, by) -> None:
    """Save the administrator's choices, all or none: a step the organisation does not hear
    of, or a channel not offered for it (PLO without a connection), is refused by name."""
    if not by.is_superuser and organization.pk not in {o.pk for o in administered(by)}:
        raise PermissionDenied(_("Only the organisation's administrators choose its "
                                 "channels."))
    plo = has_plo(organization)
    errors = {}
    for step, channel in choices.items():
        if step not in steps_heard(organization):
            errors[step] = _("Your organisation does not hear of this step.")
        elif channel not in channels_for(step, plo=plo):
            errors[step] = _("PLO needs an active PLO connection for the organisation.") \
                if channel == StepChannel.PLO else _("Choose one of the channels offered.")
    if errors:
        raise ValidationError(errors)
    for step, channel in choices.items():
        ChannelChoice.objects.update_or_create(
            organization=organization, step=step,
            defaults={"channel": channel, "updated_by": by})
