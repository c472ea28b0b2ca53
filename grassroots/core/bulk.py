"""Set-based inserts of many rows: COPY on PostgreSQL (parameter binding of big batches is the slow part),
bulk_create elsewhere. Rows are dicts of column attnames (e.g. "org_id"); every row has the same keys."""

import json

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Lookup

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


class AnyOf(Lookup):
    """`AnyOf(F("column"), values)`: the column equals one of many values. On PostgreSQL one array parameter
    (`= ANY(%s)`); elsewhere an IN list of plain parameters. A 2,000-value `__in` costs Django (each value
    prepared by the field) and psycopg (a long query converted each time) more than the query itself: an
    import looks members up by their ID hash 2,000 rows at a time. The values must already be what the column
    stores (strings for a CharField, ints for a key)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
