"""One error shape for the whole API, {code, message, errors?}, with Chinese messages; bad input never 500s."""

import json

import pytest

from grassroots.api.tests.support import session_client
from grassroots.core.testing.factories import make_member


@pytest.fixture
def client(secretary_a1):
    return session_client(secretary_a1)


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/openapi.json")
    docs = client.get("/api/docs")

    assert schema.status_code == 200
    assert "/api/members/{member_id}/reveal" in schema.json()["paths"]
    assert docs.status_code == 200


def test_missing_record_answers_404_in_the_common_shape(client):
    response = client.get("/api/orgs/987654321")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "记录不存在或不在您的管辖范围内"}


@pytest.mark.parametrize("url", ["/api/orgs/99999999999999999999999", "/api/members/9223372036854775807"])
def test_id_beyond_the_column_range_is_just_not_found(client, url):
    assert client.get(url).status_code == 404


def test_non_numeric_id_is_a_validation_error_naming_the_parameter(client):
    response = client.get("/api/orgs/abc")

    assert response.status_code == 422
    assert response.json()["errors"] == {"org_id": ["应为整数"]}


def test_query_errors_are_listed_per_parameter_in_chinese(client):
    response = client.get("/api/members/?status=bogus&page_size=500&after=not-a-cursor&org=x")

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "invalid"
    assert body["message"] == "输入有误，请检查标出的字段"
    assert body["errors"]["status"] == ["取值无效，可选值：probationary、full"]
    assert body["errors"]["page_size"] == ["不能大于200"]
    assert body["errors"]["after"] == ["翻页游标无效，请从第一页重新开始"]
    assert body["errors"]["org"] == ["应为整数"]


@pytest.mark.parametrize("cursor", ["WyJhIiwgImIiXQ", "W3siYSI6IDF9LCAxXQ", "WzEsIDJd", "bnVsbA", "%00"])
def test_well_formed_but_wrong_cursors_are_refused_not_crashed(client, cursor):
    # ["a","b"], [{"a":1},1], [1,2], null, NUL
    response = client.get(f"/api/members/?before={cursor}")

    assert response.status_code == 422


def test_text_with_nul_is_refused_before_it_reaches_the_database(client):
    response = client.get("/api/orgs/search?q=a%00b")

    assert response.status_code == 422
    assert response.json()["errors"] == {"q": ["不能包含空字符"]}


def test_unparseable_body_is_400(client, tree):
    response = client.post("/api/members/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("body", ["[]", '"text"', "123", "null"])
def test_body_that_is_not_an_object_is_refused(client, body):
    response = client.post("/api/members/", body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == {"__all__": ["应为JSON对象"]}


def test_body_errors_name_each_field_in_chinese(client, tree):
    member = make_member(tree.village_a1)
    body = {
        "version": 1, "gender": None, "joined_on": "2020-13-45", "posts": "abc", "is_mobile": "perhaps",
        "name": "名" * 51, "nickname": "x",
    }

    response = client.patch(f"/api/members/{member.pk}", body, content_type="application/json")

    errors = response.json()["errors"]
    assert response.status_code == 422
    assert errors["gender"] == ["不能为空"]
    assert errors["joined_on"] == ["日期格式应为 YYYY-MM-DD"]
    assert errors["posts"] == ["应为列表"]
    assert errors["is_mobile"] == ["应为 true 或 false"]
    assert errors["name"] == ["不能超过50个字符"]
    assert errors["nickname"] == ["不支持该字段"]


@pytest.mark.parametrize("version", [0, 10**40, 1.5, "one"])
def test_bad_version_values_are_refused(client, tree, version):
    member = make_member(tree.village_a1)

    response = client.patch(f"/api/members/{member.pk}", json.dumps({"version": version}),
                            content_type="application/json")

    assert response.status_code == 422
    assert "version" in response.json()["errors"]


def test_responses_keep_chinese_readable(client, tree):
    response = client.get(f"/api/orgs/{tree.village_a1.pk}")

    assert "甲一村党支部" in response.content.decode()
