"""Served under /api/ by config/urls.py: `path("api/", include("grassroots.api.urls"))`.

The NinjaAPI is built with urls_namespace="api", so app_name below is the namespace ninja itself reverses
(`api:openapi-json` for the docs page) and endpoint names are reversible as `api:<name>`."""

from grassroots.api.api import api

app_name = "api"
urlpatterns = api.urls[0]
