"""Helpers shared by the API tests of every app: clients signed in by session or by bearer token."""

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from grassroots.access.models import ApiToken

# SECURITY.md F2: a full ID number or mobile number must not appear outside the reveal endpoint.
FULL_ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
FULL_MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def session_client(user, *, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


def make_token(user, *, revoked: bool = False, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name="测试令牌", key_hash=ApiToken.hash_key(key), prefix=key[:8], revoked=revoked,
        expires_at=expires_at,
    )
    return token, key


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def token_client(user) -> Client:
    _, key = make_token(user, expires_at=timezone.now() + dt.timedelta(days=1))
    return Client(headers=bearer(key))
