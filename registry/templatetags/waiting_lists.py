"""{% load waiting_lists %}: {% if service|waiting_list_seen_by:user %} links a service's waiting
list for those who may open it (registry.waiting_lists)."""

from django import template

from ..waiting_lists import sees_waiting_list

register = template.Library()


@register.filter
def waiting_list_seen_by(service, user) -> bool:
    return bool(user and user.is_authenticated) and sees_waiting_list(user, service)
