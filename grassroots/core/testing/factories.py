"""Test data builders shared by every app: an organization tree, a cast of users, members with valid IDs."""

import datetime as dt
import itertools
from dataclasses import dataclass

from django.utils import timezone

from grassroots.access.models import RoleGrant, User
from grassroots.access.roles import Role
from grassroots.access.scoping import forget_grants
from grassroots.core.identity import make_id_number
from grassroots.members.choices import MemberStatus
from grassroots.members.services import member_create
from grassroots.orgs.models import Organization
from grassroots.orgs.services import org_create_root

_seq = itertools.count(1)
TEST_PASSWORD = "Grassroots#2026pw"


def make_org(parent: Organization | None, name: str, **fields) -> Organization:
    """Creates without a permission check (test setup), keeping paths and child counts right."""
    from grassroots.orgs.services import next_child_path

    if parent is None:
        return org_create_root(actor=None, name=name, **{"kind": "committee", "sector": "county_committee", **fields})
    org = Organization.objects.create(
        path=next_child_path(parent), depth=parent.depth + 1, parent=parent, name=name,
        **{"kind": "branch", "sector": "village", **fields},
    )
    Organization.objects.filter(pk=parent.pk).update(numchild=parent.numchild + 1)
    parent.numchild += 1
    return org


@dataclass
class Tree:
    county: Organization
    town_a: Organization
    town_b: Organization
    village_a1: Organization
    village_a2: Organization
    village_b1: Organization


def make_tree() -> Tree:
    county = make_org(None, "测试县委")
    town_a = make_org(county, "甲镇党委", kind="committee", sector="township")
    town_b = make_org(county, "乙镇党委", kind="committee", sector="township")
    return Tree(
        county=county, town_a=town_a, town_b=town_b,
        village_a1=make_org(town_a, "甲一村党支部"),
        village_a2=make_org(town_a, "甲二村党支部"),
        village_b1=make_org(town_b, "乙一村党支部"),
    )


def make_user(username: str | None = None, role: str | None = None, org: Organization | None = None,
              password: str = TEST_PASSWORD) -> User:
    user = User.objects.create_user(username=username or f"user{next(_seq)}", password=password,
                                    password_changed_at=timezone.now())
    if role:
        grant(user, role, org)
    return user


def grant(user: User, role: str, org: Organization) -> RoleGrant:
    g = RoleGrant.objects.create(user=user, role=role, org=org, valid_from=dt.date(2000, 1, 1))
    forget_grants(user)
    return g


def id_number_for(birth: dt.date, gender: str = "M", region: str = "410102") -> str:
    sequence = next(_seq) % 500 * 2 + (1 if gender == "M" else 0)
    return make_id_number(region, birth, sequence)


def make_member(org: Organization, actor: User | None = None, **overrides):
    """Create through the real service (validation, encryption, audit) as an org admin of the org."""
    if actor is None:
        actor = make_user(role=Role.ORG_ADMIN, org=org)
    birth = overrides.pop("birth_date", dt.date(1980, 5, 17))
    gender = overrides.pop("gender", "M")
    data = {
        "name": f"测试{next(_seq)}",
        "gender": gender,
        "birth_date": birth,
        "id_number": id_number_for(birth, gender),
        "phone": "13800138000",
        "education": "bachelor",
        "occupation": "farmer",
        "joined_on": dt.date(2005, 7, 1),
        "confirmed_on": dt.date(2006, 7, 1),
        "status": MemberStatus.FULL,
    }
    data.update(overrides)
    return member_create(actor=actor, org=org, **data)
