"""Import a hospital's departments and wards from a CSV file (registry.ward_import)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from registry.ward_import import COLUMNS, import_wards


class Command(BaseCommand):
    help = (
        "Create or update hospitals' departments and wards from a CSV file with the header "
        f"{','.join(COLUMNS)} (and optionally active: yes/no). The hospital is its "
        "organisation number or HER-id; a ward is found by its hospital and code, so running "
        "the same file again changes nothing. A bad line writes nothing and is named."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file (UTF-8), or - for standard input.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and report, writing nothing.")

    def handle(self, *args, path, dry_run=False, **options):
        try:
            if path == "-":
                result = import_wards(sys.stdin, dry_run=dry_run)
            else:
                with open(path, encoding="utf-8-sig", newline="") as lines:
                    result = import_wards(lines, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text.") from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} bad line(s): nothing was imported.")
        self.stdout.write(
            f"{'Would create' if dry_run else 'Created'} {result.created} ward(s) and "
            f"{result.departments_created} department(s); updated {result.updated}, "
            f"{result.unchanged} unchanged.")
