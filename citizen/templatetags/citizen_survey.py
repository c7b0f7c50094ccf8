"""{% open_surveys access as invitations %}: the patient's unanswered experience surveys, for
the notice on the overview (citizen/partials/survey_notice.html). Only for the patient
themself: a representative is not asked."""

from django import template

register = template.Library()


@register.simple_tag
def open_surveys(access):
    if access is None or not access.is_patient:
        return []
    from ..views.rights import open_invitations

    return open_invitations(access.patient)
