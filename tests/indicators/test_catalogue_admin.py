"""The catalogue in the admin: an administrator edits an entry and its parameters are
checked; the figures and the runs are there to look at only."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from indicators.models import ComputationRun, Figure, Indicator
from registry.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.test", "x")


@pytest.fixture
def superuser_request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request


@pytest.mark.parametrize("model", [Figure, ComputationRun])
def test_figures_and_runs_are_read_only(model, superuser_request):
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(superuser_request)
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)
    assert not model_admin.has_delete_permission(superuser_request)


def test_an_administrator_changes_an_entry_and_bad_parameters_are_refused(client, superuser):
    client.force_login(superuser)
    entry = Indicator.objects.get(code="level-share-4")
    url = f"/admin/indicators/indicator/{entry.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["parameters"] = '{"levels": ["4", "9"]}'
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Ukjente nivåer i pyramiden: 9" in response.content.decode()
    data["parameters"] = '{"levels": ["3", "4"]}'
    assert client.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.parameters == {"levels": ["3", "4"]}
