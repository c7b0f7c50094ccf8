"""What the admin lets a superuser do with rows that the services write: the audit trail and
coordinator profiles only to look at; delivery records also to clear."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from coordination.models import Coordinator
from registry.models import AuditEvent, Notification, User
from webhooks.models import WebhookDelivery


@pytest.fixture
def superuser_request(db):
    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser("root", "root@example.test", "x")
    return request


@pytest.mark.parametrize("model", [AuditEvent, Coordinator])
def test_the_trail_and_coordinator_profiles_are_read_only_even_for_a_superuser(
        model, superuser_request):
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(superuser_request)
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)
    assert not model_admin.has_delete_permission(superuser_request)


@pytest.mark.parametrize("model", [Notification, WebhookDelivery])
def test_delivery_records_may_be_cleared_but_not_written(model, superuser_request):
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)
    assert model_admin.has_delete_permission(superuser_request)
