"""Each hospital's wards from the free text memberships held (admissions' text follows in
pathways 0015, through the same WardsFromText). "Slagenheten, nevrologisk avdeling" is the
ward Slagenheten of the department "nevrologisk avdeling", so a planner's "Slagenheten,
nevrologisk avdeling" and the patients' "Slagenheten" become one ward; text with no
department goes to DEFAULT_DEPARTMENT, for an administrator to sort in the admin.
Backwards, the text is the ward's name."""

import unicodedata

from django.db import migrations

DEFAULT_DEPARTMENT = "Avdeling ikke angitt"
_FOLD = str.maketrans({"Æ": "AE", "Ø": "O", "Å": "A"})


def split_ward_text(text: str) -> tuple[str, str]:
    """(ward, department) from "ward, department"; the department may be empty."""
    ward, _comma, department = " ".join((text or "").split()).partition(",")
    return ward.strip()[:120], department.strip()[:120]


def code_base(name: str) -> str:
    """A short code from a name: "Slagenheten" SLAG, "Sengepost 3" SENG3, "Nevrologisk
    sengepost" NEVRS."""
    words = []
    for word in name.upper().translate(_FOLD).split():
        ascii_word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
        word = "".join(c for c in ascii_word if c.isalnum())
        if word:
            words.append(word)
    if not words:
        return "POST"
    tail = "".join(word if word.isdigit() else word[0] for word in words[1:])
    return (words[0][:4] + tail)[:16]


class WardsFromText:
    """Finds or creates the ward a piece of free text names at a hospital (name compared
    without regard to case), caching each hospital's wards and codes."""

    def __init__(self, apps):
        self.Ward = apps.get_model("registry", "Ward")
        self.Department = apps.get_model("registry", "Department")
        self.hospitals = {}

    def _hospital(self, hospital_id):
        if hospital_id not in self.hospitals:
            wards = list(self.Ward.objects.filter(hospital_id=hospital_id)
                         .select_related("department"))
            self.hospitals[hospital_id] = (
                {ward.name.casefold(): ward for ward in wards}, {ward.code for ward in wards})
        return self.hospitals[hospital_id]

    def _department(self, hospital_id, name):
        return self.Department.objects.get_or_create(
            hospital_id=hospital_id, name=name or DEFAULT_DEPARTMENT)[0]

    def ward_for(self, hospital_id, text):
        name, department = split_ward_text(text)
        if not name:
            return None
        by_name, codes = self._hospital(hospital_id)
        ward = by_name.get(name.casefold())
        if ward is not None:
            if department and ward.department.name == DEFAULT_DEPARTMENT:
                ward.department = self._department(hospital_id, department)
                ward.save(update_fields=["department"])
            return ward
        base = code = code_base(name)
        number = 2
        while code in codes:
            code = f"{base[:16 - len(str(number))]}{number}"
            number += 1
        codes.add(code)
        ward = self.Ward.objects.create(
            department=self._department(hospital_id, department), hospital_id=hospital_id,
            name=name, code=code)
        by_name[name.casefold()] = ward
        return ward

    @staticmethod
    def ordered(texts):
        """Text naming a department first, so that a plain name finds that ward."""
        return sorted(texts, key=lambda pair: ("," not in pair[1], pair))


def memberships_to_wards(apps, schema_editor):
    Membership = apps.get_model("registry", "Membership")
    wards = WardsFromText(apps)
    pairs = (Membership.objects.filter(organization__kind="hospital").exclude(ward_text="")
             .values_list("organization_id", "ward_text").distinct().order_by())
    for hospital_id, text in WardsFromText.ordered(set(pairs)):
        ward = wards.ward_for(hospital_id, text)
        Membership.objects.filter(organization_id=hospital_id, ward_text=text).update(
            ward=ward)


def wards_to_text(apps, schema_editor):
    Membership = apps.get_model("registry", "Membership")
    for membership in Membership.objects.filter(ward__isnull=False).select_related("ward"):
        membership.ward_text = membership.ward.name
        membership.save(update_fields=["ward_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0010_departments_and_wards"),
    ]

    operations = [
        migrations.RunPython(memberships_to_wards, wards_to_text, elidable=False),
    ]
