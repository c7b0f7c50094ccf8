"""Naming the patient of an in-app notification, for a reader who may see that patient.

A notification keeps its patient as a UUID only (`Notification.patient_uuid`); its title and
body name nobody, so an e-mail (which sends those) never carries a name. registry knows
nothing of patients: pathways, which owns them and imports registry (never the other way),
registers the one function that may name them, in its AppConfig.ready():

    notification_patients.register(resolver)   # resolver(user, uuids) -> {uuid: name}

The resolver answers only for the patients the user may see under a care relationship, and
records each name it gives as a read in the audit log. Nothing registered: nobody is named.
Only the in-app list (and its items) asks; e-mail delivery never does.
"""

from collections.abc import Callable, Iterable
from uuid import UUID

Resolver = Callable[[object, set[UUID]], dict[UUID, str]]

_resolver: Resolver | None = None


def register(resolver: Resolver | None) -> None:
    """The app that owns patients names them (None unregisters, for tests)."""
    global _resolver  # noqa: PLW0603 - one hook, set once at start-up
    _resolver = resolver


def name_patients(user, notifications: Iterable) -> None:
    """Set `patient_name` on each notification: the patient's name when the user may see
    them, else "". One call for a whole page: the resolver's cost does not grow with it."""
    notifications = list(notifications)
    uuids = {n.patient_uuid for n in notifications if n.patient_uuid}
    names = _resolver(user, uuids) if _resolver is not None and uuids else {}
    for notification in notifications:
        notification.patient_name = names.get(notification.patient_uuid, "")
