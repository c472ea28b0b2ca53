"""Who is calling the API: a bearer token (`Authorization: Bearer gr_…`) or a signed-in browser session.

Tokens are stored only as SHA-256 (ApiToken.hash_key), so a presented key is hashed and looked up. A bearer
header that is present but not valid is refused with 401 at once; it never falls back to the session. The
session authenticator checks CSRF on unsafe methods, and only for requests that really ride on a session.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from grassroots.access.models import ApiToken

# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenRefused(AuthenticationError):
    code = "invalid_token"


def token_user(key: str, now: dt.datetime | None = None):
    """The active, unlocked user owning this valid (not revoked, not expired) token, or None."""
    key = (key or "").strip()
    if not key:
        return None
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or token.revoked or (token.expires_at is not None and token.expires_at <= now):
        return None
    user = token.user
    if not user.is_active or user.is_locked(now):
        return None
    from grassroots.access.roles import ADMIN_ROLES
    from grassroots.access.services import password_change_due

    is_admin = user.grants.filter(role__in=list(ADMIN_ROLES)).exists()
    if password_change_due(user, is_admin=is_admin, now=now):  # same rule as for a browser session
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is None:
            raise TokenRefused()
        # Downstream code (audit, the no-store middleware) looks at request.user.
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session login, as ninja's `django_auth`, but CSRF is checked only when a session user is
    present: an anonymous POST gets 401, not a confusing CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)  # _get_key runs the CSRF check for unsafe methods

    def authenticate(self, request, key):
        return request.user


token_auth = TokenAuth()
session_auth = SessionAuth()
# Order matters: an explicit bearer header decides on its own; otherwise the session is used.
api_auth = [token_auth, session_auth]
