"""Departments and wards from a CSV file (manage.py import_wards): one row a ward, the
hospital named by organisation number or HER-id. Idempotent: a ward is found by its
hospital and short code, and a second run of the same file changes nothing. Every line is
checked before anything is written; one bad line writes nothing and names the line."""

import csv
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Department, Organization, OrganizationKind, Ward
from .models.wards import normalize_code

COLUMNS = ("hospital", "department", "ward", "code")
TRUE, FALSE = {"", "1", "yes", "ja", "true", "active", "aktiv"}, {"0", "no", "nei", "false"}


@dataclass
class WardRow:
    line: int
    hospital: Organization
    department: str
    ward: str
    code: str
    active: bool


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    departments_created: int = 0
    errors: list[str] = field(default_factory=list)


def _hospital(value: str, hospitals: dict) -> Organization | None:
    key = "".join(value.split())
    return hospitals.get(("orgnr", key)) or hospitals.get(("her_id", key))


def read_rows(lines) -> tuple[list[WardRow], list[str]]:
    """The file's rows, checked; and an error per bad line ("line 4: ...")."""
    reader = csv.DictReader(lines, skipinitialspace=True)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        return [], [f"line 1: the header lacks the column(s) {', '.join(missing)} "
                    f"(expected {', '.join(COLUMNS)}, optionally active)"]
    reader.fieldnames = header
    hospitals = {}
    for org in Organization.objects.filter(kind=OrganizationKind.HOSPITAL):
        hospitals["orgnr", org.orgnr] = org
        if org.her_id:
            hospitals["her_id", org.her_id] = org
    rows, errors, seen = [], [], {}
    for number, record in enumerate(reader, start=2):
        values = {name: " ".join((record.get(name) or "").split()) for name in header}
        if not any(values.values()):
            continue  # a blank line
        problems = [f"{name} is empty" for name in COLUMNS if not values[name]]
        hospital = _hospital(values["hospital"], hospitals) if values["hospital"] else None
        if values["hospital"] and hospital is None:
            problems.append(f"no hospital with organisation number or HER-id "
                            f"{values['hospital']!r}")
        code = normalize_code(values["code"])
        if len(code) > Ward._meta.get_field("code").max_length:
            problems.append(f"the code {code!r} is longer than 20 characters")
        for name, model in (("department", Department), ("ward", Ward)):
            if len(values[name]) > model._meta.get_field("name").max_length:
                problems.append(f"the {name} name is longer than 120 characters")
        active = values.get("active", "").lower()
        if active not in TRUE | FALSE:
            problems.append(f"active is {values['active']!r}: give yes or no")
        if hospital is not None and code:
            earlier = seen.setdefault((hospital.pk, code), number)
            if earlier != number:
                problems.append(f"the code {code} of {hospital.name} is on line {earlier} too")
        if problems:
            errors.append(f"line {number}: {'; '.join(problems)}")
            continue
        rows.append(WardRow(number, hospital, values["department"], values["ward"], code,
                            active not in FALSE))
    return rows, errors


@transaction.atomic
def import_wards(lines, *, by=None, dry_run: bool = False) -> ImportResult:
    """Create or update the wards of the file's rows; nothing at all if a line is bad (the
    result's errors) or on a dry run."""
    rows, errors = read_rows(lines)
    result = ImportResult(errors=errors)
    if errors:
        return result
    departments = {(d.hospital_id, d.name.casefold()): d for d in Department.objects.filter(
        hospital__in={row.hospital.pk for row in rows})}
    wards = {(w.hospital_id, w.code): w for w in Ward.objects.filter(
        hospital__in={row.hospital.pk for row in rows})}
    for row in rows:
        department = departments.get((row.hospital.pk, row.department.casefold()))
        if department is None:
            department = Department(hospital=row.hospital, name=row.department,
                                    created_by=by, updated_by=by)
            department.full_clean()
            department.save()
            departments[row.hospital.pk, row.department.casefold()] = department
            result.departments_created += 1
        ward = wards.get((row.hospital.pk, row.code))
        wanted = {"department": department, "name": row.ward, "active": row.active}
        if ward is None:
            ward = Ward(code=row.code, created_by=by, updated_by=by, **wanted)
            result.created += 1
        elif all(getattr(ward, name) == value for name, value in wanted.items()):
            result.unchanged += 1
            continue
        else:
            for name, value in wanted.items():
                setattr(ward, name, value)
            ward.updated_by = by
            result.updated += 1
        try:
            ward.full_clean()
        except ValidationError as exc:
            result.errors.append(f"line {row.line}: {'; '.join(exc.messages)}")
            continue
        ward.save()
        wards[row.hospital.pk, row.code] = ward
    if result.errors or dry_run:
        transaction.set_rollback(True)
    return result
