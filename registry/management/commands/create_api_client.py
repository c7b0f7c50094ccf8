"""Create an EPJ system's API client for one organisation and print its key, once."""

from django.core.management.base import BaseCommand, CommandError

from registry.models import ApiClient, ApiScope, Organization
from registry.services import create_api_client


class Command(BaseCommand):
    help = (
        "Create an API client (an EPJ system) acting for one organisation and print its key. "
        "Only a digest is stored: the key cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="ORGNR",
                            help="Organisation number (9 digits) of the organisation it acts for.")
        parser.add_argument("--name", required=True,
                            help='The system\'s name, e.g. "DIPS Arena UNN".')
        parser.add_argument("--scope", action="append", dest="scopes", metavar="SCOPE",
                            choices=ApiScope.values,
                            help="Grant a scope (repeat for several), e.g. pathways:write. "
                                 "Default: read every family, write none.")

    def handle(self, *args, org, name, scopes=None, **options):
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty.")
        max_length = ApiClient._meta.get_field("name").max_length
        if len(name) > max_length:
            raise CommandError(f"--name has at most {max_length} characters.")
        try:
            organization = Organization.objects.get(orgnr=org.replace(" ", ""))
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organisation with organisation number {org}.") from exc
        client, key = create_api_client(organization, name, scopes=scopes)
        self.stderr.write(
            f"Created API client {client.name!r} ({client.uuid}) for {organization.name}, "
            f"scopes {' '.join(client.scopes)}.\n"
            "The key is shown only this once; store it in the EPJ system's secret store:"
        )
        self.stdout.write(key)
