"""Set-based inserts of many rows: COPY on PostgreSQL (parameter binding of big batches is the slow part),
bulk_create elsewhere. Rows are dicts of column attnames (e.g. "org_id"); every row has the same keys."""

import json

from django.db import connection

BATCH_SIZE = 5000


def _copy_value(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def bulk_insert(model, rows: list[dict], *, batch_size: int = BATCH_SIZE, use_copy: bool | None = None) -> int:
    if not rows:
        return 0
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if not use_copy:
        model.objects.bulk_create([model(**row) for row in rows], batch_size=batch_size)
        return len(rows)
    names = list(rows[0])
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name]) for name in names])
    return len(rows)
