"""Subtree queries are one index range scan on the materialized path, on both databases (PERFORMANCE.md)."""

import pytest
from django.db import connection

from grassroots.core.paths import subtree_q
from grassroots.members.models import Member
from grassroots.orgs.models import Organization

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Tiny test tables: ask whether the index can serve the filter and the order at all.
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
    return queryset.explain()


def test_member_subtree_page_uses_the_path_index(tree):
    text = plan(Member.objects.filter(subtree_q("org_path", tree.town_a.path)).order_by("org_path", "id")[:50])
    assert "member_org_path_idx" in text
    assert "Sort" not in text and "TEMP B-TREE" not in text  # the index delivers the order: no sort step
    if connection.vendor == "sqlite":
        assert "org_path>? AND org_path<?" in text  # a range, not a scan with a LIKE filter


def test_keyset_page_deep_in_a_subtree_is_bounded_by_the_cursor(tree):
    from django.db.models import Q

    qs = Member.objects.filter(subtree_q("org_path", tree.county.path)).filter(
        Q(org_path__gte=tree.town_b.path) & (Q(org_path__gt=tree.town_b.path) | Q(id__gt=5))
    ).order_by("org_path", "id")[:50]
    text = plan(qs)
    assert "member_org_path_idx" in text and "Sort" not in text and "TEMP B-TREE" not in text


def test_organization_subtree_uses_the_path_index(tree):
    text = plan(Organization.objects.filter(subtree_q("path", tree.town_a.path)).order_by("path"))
    assert "path" in text and ("Index" in text or "INDEX" in text)
    assert "Sort" not in text and "TEMP B-TREE" not in text


def test_path_columns_compare_bytes_on_postgresql(tree):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares text as bytes by default")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, collation_name FROM information_schema.columns WHERE column_name IN ('path', 'org_path')"
            " AND table_schema = current_schema()"
        )
        collations = dict(cursor.fetchall())
    assert collations and set(collations.values()) == {"C"}, collations
