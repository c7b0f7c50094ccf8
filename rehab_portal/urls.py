from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api import router
from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"),
         name="swagger-ui"),
    path("fhir/r4/", include("fhir_api.urls")),
    path("", include("pathways.urls")),
    path("", include("coordination.urls")),
    path("", include("registry.urls")),
    path("", include("indicators.urls")),
    path("", include("referrals.urls")),
    path("", include("plo.urls")),
    path(settings.CITIZEN_URL_PREFIX.strip("/") + "/", include("citizen.urls")),
]

handler404 = "rehab_portal.errors.page_not_found"
handler500 = "rehab_portal.errors.server_error"
