"""A small, real OpenID Connect provider for the sign-in tests (django-oauth-toolkit), in the
manner of ID-porten: the `pid`, `acr`, `given_name` and `family_name` claims in the id_token,
a plain login form, RP-initiated logout. Started in its own process by
tests/citizen/conftest.py (`oidc_provider` fixture) through serve.py."""
