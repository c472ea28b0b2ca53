"""Session limits (SECURITY.md A3): idle timeout comes from SESSION_COOKIE_AGE renewed on every request;
this adds the absolute 12-hour limit and the 15-minute idle limit for administrator roles."""

import time

from django.conf import settings
from django.contrib.auth import logout

ADMIN_IDLE_SECONDS = 15 * 60


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.setdefault("auth_started", now)
            last_seen = request.session.get("last_seen", now)
            idle_limit = settings.SESSION_COOKIE_AGE
            if request.session.get("is_admin_role"):
                idle_limit = min(idle_limit, ADMIN_IDLE_SECONDS)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS or now - last_seen > idle_limit:
                logout(request)
            else:
                request.session["last_seen"] = now
        return self.get_response(request)
