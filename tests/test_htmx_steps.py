"""The htmx step kit (common.htmx): a step's form shown, refused and done the same way on
every screen."""

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation
from django_htmx.middleware import HtmxDetails

from common.exceptions import StaleVersion, StateConflict
from common.htmx import form_step, step_done


class NoteForm(forms.Form):
    text = forms.CharField()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def make_request(method: str = "get", data: dict | None = None, *, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    request = getattr(RequestFactory(), method)("/step/", data or {}, headers=headers)
    request.htmx = HtmxDetails(request)
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)
    return request


class Step:
    """A service call that records what it got and answers or refuses as told."""

    def __init__(self, refuse: Exception | None = None):
        self.refuse = refuse
        self.calls = []
        self.oob_rendered = 0

    def __call__(self, data):
        self.calls.append(data)
        if self.refuse is not None:
            raise self.refuse
        return data["text"].upper()

    def run(self, request, *, aliases=None):
        def oob():
            self.oob_rendered += 1
            return '<div id="board" hx-swap-oob="true">board</div>'

        form = NoteForm(request.POST if request.method == "POST" else None)
        return form_step(
            request, form, self,
            show=lambda form, status: self.show(form, status),
            done=lambda result: step_done(request, f"Saved {result}.", redirect_to="/board/",
                                          oob=oob),
            aliases=aliases)

    def show(self, form, status):
        self.form = form
        return HttpResponse(form.as_div(), status=status)


def test_it_shows_the_form_on_a_get_without_running_the_step():
    step = Step()
    response = step.run(make_request(htmx=True))
    assert response.status_code == 200
    assert not step.form.is_bound
    assert 'name="text"' in response.content.decode()
    assert step.calls == []


def test_it_answers_an_invalid_post_with_422_and_the_errors_without_running_the_step():
    step = Step()
    response = step.run(make_request("post", {"text": ""}, htmx=True))
    assert response.status_code == 422
    assert step.form.errors["text"]
    assert step.calls == []


def test_a_done_htmx_step_shows_the_confirmation_what_changed_and_announces_it():
    step = Step()
    request = make_request("post", {"text": "walk"}, htmx=True)
    response = step.run(request)
    assert response.status_code == 200
    html = response.content.decode()
    assert step.calls == [{"text": "walk", "version": None}]
    assert "Saved WALK." in html.split('id="board"')[0]  # the confirmation, in the panel
    assert '<div id="board" hx-swap-oob="true">board</div>' in html
    assert '<div hx-swap-oob="innerHTML:#announcer">Saved WALK.</div>' in html
    assert list(get_messages(request)) == []  # announced, not kept for the next page


def test_a_done_whole_page_step_redirects_with_the_message_and_renders_nothing_out_of_band():
    step = Step()
    request = make_request("post", {"text": "walk"})
    response = step.run(request)
    assert response.status_code == 302
    assert response["Location"] == "/board/"
    assert [str(m) for m in get_messages(request)] == ["Saved WALK."]
    assert step.oob_rendered == 0


@pytest.mark.parametrize(("refusal", "status", "field"), [
    (ValidationError({"note": "Too long."}), 422, "text"),  # an alias onto the form's field
    (ValidationError("Not now."), 422, "__all__"),
    (StateConflict("Already done.", field="text"), 409, "text"),
    (PermissionDenied("Not yours."), 403, "__all__"),
])
def test_it_puts_a_refusal_on_the_form_with_its_status_code(refusal, status, field):
    step = Step(refuse=refusal)
    response = step.run(make_request("post", {"text": "walk"}, htmx=True),
                        aliases={"note": "text"})
    assert response.status_code == status
    assert step.form.errors[field]


def test_a_stale_version_says_what_changed_and_takes_the_current_version():
    step = Step(refuse=StaleVersion(7, "Someone changed it.",
                                    changes=["goals «Walk» status", "plan what matters"]))
    with translation.override("en"):
        response = step.run(make_request("post", {"text": "walk", "version": "5"}, htmx=True))
    assert response.status_code == 409
    assert step.form.non_field_errors() == [
        "Someone changed it.", "Changed: goals «Walk» status", "Changed: plan what matters"]
    assert step.form.data["version"] == "7"
    assert step.form.data["text"] == "walk"  # the user's input stays
