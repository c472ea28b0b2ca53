"""core.bulk.AnyOf on SQLite and on PostgreSQL (bulk_insert is exercised by the imports' own tests)."""

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from grassroots.core.bulk import AnyOf
from grassroots.core.testing.factories import make_member
from grassroots.members.models import Member

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds(tree, org_admin):
    members = [make_member(tree.village_a1, actor=org_admin) for _ in range(3)]
    wanted = [members[0].id_number_hash, members[2].id_number_hash, "0" * 64]
    with CaptureQueriesContext(connection) as queries:
        found = set(Member.objects.filter(AnyOf(F("id_number_hash"), wanted)).values_list("pk", flat=True))
    assert found == set(Member.objects.filter(id_number_hash__in=wanted).values_list("pk", flat=True))
    assert found == {members[0].pk, members[2].pk}
    sql = queries.captured_queries[0]["sql"]
    assert ("ANY" in sql) == (connection.vendor == "postgresql")


def test_any_of_nothing_matches_nothing_without_a_query(tree, org_admin):
    make_member(tree.village_a1, actor=org_admin)
    with CaptureQueriesContext(connection) as queries:
        assert list(Member.objects.filter(AnyOf(F("id_number_hash"), []))) == []
    assert len(queries) == 0


def test_any_of_locks_rows(tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = list(Member.objects.filter(AnyOf(F("id_number_hash"), [member.id_number_hash])).select_for_update()
                    .values_list("pk", flat=True))
    assert rows == [member.pk]
    sql = queries.captured_queries[-1]["sql"]
    assert ("FOR UPDATE" in sql) == connection.features.has_select_for_update  # SQLite locks the whole file

