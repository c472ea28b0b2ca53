"""Hostile query strings never produce a 500 (the review's reproductions, kept as tests)."""

import pytest

from grassroots.core.pagination import encode_cursor
from grassroots.core.testing.factories import TEST_PASSWORD, make_member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "/members/?page=100000000000000000000",
    "/members/?page=-5",
    "/members/?after=" + encode_cursor(("00\x001", 5)),
    "/members/?before=" + encode_cursor(("0001", 2**70)),
    "/members/?after=garbage",
    "/members/?q=%00",
    "/orgs/?q=%00",
    "/orgs/pick/?q=%00&target=x",
    "/accounts/users/?q=%00",
])
def test_no_server_error(client, org_admin, tree, url):
    make_member(tree.village_a1, actor=org_admin)
    client.login(username=org_admin.username, password=TEST_PASSWORD)
    assert client.get(url).status_code < 500


def test_export_reason_with_nul_is_accepted_cleaned(client, org_admin, tree):
    make_member(tree.village_a1, actor=org_admin)
    client.login(username=org_admin.username, password=TEST_PASSWORD)
    assert client.post("/members/export/", {"reveal": "1", "reason": "a\x00b"}).status_code == 200


def test_picker_target_cannot_inject_script(client, org_admin, tree):
    client.login(username=org_admin.username, password=TEST_PASSWORD)
    html = client.get("/orgs/pick/", {"q": "村", "target": "x');alert(1);//"}).content.decode()
    assert "alert" not in html
    html = client.get("/orgs/pick/", {"q": "村", "target": "id_new_parent"}).content.decode()
    assert 'data-picker-target="id_new_parent"' in html
