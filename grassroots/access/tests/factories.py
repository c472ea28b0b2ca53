"""Helpers for the access tests: the administrators' password, logging in through the real login view, and a
clock for time travel."""

import datetime as dt
import types

from django.urls import reverse
from django.utils import timezone

from grassroots.access import middleware as access_middleware

ADMIN_PASSWORD = "Grassroots#2026-admin"  # 12+ characters, as the administrator roles require
PASSWORD_MIDDLEWARE = "grassroots.access.middleware.PasswordChangeRequiredMiddleware"
SESSION_MIDDLEWARE = "grassroots.access.middleware.SessionLimitsMiddleware"


def login(client, user, password=ADMIN_PASSWORD, **extra):
    """Through the real login view, so the session carries is_admin_role and the password flags."""
    return client.post(reverse("access:login"), {"username": user.username, "password": password}, **extra)


def password_changed(user, days_ago: int = 0):
    """Mark the password as chosen by its owner `days_ago` days ago (not a temporary one)."""
    type(user).objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=days_ago))
    user.refresh_from_db()
    return user


def temporary_password(user):
    """Mark the password as temporary (set by an administrator, never changed by its owner)."""
    type(user).objects.filter(pk=user.pk).update(password_changed_at=None)
    user.refresh_from_db()
    return user


class Clock:
    """Moves django.utils.timezone.now and the session middleware's clock together."""

    def __init__(self, monkeypatch):
        self.offset = dt.timedelta(0)
        real_now = timezone.now

        def now():
            return real_now() + self.offset

        monkeypatch.setattr(timezone, "now", now)
        monkeypatch.setattr(access_middleware, "time", types.SimpleNamespace(time=lambda: now().timestamp()))

    def advance(self, **kwargs) -> None:
        self.offset += dt.timedelta(**kwargs)
