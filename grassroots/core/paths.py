"""Materialized paths: the column type and the one way to select a subtree.

A path is fixed-width segments over [0-9A-Z]. The column compares bytes (collation "C" on PostgreSQL,
SQLite's default BINARY), so one plain btree index on (path, id) serves both the subtree range and
ORDER BY path, id (PERFORMANCE.md: one index range scan, keyset pages that stop at the LIMIT).
"""

from django.db import models
from django.db.models import Q

# Sorts after every character a path may contain, so [prefix, prefix + PATH_END) is exactly the subtree.
PATH_END = "~"


class PathField(models.CharField):
    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def is_strictly_above(upper: str, path: str) -> bool:
    """Is `upper` an ancestor of `path` (not `path` itself)?"""
    return path.startswith(upper) and len(upper) < len(path)


def subtree_q(field: str, prefix: str) -> Q:
    """Rows whose path starts with prefix, as a range both SQLite and PostgreSQL bound an index scan with."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + PATH_END})
