"""Signing a citizen in from an identity that ID-porten (or, in development, the demo login)
has verified: the identity number is the key, never a password."""

import uuid

from django.contrib.auth.backends import BaseBackend
from django.db import transaction
from django.utils import timezone

from pathways.identity import parse_identity_number
from pathways.models import Citizen
from registry import audit
from registry.models import AuditAction, AuditObjectType, User


class CitizenBackend(BaseBackend):
    """Only get_user: citizens are signed in by sign_in() after the OpenID Connect flow has
    verified them, so nothing authenticates through this backend with credentials."""

    def get_user(self, user_id):
        user = User.objects.filter(pk=user_id, is_active=True, is_citizen=True).first()
        return user


BACKEND = "citizen.auth.CitizenBackend"


@transaction.atomic
def citizen_user(identity_number: str, *, given_name: str = "", family_name: str = "",
                 assurance_level: str = "") -> User:
    """The citizen's user, made on the first sign-in. The identity number must be valid
    (ValidationError otherwise); the name is the provider's, if it gives one."""
    number = parse_identity_number(identity_number).number
    citizen = Citizen.objects.select_related("user").select_for_update().filter(
        identity_number=number).first()
    if citizen is None:
        # The username never carries the identity number: it ends up in logs.
        user = User(username=f"citizen-{uuid.uuid4().hex[:20]}", first_name=given_name[:150],
                    last_name=family_name[:150], is_citizen=True)
        user.set_unusable_password()
        user.save()
        citizen = Citizen.objects.create(user=user, identity_number=number)
        audit.record(user, AuditAction.CREATE, AuditObjectType.CITIZEN, citizen.uuid,
                     detail="first sign-in")
    user = citizen.user
    if given_name and (user.first_name, user.last_name) != (given_name, family_name):
        user.first_name, user.last_name = given_name[:150], family_name[:150]
        user.save(update_fields=["first_name", "last_name"])
    citizen.last_signed_in_at = timezone.now()
    citizen.last_assurance_level = assurance_level[:40]
    citizen.save(update_fields=["last_signed_in_at", "last_assurance_level"])
    return user
