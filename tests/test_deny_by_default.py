"""Deny by default (SECURITY.md B2): every URL the project routes, walked from the resolver, refuses an
anonymous visitor unless it is on the short public list. A new view that forgets its login check fails here."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from grassroots.core.testing.scope import module_public_urls

# setlang: choose a language before login; the modules' public pages (notices) come from their scope_endpoints
PUBLIC = {"/accounts/login/", "/api/docs", "/api/openapi.json", "/i18n/setlang/", *module_public_urls()}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route: str) -> str:
    route = re.sub(r"<(?:int:)?[^>]+>", "1", route)  # path converters
    route = re.sub(r"\{[^}]+\}", "1", route)  # ninja's path parameters
    route = route.lstrip("^").rstrip("$")
    return "/" + route


ROUTES = sorted({_concrete(r) for r in _walk(get_resolver().url_patterns)} - {"/static/1"})


def test_the_walk_finds_the_project_routes():
    assert {"/members/", "/orgs/1/", "/api/members/"} <= set(ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ROUTES)
def test_anonymous_is_refused_everywhere_but_the_public_list(url):
    if url in PUBLIC:
        pytest.skip("public by design")
    client = Client()
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code == 302:
            assert "/accounts/login/" in response.url, (method, url, response.url)
        else:
            assert response.status_code in (401, 403, 404, 405), (method, url, response.status_code)
