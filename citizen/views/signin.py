"""Signing citizens in and out: ID-porten (OpenID Connect through Authlib, citizen/oidc.py) in
production; in development also a clearly marked demo login (settings.CITIZEN_DEMO_LOGIN) that
picks a demo patient or representative without a password.

A sign-in that fails (a state that does not match, an error from the provider, an id_token
that does not verify, a security level below the accepted ones, a missing or invalid identity
number) shows a plain error page (400; 502 when the provider does not answer) and signs nobody
in: no Citizen or User is made before the identity number has passed."""

import logging
from dataclasses import dataclass

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from pathways.identity import parse_identity_number
from pathways.models import Patient, Representation
from registry import audit
from registry.models import AuditAction, AuditObjectType

from .. import oidc
from ..auth import BACKEND, citizen_user
from .common import SESSION_SEEN

logger = logging.getLogger(__name__)

IDPORTEN = "idporten"
SESSION_NEXT = "citizen_sign_in_next"
SESSION_PROVIDER = "citizen_provider"
SESSION_SIGNED_OUT = "citizen_signed_out"
SESSION_ID_TOKEN = "citizen_id_token"  # noqa: S105 - a session key, not a secret
DEMO_ASSURANCE = "demo"
# The demo lists at most this many patients and as many representatives: the demo's
# indicator history adds thousands of synthetic patients, so seed_demo's own come first.
DEMO_LIST_LIMIT = 30


def _is_citizen(user) -> bool:
    return user.is_authenticated and user.is_citizen


def safe_next(value: str | None) -> str:
    """A page of the citizen's own to come back to after signing in, or "": a relative path
    under the citizen prefix, never another host, the sign-in pages or a path that climbs."""
    if not value or not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return ""
    prefix = settings.CITIZEN_URL_PREFIX
    if not value.startswith(prefix) or "\\" in value or "/." in value:
        return ""
    if value.startswith((prefix + "sign-in/", prefix + "sign-out/")):
        return ""
    return value


# -- the sign-in page ---------------------------------------------------------------------

@dataclass(frozen=True)
class DemoPerson:
    identity_number: str
    name: str
    about: str


def _synthetic(field: str):
    """Month + 80: the national test population's numbers (pathways.identity)."""
    return {f"{field}_month__gt": "80"}, {f"{field}_month": Substr(field, 3, 2)}


def demo_people() -> tuple[list[DemoPerson], list[DemoPerson]]:
    """The demo's patients (seed_demo's first) and the representatives of live
    representations: people with synthetic identity numbers only. Two queries."""
    from pathways.management.commands.seed_demo import demo_identity_numbers

    from ..demo import RELATIVES

    where, month = _synthetic("identity_number")
    patients = (Patient.objects.annotate(**month).filter(**where)
                .annotate(seeded=Case(When(identity_number__in=demo_identity_numbers(),
                                           then=Value(0)),
                                      default=Value(1), output_field=IntegerField()))
                .order_by("seeded", "family_name", "given_name", "pk")
                .only("identity_number", "given_name", "family_name", "birth_date")
                [:DEMO_LIST_LIMIT])
    where, month = _synthetic("representative_identity_number")
    representations = (Representation.objects.live().annotate(**month).filter(**where)
                       .select_related("patient").order_by("representative_name", "pk")
                       [:DEMO_LIST_LIMIT])
    return (
        [DemoPerson(p.identity_number, p.full_name,
                    _("Patient, born %(date)s") % {"date": p.birth_date.strftime("%d.%m.%Y")})
         for p in patients],
        [*(DemoPerson(r.representative_identity_number, r.representative_name,
                      _("Acts for %(patient)s") % {"patient": r.patient.full_name})
           for r in representations),
         # The demo's relatives (citizen.demo) until someone gives them access: Kari signs in
         # to find nothing, until Astrid gives her access.
         *(DemoPerson(r.identity_number, r.name, _("Relative, no access yet"))
           for r in RELATIVES if r.identity_number not in {
               rep.representative_identity_number for rep in representations})],
    )


@never_cache
@require_GET
def sign_in(request):
    """ID-porten's button (where it is configured) and, in development, the demo login. A
    citizen who is signed in already goes on to their page."""
    next_url = safe_next(request.GET.get("next"))
    if _is_citizen(request.user):
        return redirect(next_url or "citizen:home")
    context = {
        "providers": [{"name": name, "label": entry.get("label", name),
                       "url": reverse(f"citizen:sign_in_{name}")}
                      for name, entry in oidc.providers().items() if name == IDPORTEN],
        "next": next_url,
        "demo": settings.CITIZEN_DEMO_LOGIN,
        "signed_out": request.session.pop(SESSION_SIGNED_OUT, False),
    }
    if settings.CITIZEN_DEMO_LOGIN:
        context["demo_patients"], context["demo_representatives"] = demo_people()
    return render(request, "citizen/sign_in.html", context)


