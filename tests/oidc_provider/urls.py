from django.contrib.auth.views import LoginView
from django.urls import include, path

urlpatterns = [
    path("login/", LoginView.as_view(template_name="registration/login.html"), name="login"),
    # At the root, as ID-porten's: /authorize/, /token/, /.well-known/openid-configuration.
    path("", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
