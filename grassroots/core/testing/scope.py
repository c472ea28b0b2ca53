"""The scoping contract's endpoint list, gathered from every module (tests/test_scope_matrix.py runs it).

A module adds its pages and API endpoints in `grassroots/<app>/tests/scope_endpoints.py`:

    ENDPOINTS = [Endpoint("dues board", "get", "/dues/?org={org}", "dues.view"), ...]
    PUBLIC_URLS = {"/development/notices/1/"}  # pages anonymous visitors may open (tests/test_deny_by_default.py)

URLs and bodies may name {org} (a branch), {member} (a member of that branch) and {parent} (another
organization); endpoints about records of the module's own are tested in the module's own scope tests.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str  # formatted with org= / member= / parent= ids
    perm: str
    body: dict | None = None
    api: bool = False


def _modules():
    for config in apps.get_app_configs():
        if not config.name.startswith("grassroots."):
            continue
        try:
            yield importlib.import_module(f"{config.name}.tests.scope_endpoints")
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith(config.name):
                raise


def module_endpoints() -> list[Endpoint]:
    return [endpoint for module in _modules() for endpoint in getattr(module, "ENDPOINTS", ())]


def module_public_urls() -> set[str]:
    return {url for module in _modules() for url in getattr(module, "PUBLIC_URLS", ())}