# -- OpenID Connect ------------------------------------------------------------------------

def _refuse(request, message: str, reason: str, status: int = 400):
    """The error page. The reason goes to the log (never an identity number: the log masks
    them too); the person reads the message."""
    logger.warning("citizen sign-in refused: %s", reason)
    return render(request, "citizen/sign_in_error.html", {"message": message}, status=status)


def _absolute(request, configured: str, url_name: str) -> str:
    return configured or request.build_absolute_uri(reverse(url_name))


@never_cache
@require_GET
def sign_in_idporten(request):
    return _start(request, IDPORTEN)


@never_cache
@require_GET
def sign_in_idporten_callback(request):
    return _finish(request, IDPORTEN)


def _start(request, name: str):
    """To the provider's authorization endpoint: code flow, PKCE (S256), state and nonce kept
    in the session by Authlib, the security level asked for in acr_values."""
    entry, client = oidc.provider(name), oidc.client(name)
    if client is None:
        raise Http404
    next_url = safe_next(request.GET.get("next"))
    if _is_citizen(request.user):
        return redirect(next_url or "citizen:home")
    request.session[SESSION_NEXT] = next_url
    label = entry.get("label", name)
    redirect_uri = _absolute(request, entry.get("redirect_uri", ""),
                             f"citizen:sign_in_{name}_callback")
    extra = {"ui_locales": get_language() or settings.LANGUAGE_CODE}
    if entry.get("acr_values"):
        extra["acr_values"] = entry["acr_values"]
    try:
        return client.authorize_redirect(request, redirect_uri, **extra)
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        return _refuse(request, _("%(provider)s does not answer right now. Please try again "
                                  "in a little while.") % {"provider": label},
                       f"{name}: metadata: {type(exc).__name__}", status=502)


def _finish(request, name: str):
    """The provider's answer: the code exchanged over the back channel, the id_token checked
    (signature against the provider's keys, issuer, audience, expiry, nonce), then the level
    and the identity number; only then is anyone signed in."""
    entry, client = oidc.provider(name), oidc.client(name)
    if client is None:
        raise Http404
    label = entry.get("label", name)
    try:
        token = client.authorize_access_token(request)
    except MismatchingStateError:
        return _refuse(request, _("The sign-in could not be completed: it had expired, or it "
                                  "was started in another window. Please try again."),
                       f"{name}: state does not match")
    except OAuthError as exc:
        if exc.error == "access_denied":
            return _refuse(request, _("The sign-in was cancelled."), f"{name}: cancelled")
        return _refuse(request, _("%(provider)s could not sign you in. Please try again in a "
                                  "little while.") % {"provider": label},
                       f"{name}: provider error {exc.error}")
    except (JoseError, ValueError, KeyError, RuntimeError) as exc:
        return _refuse(request, _("The answer from %(provider)s could not be verified, so you "
                                  "were not signed in. Please try again.") % {"provider": label},
                       f"{name}: id_token refused: {type(exc).__name__}")
    except requests.RequestException as exc:
        return _refuse(request, _("%(provider)s does not answer right now. Please try again "
                                  "in a little while.") % {"provider": label},
                       f"{name}: token endpoint: {type(exc).__name__}", status=502)
    claims = token.get("userinfo")
    if not claims:
        return _refuse(request, _("The answer from %(provider)s could not be verified, so you "
                                  "were not signed in. Please try again.") % {"provider": label},
                       f"{name}: no id_token")
    acr = claims.get("acr") or ""
    if acr not in entry.get("accepted_acr", ()):
        return _refuse(request, _("This service needs a higher security level than the one you "
                                  "signed in with. Sign in again with an electronic ID on a "
                                  "higher level, such as BankID."),
                       f"{name}: acr {acr!r} not accepted")
    number = claims.get(entry.get("identity_claim", "pid"))
    if not number or not isinstance(number, str):
        return _refuse(request, _("%(provider)s did not give us your national identity "
                                  "number, so we cannot find your page.") % {"provider": label},
                       f"{name}: no identity claim")
    given, family = _names(claims) or _name_on_record(number)
    try:
        user = citizen_user(number, given_name=given, family_name=family, assurance_level=acr)
    except ValidationError as exc:
        return _refuse(request, _("Your national identity number from %(provider)s could not be "
                                  "used: %(reason)s") % {"provider": label,
                                                         "reason": " ".join(exc.messages)},
                       f"{name}: identity number refused ({exc.code})")
    return _signed_in(request, user, name, acr, id_token=token.get("id_token", ""))


def _names(claims) -> tuple[str, str] | None:
    """The name the provider gives (given_name and family_name, or name), or None."""
    given, family = claims.get("given_name") or "", claims.get("family_name") or ""
    if not (given or family) and claims.get("name"):
        given, _space, family = str(claims["name"]).rpartition(" ")
        if not given:
            given, family = family, ""
    return (str(given), str(family)) if given or family else None


