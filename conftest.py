import pytest
from django.db import connection

from grassroots.access.roles import Role
from grassroots.core.append_only import statements
from grassroots.core.testing.factories import make_tree, make_user


@pytest.fixture(autouse=True, scope="session")
def _flush_around_audit_triggers():
    """Transactional tests flush tables with DELETE on SQLite; lift the append-only triggers only for that."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            for sql in statements("sqlite", create=False):
                cursor.execute(sql)
        try:
            return original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for sql in statements("sqlite", create=True):
                    cursor.execute(sql)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture
def tree(db):
    return make_tree()


@pytest.fixture
def org_admin(tree):
    return make_user("county_admin", Role.ORG_ADMIN, tree.county)


@pytest.fixture
def secretary_a1(tree):
    return make_user("sec_a1", Role.SECRETARY, tree.village_a1)


@pytest.fixture
def clerk_a(tree):
    return make_user("clerk_a", Role.CLERK, tree.town_a)


@pytest.fixture
def vendor():
    return connection.vendor
