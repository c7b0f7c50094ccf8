"""A public UUID for every existing row of a table, in a migration that adds one: the column
is added nullable, filled here, then made unique and required. On PostgreSQL one UPDATE (a
million care relationships in seconds); elsewhere in batches, each row its own uuid4."""

import uuid

BATCH = 2000


def fill_uuids(app_label: str, *model_names: str):
    """The RunPython function that fills the `uuid` column of these models where it is NULL."""

    def fill(apps, schema_editor):
        for name in model_names:
            model = apps.get_model(app_label, name)
            if schema_editor.connection.vendor == "postgresql":
                quote = schema_editor.quote_name
                column = quote(model._meta.get_field("uuid").column)
                schema_editor.execute(
                    f"UPDATE {quote(model._meta.db_table)} "  # noqa: S608 - the model's names
                    f"SET {column} = gen_random_uuid() WHERE {column} IS NULL")
            else:
                _fill_in_batches(model)

    return fill


def _fill_in_batches(model) -> None:
    rows = model._base_manager.filter(uuid__isnull=True).order_by("pk")
    last = None
    while True:
        pks = list((rows if last is None else rows.filter(pk__gt=last))
                   .values_list("pk", flat=True)[:BATCH])
        if not pks:
            return
        model._base_manager.bulk_update([model(pk=pk, uuid=uuid.uuid4()) for pk in pks],
                                        ["uuid"])
        last = pks[-1]
