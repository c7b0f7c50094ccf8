"""{% record_actions patient record %}: the links other apps offer on a record's page
(pathways.record_actions), as a row of buttons; nothing when there are none."""

from django import template

from ..record_actions import actions_for

register = template.Library()


@register.inclusion_tag("pathways/partials/record_actions.html", takes_context=True)
def record_actions(context, patient, record):
    request = context.get("request")
    actions = actions_for(request, patient, record) if request and record else []
    return {"actions": actions}