def _name_on_record(number: str) -> tuple[str, str]:
    """Where the provider gives no name: the patient's, or the representative's as the
    coordinating unit or the patient wrote it; else none (the page then shows no name)."""
    patient = Patient.objects.filter(identity_number=number).values_list(
        "given_name", "family_name").first()
    if patient:
        return patient
    name = Representation.objects.live().filter(
        representative_identity_number=number).values_list(
        "representative_name", flat=True).order_by("pk").first()
    return (_names({"name": name}) if name else None) or ("", "")


def _signed_in(request, user, provider: str, assurance: str, id_token: str = ""):
    """Sign the citizen in on a new session key (login() rotates it, and flushes a staff
    user's session), audit it, and go on to the page asked for or the citizen's home."""
    next_url = safe_next(request.session.pop(SESSION_NEXT, ""))
    login(request, user, backend=BACKEND)
    request.session[SESSION_PROVIDER] = provider
    if id_token:
        request.session[SESSION_ID_TOKEN] = id_token
    request.session[SESSION_SEEN] = int(timezone.now().timestamp())
    audit.record(user, AuditAction.UPDATE, AuditObjectType.CITIZEN, user.citizen.uuid,
                 detail=f"signed in: {provider} {assurance}".strip())
    return redirect(next_url or "citizen:home")


# -- the demo login ------------------------------------------------------------------------

@never_cache
@require_POST
def sign_in_demo(request):
    """Development only: sign in as a demo patient or representative (a synthetic identity
    number that a patient or a live representation has). 404 where CITIZEN_DEMO_LOGIN is off,
    as it always is in production."""
    if not settings.CITIZEN_DEMO_LOGIN:
        raise Http404
    number = (request.POST.get("identity_number") or "").strip()
    try:
        parsed = parse_identity_number(number, allow_synthetic=True)
    except ValidationError:
        parsed = None
    patient = representation = None
    if parsed is not None and parsed.synthetic:
        patient = Patient.objects.filter(identity_number=parsed.number).first()
        if patient is None:
            representation = Representation.objects.live().filter(
                representative_identity_number=parsed.number).order_by("pk").first()
    if patient is None and representation is None:
        return _refuse(request, _("Choose one of the demo people."), "demo: not a demo person")
    if patient is not None:
        given, family = patient.given_name, patient.family_name
    else:
        given, family = _names({"name": representation.representative_name}) or ("", "")
    user = citizen_user(parsed.number, given_name=given, family_name=family,
                        assurance_level=DEMO_ASSURANCE)
    request.session[SESSION_NEXT] = request.POST.get("next", "")
    return _signed_in(request, user, "demo", DEMO_ASSURANCE)


# -- signing out ---------------------------------------------------------------------------

@never_cache
@require_POST
def sign_out(request):
    """Out of the portal, and, after ID-porten, out of ID-porten too (RP-initiated logout:
    its end_session_endpoint with id_token_hint, and back to the sign-in page).

    The way to the provider is a page that refreshes to it, not a redirect: the form that
    posts here is governed by the Content-Security-Policy's form-action 'self', which
    Chromium applies to the redirects after a form too, and would block."""
    provider = request.session.get(SESSION_PROVIDER, "")
    id_token = request.session.get(SESSION_ID_TOKEN, "")
    if _is_citizen(request.user):
        audit.record(request.user, AuditAction.UPDATE, AuditObjectType.CITIZEN,
                     request.user.citizen.uuid, detail="signed out")
    logout(request)
    request.session[SESSION_SIGNED_OUT] = True  # said on the sign-in page
    entry = oidc.provider(provider) if provider else None
    if entry is None or not id_token:
        return redirect("citizen:sign_in")
    back = _absolute(request, entry.get("post_logout_redirect_uri", ""), "citizen:sign_in")
    try:
        url = oidc.end_session_url(provider, id_token=id_token, post_logout_redirect_uri=back)
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        logger.warning("citizen sign-out: %s end_session: %s", provider, type(exc).__name__)
        url = None
    if not url:
        return redirect("citizen:sign_in")
    response = render(request, "citizen/sign_in_signed_out.html",
                      {"provider": entry.get("label", provider), "url": url})
    response["Refresh"] = f"0; url={url}"
    return response


urls = [
    path("sign-in/", sign_in, name="sign_in"),
    path("sign-in/demo/", sign_in_demo, name="sign_in_demo"),
    path("sign-in/idporten/", sign_in_idporten, name="sign_in_idporten"),
    path("sign-in/idporten/callback/", sign_in_idporten_callback,
         name="sign_in_idporten_callback"),
    path("sign-out/", sign_out, name="sign_out"),
]
