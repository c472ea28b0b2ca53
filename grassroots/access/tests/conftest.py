"""The access app's cast: one administrator of each kind at the county and in town A, a clerk in town B,
a clock for time travel."""

import pytest

from grassroots.access.roles import Role
from grassroots.access.tests.factories import (
    ADMIN_PASSWORD,
    Clock,
)
from grassroots.core.testing.factories import make_user


def _admin(username, role, org):
    return make_user(username, role, org, password=ADMIN_PASSWORD)


@pytest.fixture
def sys_admin_a(tree):
    return _admin("sys_a", Role.SYSTEM_ADMIN, tree.town_a)


@pytest.fixture
def sys_admin_county(tree):
    return _admin("sys_county", Role.SYSTEM_ADMIN, tree.county)


@pytest.fixture
def sec_admin_a(tree):
    return _admin("sec_a", Role.SECURITY_ADMIN, tree.town_a)


@pytest.fixture
def sec_admin_county(tree):
    return _admin("sec_county", Role.SECURITY_ADMIN, tree.county)


@pytest.fixture
def audit_admin_county(tree):
    return _admin("aud_county", Role.AUDIT_ADMIN, tree.county)


@pytest.fixture
def audit_admin_a(tree):
    return _admin("aud_a", Role.AUDIT_ADMIN, tree.town_a)


@pytest.fixture
def clerk_b(tree):
    return make_user("clerk_b", Role.CLERK, tree.town_b)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)
