"""Daily rates for patients ready for discharge (DOMAIN.md; forskrift om kommunal betaling
for utskrivningsklare pasienter). Later years are added by an administrator in the admin."""

from django.db import migrations

RATES = {2022: 5306, 2023: 5508, 2024: 5745}
SOURCE = "Døgnpris for utskrivningsklare pasienter (DOMAIN.md)"


def create_rates(apps, schema_editor):
    DailyRate = apps.get_model("pathways", "DailyRate")
    for year, amount in RATES.items():
        DailyRate.objects.get_or_create(year=year, defaults={"amount": amount, "source": SOURCE})


class Migration(migrations.Migration):
    dependencies = [("pathways", "0003_admissions_notices_meetings")]
    operations = [migrations.RunPython(create_rates, migrations.RunPython.noop)]
