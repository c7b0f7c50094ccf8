"""The htmx step kit, one way for every screen: the whole page normally and just the fragment
for htmx; a step's form that a GET shows and a POST runs (form_step); the services' refusals
as form errors with a status code; a success answered with the confirmation, what changed
(out of band) and an announcement in the aria-live region (step_done)."""

from collections.abc import Callable, Sequence

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .exceptions import StaleVersion, StateConflict

# Status codes of refused steps; base.html tells htmx to swap them in like a 200.
UNPROCESSABLE = 422  # the form has errors
FORBIDDEN = 403  # the user may not take this step (PermissionDenied)
CONFLICT = 409  # the record's state does not allow it (StateConflict, StaleVersion)

PANEL_PAGE = "partials/panel_page.html"
PANEL_DONE = "partials/panel_done.html"

RACE_MESSAGE = gettext_lazy("Someone did the same at the same moment. Reload the page and check.")


# ---------------------------------------------------------------------------------------
# Rendering


def render_page(request, template: str, partial: str, context: dict, status: int = 200):
    """The full page on normal requests, only the partial for htmx (NetBox `htmx_partial`).

    A history-restore request rebuilds the whole page, so it gets the full template too.
    """
    use_partial = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(request, partial if use_partial else template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def render_panel(request, template: str, context: dict, status: int = 200):
    """A step's form alone for htmx (into the panel), inside a whole page otherwise."""
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, template, context, status=status)
    else:
        response = render(request, PANEL_PAGE, {**context, "panel_template": template},
                          status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def announcement(text: str) -> str:
    """An out-of-band swap into the aria-live region of base.html."""
    return render_to_string("partials/announce.html", {"announcement": text})


# ---------------------------------------------------------------------------------------
# Services refuse with ValidationError (fields), StateConflict (StaleVersion among them) or
# PermissionDenied; these put the refusal on the form and pick the status code.


def posted(request):
    """The form data of a POST, even an empty one (an empty QueryDict is falsy)."""
    return request.POST if request.method == "POST" else None


def add_service_errors(form, exc: ValidationError, aliases: dict | None = None) -> None:
    """Put the service's errors on the form's fields (by name or alias), others on top."""
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = aliases.get(field, field)
            if name in form.fields and name != NON_FIELD_ERRORS:
                form.add_error(name, list(errors))
            else:
                form.add_error(None, list(errors))
    else:
        form.add_error(None, exc.messages)


def add_stale_errors(form, exc: StaleVersion) -> None:
    """The conflict and what changed go on top; the user's input stays, with the current
    version, so that saving again is a deliberate choice."""
    form.add_error(None, exc.message)
    for change in exc.changes:
        form.add_error(None, _("Changed: %(what)s") % {"what": change})
    if "version" in form.fields:
        data = form.data.copy()
        data["version"] = str(exc.current_version)
        form.data = data


def run_step(form, step: Callable, aliases: dict | None = None):
    """Run a service call for a valid form. Returns (result, status): the status is 200 on
    success, else 422/409/403 with the refusal added to the form's errors."""
    try:
        return step(), 200
    except ValidationError as exc:
        add_service_errors(form, exc, aliases)
        return None, UNPROCESSABLE
    except StaleVersion as exc:
        add_stale_errors(form, exc)
        return None, CONFLICT
    except StateConflict as exc:
        field = (aliases or {}).get(exc.field, exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return None, CONFLICT
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You may not do this."))
        return None, FORBIDDEN
    except IntegrityError:  # a double submit or a race the service could not see coming
        form.add_error(None, RACE_MESSAGE)
        return None, CONFLICT


def run_action(step: Callable):
    """Run a service call for a button (no form). Returns (result, error message, status)."""
    try:
        return step(), "", 200
    except StateConflict as exc:
        return None, exc.message, CONFLICT
    except PermissionDenied as exc:
        return None, str(exc) or _("You may not do this."), FORBIDDEN
    except ValidationError as exc:
        return None, " ".join(exc.messages), UNPROCESSABLE
    except IntegrityError:
        return None, str(RACE_MESSAGE), CONFLICT


# ---------------------------------------------------------------------------------------
# A step's form, start to finish


def form_step(request, form, step: Callable, *, show: Callable, done: Callable,
              aliases: dict | None = None):
    """The one shape of a step's form. A GET shows it; a POST validates it and runs `step`
    with the cleaned data (the service call); an invalid form (422) or a refusal (see
    run_step) comes back with its errors; a success answers `done(result)`, usually
    step_done. `show(form, status)` renders the form; `aliases` map the service's field
    names onto the form's."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result, status = run_step(form, lambda: step(form.cleaned_data), aliases)
            if status == 200:
                return done(result)
        else:
            status = UNPROCESSABLE
    return show(form, status)


def step_done(request, message: str, *, redirect_to: str,
              oob: Callable[[], str] | None = None,
              links: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    """After a successful step: a whole page goes to `redirect_to` with the message (PRG);
    htmx gets the confirmation in the panel, `oob()` (what the step changed, swapped out of
    band; only worked out for htmx) and the announcement. `links` ((text, url), ...) lead to
    what the step made, in the confirmation and the message alike."""
    if not request.htmx:
        messages.success(request, format_html("{}{}", message, format_html_join(
            "", ' <a href="{1}">{0}</a>', links)) if links else message)
        return redirect(redirect_to)
    html = render_to_string(PANEL_DONE, {"message": message, "links": links}, request=request)
    return HttpResponse(html + (oob() if oob else "") + announcement(message))


def leave_for(request, url: str, message: str) -> HttpResponse:
    """After a step that took the record out of the user's sight (a plan closed, a referral
    forwarded, a message whose parties changed): the message, and the user sent to `url`
    (htmx: HX-Redirect, as a whole page would be redirected)."""
    messages.success(request, message)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# How often (seconds) the pages that watch for news ask the server again. Override any of
# them with settings.PORTAL_POLL_SECONDS = {"ke_inbox": 2, ...} (the browser tests do).
POLL_DEFAULTS = {"ward_board": 60, "ke_inbox": 10, "notification_badge": 30}


def poll_seconds(name: str) -> int:
    configured = getattr(settings, "PORTAL_POLL_SECONDS", None) or {}
    return max(1, int(configured.get(name, POLL_DEFAULTS[name])))


def step_view(view):
    """A step's view: signed in, never cached; GET shows its form, POST takes the step."""
    return never_cache(login_required(require_http_methods(["GET", "POST"])(view)))


def action_view(view):
    """A one-click step (a button, no form of its own): signed in, never cached, POST only."""
    return never_cache(login_required(require_POST(view)))
