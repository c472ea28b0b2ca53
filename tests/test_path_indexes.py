"""Subtree queries are one index range scan on the materialized path, on both databases (PERFORMANCE.md)."""

import pytest
from django.db import connection

from grassroots.members.models import Member
from grassroots.orgs.models import Organization

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: ask whether the index is usable
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
    return queryset.explain()


def test_member_subtree_page_uses_the_path_index(tree):
    text = plan(Member.objects.filter(org_path__startswith=tree.town_a.path).order_by("org_path", "id")[:50])
    assert "member_org_path_idx" in text
    if connection.vendor == "sqlite":
        assert "org_path>? AND org_path<?" in text  # a range, not a scan with a LIKE filter


def test_organization_subtree_uses_the_path_index(tree):
    text = plan(Organization.objects.filter(path__startswith=tree.town_a.path))
    assert "org_path_prefix_idx" in text or "orgs_organization_path" in text
    if connection.vendor == "postgresql":
        assert "~>=~" in text  # pattern-ops range condition derived from LIKE 'prefix%'
