"""Start the test provider: migrate its SQLite file, register the portal as a client and the
people, then serve on 127.0.0.1:<port> (threaded) until killed.

    python -m tests.oidc_provider.serve --port 8765 --database /tmp/p.sqlite3 \\
        --client-id portal --client-secret s3cret \\
        --redirect-uri http://testserver/me/sign-in/idporten/callback/ \\
        --people '{"<synthetic number>": {"password": "...", "pid": "...", "acr": "..."}}'
"""

import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", action="append", required=True)
    parser.add_argument("--post-logout-redirect-uri", action="append", default=[])
    parser.add_argument("--people", required=True, help="JSON: {username: claims}")
    args = parser.parse_args(argv)

    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
        OIDC_PROVIDER_ISSUER=f"http://127.0.0.1:{args.port}",
        OIDC_PROVIDER_DATABASE=args.database,
        OIDC_PROVIDER_CLIENT_ID=args.client_id,
        OIDC_PROVIDER_CLIENT_SECRET=args.client_secret,
        OIDC_PROVIDER_REDIRECT_URIS=" ".join(args.redirect_uri),
        OIDC_PROVIDER_POST_LOGOUT_REDIRECT_URIS=" ".join(args.post_logout_redirect_uri),
        OIDC_PROVIDER_PEOPLE=args.people,
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0, interactive=False)
    register(settings)
    server = ThreadedWSGIServer(("127.0.0.1", args.port), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    print(f"OpenID Connect test provider at {settings.ISSUER}", file=sys.stderr, flush=True)
    server.serve_forever()


def register(settings):
    from django.contrib.auth import get_user_model
    from oauth2_provider.models import Application

    Application.objects.update_or_create(client_id=settings.CLIENT_ID, defaults={
        "name": "Rehab Portal (test)",
        "client_secret": settings.CLIENT_SECRET,
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "redirect_uris": " ".join(settings.REDIRECT_URIS),
        "post_logout_redirect_uris": " ".join(settings.POST_LOGOUT_REDIRECT_URIS),
        "algorithm": Application.RS256_ALGORITHM,
        "skip_authorization": True,
    })
    users = get_user_model()
    for username, person in settings.PEOPLE.items():
        user, _created = users.objects.get_or_create(username=username)
        user.set_password(person["password"])
        user.save()


if __name__ == "__main__":
    main()
