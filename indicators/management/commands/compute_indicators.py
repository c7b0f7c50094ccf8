"""`manage.py compute_indicators [--full]`: bring the indicator figures up to date now, as the
nightly task does (indicators.services.compute)."""

from django.core.management.base import BaseCommand, CommandError

from indicators.services import compute


class Command(BaseCommand):
    help = ("Compute the indicator figures: the months changed since the last good run, or "
            "every month with --full.")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true",
                            help="Recompute every month of every indicator.")

    def handle(self, *args, full=False, **options):
        try:
            run = compute(full=full)
        except Exception as exc:
            raise CommandError(f"The computation failed: {exc}") from exc
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(self.style.SUCCESS(
            f"Indicator figures computed ({'every month' if run.full else 'changed months'}): "
            f"{run.months} months, {run.rows} figures written, in {seconds:.1f} s."))
