"""Reactions to pathway events."""

from .services import request_from_early_notification


def request_plan_from_notice(sender, *, notice, by, **kwargs):
    """An early notification that says the patient may need an IP or a coordinator becomes a
    request in the municipality's KE intake queue."""
    request_from_early_notification(notice, by=by)
