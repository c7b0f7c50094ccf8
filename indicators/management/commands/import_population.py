"""Import SSB population figures (table 07459, registered; 13600, projections) and the
kommunenummer history. Every file is read before anything is written, and all of it is
written in one transaction: a file with an error leaves the database as it was."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators import population


class Command(BaseCommand):
    help = ("Import population figures from SSB's CSV or JSON-stat 2.0 (tables 07459 and "
            "13600) or BergensTidende/bord4-data's extract; --shipped loads the cited files "
            "in indicators/data/ and the history of municipality numbers. Importing the same "
            "file again changes nothing; a figure of the same municipality, year and kind is "
            "replaced by the later file's.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE")
        parser.add_argument("--format", choices=["ssb-csv", "jsonstat", "bord4"],
                            help="The files' format (default: recognised from the content).")
        parser.add_argument("--table", choices=sorted(population.TABLE_KINDS),
                            help="The SSB table the files must be (07459 registered "
                                 "population, 13600 projections).")
        parser.add_argument("--variant",
                            help="The projection variant to read from a 13600 file holding "
                                 f"several (default {population.MAIN_VARIANT}).")
        parser.add_argument("--source",
                            help="Where the files came from, kept on every figure (default: "
                                 "SSB table, variant and file name, NLOD 2.0).")
        parser.add_argument("--shipped", action="store_true",
                            help="Load indicators/data/ (SSB 07459 2001-2022 via "
                                 "bord4-data) and the kommunenummer history.")

    def handle(self, *args, files, format=None, table=None, variant=None, source=None,
               shipped=False, **options):
        if not files and not shipped:
            raise CommandError("Name the files to import, or --shipped.")
        readings = []
        changes, notes = [], []
        try:
            if shipped:
                shipped_reading, changes, notes = population.read_shipped()
                readings.append((population.SHIPPED_POPULATION[0], shipped_reading))
            for name in files:
                path = Path(name)
                try:
                    data = path.read_bytes()
                except OSError as error:
                    raise CommandError(f"{name}: {error.strerror}") from error
                readings.append((name, population.read_population_file(
                    data, format=format, table=table, variant=variant, source=source,
                    name=path.name)))
        except population.PopulationFileError as error:
            raise CommandError(f"Nothing imported. {error}") from error

        with transaction.atomic():
            figures = population.save_figures(
                row for _name, reading in readings for row in reading.figures)
            history = population.save_changes(changes) if shipped else None
        for name, reading in readings:
            self.stdout.write(f"{name}: {reading.summary()}")
        self.stdout.write(self.style.SUCCESS(f"Population figures: {figures}."))
        if history is not None:
            self.stdout.write(self.style.SUCCESS(f"Municipality number changes: {history}."))
        for note in notes:
            self.stdout.write(self.style.WARNING(note))
