"""The same Idempotency-Key with the same JSON (keys in another order, other whitespace) is
the same request: it is replayed, not refused as another body (422)."""

from pathways.models import Patient


def test_it_replays_the_same_json_in_another_key_order(cast, epj):
    first = ('{"identity_number": "12845130025", "given_name": "Per", "family_name": "Prøve", '
             f'"birth_date": "1951-04-12", "municipality": "{cast.tromso.uuid}"}}')
    second = (f'{{ "municipality" : "{cast.tromso.uuid}",\n  "family_name": "Prøve",'
              ' "birth_date" :"1951-04-12",'
              '"given_name":"Per","identity_number":"12845130025" }')
    headers = {"HTTP_IDEMPOTENCY_KEY": "register-per-1"}
    created = epj.post("/api/v1/patients/", first, content_type="application/json", **headers)
    assert created.status_code == 201, created.json()
    again = epj.post("/api/v1/patients/", second, content_type="application/json", **headers)
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == created.json()
    assert Patient.objects.filter(identity_number="12845130025").count() == 1


def test_it_still_refuses_another_body_with_the_same_key(cast, epj):
    headers = {"HTTP_IDEMPOTENCY_KEY": "register-per-2"}
    body = {"identity_number": "12845130025", "given_name": "Per", "family_name": "Prøve",
            "birth_date": "1951-04-12", "municipality": str(cast.tromso.uuid)}
    assert epj.post("/api/v1/patients/", body, format="json", **headers).status_code == 201
    other = epj.post("/api/v1/patients/", {**body, "given_name": "Pål"}, format="json",
                     **headers)
    assert other.status_code == 422
