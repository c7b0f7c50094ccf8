"""The navigation's question: is the PLO message log for this user (plo.access)?"""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..access import may_see_log

register = template.Library()


@register.filter
def may_see_plo_log(user) -> bool:
    return may_see_log(user)


@register.filter
def breakable(value, every: int = 8):
    """A long token (a MsgId, a digest) that may break anywhere on a narrow screen: escaped,
    with a <wbr> every `every` characters (copying it copies the token unchanged)."""
    text = str(value)
    return mark_safe("<wbr>".join(  # noqa: S308 - each piece escaped
        escape(text[i:i + every]) for i in range(0, len(text), every)))
