"""How the domain modules plug into the shared screens without editing them.

An app's AppConfig may declare:
- ``nav_items``: ``[NavItem(label, url_name, perm), ...]``, shown in the top menu to users holding ``perm``
  anywhere;
- ``dashboard_panels``: dotted paths of functions ``(actor, org) -> str | None`` that return rendered HTML for
  an organization's dashboard (reminders, due and overdue items), or None when there is nothing to show.

An app may also have a ``demo`` module with ``extend(ctx: DemoContext)`` (adds the module's records to a newly
loaded demo county) and ``reset(prefix: str)`` (deletes them again before the county's members and orgs).
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str


@dataclass
class DemoContext:
    root_path: str  # the demo county's path; its subtree is the demo
    tenant: str
    today: dt.date
    rng: random.Random  # seeded from the demo's --seed: the same seed gives the same records
    log: Callable[[str], None] = print
    counts: dict = field(default_factory=dict)  # module → rows written, printed by `manage.py demo`


def project_apps():
    return [config for config in apps.get_app_configs() if config.name.startswith("grassroots.")]


def nav_items() -> list[NavItem]:
    return [item for config in project_apps() for item in getattr(config, "nav_items", ())]


def dashboard_panels(actor, org) -> list[str]:
    """The rendered panels of every module, in INSTALLED_APPS order, skipping the empty ones."""
    panels = []
    for config in project_apps():
        for dotted in getattr(config, "dashboard_panels", ()):
            html = import_string(dotted)(actor, org)
            if html:
                panels.append(html)
    return panels


def demo_modules() -> list:
    found = []
    for config in project_apps():
        try:
            found.append(importlib.import_module(f"{config.name}.demo"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    return [module for module in found if hasattr(module, "extend")]
