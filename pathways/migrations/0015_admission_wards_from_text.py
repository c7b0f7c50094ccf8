"""Each admission's ward from its free text, through the same mapping as the memberships'
(registry 0011): one ward per hospital and name, found without regard to case, so the
planner's "Slagenheten, nevrologisk avdeling" and the patients' "Slagenheten" meet. One
UPDATE per distinct text. Backwards, the text is the ward's name."""

import importlib

from django.db import migrations

registry_wards = importlib.import_module("registry.migrations.0011_membership_wards_from_text")


def admissions_to_wards(apps, schema_editor):
    Admission = apps.get_model("pathways", "Admission")
    wards = registry_wards.WardsFromText(apps)
    pairs = Admission.objects.values_list("hospital_id", "ward_text").distinct().order_by()
    for hospital_id, text in registry_wards.WardsFromText.ordered(set(pairs)):
        # An admission always had a ward; a blank one (never made by the portal) gets one.
        ward = wards.ward_for(hospital_id, text) or wards.ward_for(hospital_id, "Ukjent post")
        Admission.objects.filter(hospital_id=hospital_id, ward_text=text).update(ward=ward)


def wards_to_text(apps, schema_editor):
    Admission = apps.get_model("pathways", "Admission")
    Ward = apps.get_model("registry", "Ward")
    for ward_id, name in Ward.objects.values_list("pk", "name"):
        Admission.objects.filter(ward_id=ward_id).update(ward_text=name)


class Migration(migrations.Migration):

    dependencies = [
        ("pathways", "0014_admission_ward_key"),
        ("registry", "0011_membership_wards_from_text"),
    ]

    operations = [
        migrations.RunPython(admissions_to_wards, wards_to_text, elidable=False),
    ]
