"""{% representatives_section patient %}: the patient page's "Representatives" section
(pathways.views.representatives), for KE staff of the patient's municipality; nothing for
anyone else."""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def representatives_section(context, patient):
    from ..views.representatives import section_context

    request = context["request"]
    found = section_context(request.user, patient)
    if found is None:
        return ""
    return render_to_string("pathways/partials/representatives.html", found, request=request)
