"""Session limits (SECURITY.md A3): idle timeout comes from SESSION_COOKIE_AGE renewed on every request;
this adds the absolute 12-hour limit and the 15-minute idle limit for administrator roles.

Forced password change (SECURITY.md A1): a temporary password must be changed at the first login, and an
administrator's password after 90 days; until then every page redirects to the password-change page."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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
                from grassroots.access.services import session_end

                session_end(actor=user, reason="absolute limit" if now - started > settings.SESSION_ABSOLUTE_SECONDS
                            else "idle timeout")
                logout(request)
            else:
                request.session["last_seen"] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Place after SessionLimitsMiddleware. The login view sets session["must_change_password"]; for
    administrator sessions the 90-day age is also checked on each request, so it applies mid-session."""

    ALLOWED_URL_NAMES = ("access:password_change", "access:logout", "access:login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None and user.is_authenticated and hasattr(request, "session")
            and self._due(request, user) and not self._allowed(request.path_info)
        ):
            target = reverse("access:password_change")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"code": "password_change_required",
                                     "message": str(_("请先修改密码，再继续使用系统"))}, status=403)
            if request.headers.get("HX-Request"):
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _due(request, user) -> bool:
        if request.session.get("must_change_password"):
            return True
        if request.session.get("is_admin_role"):
            from grassroots.access.services import password_change_due

            return password_change_due(user, is_admin=True)
        return False

    def _allowed(self, path: str) -> bool:
        static = settings.STATIC_URL or "/static/"
        if path.startswith(static if static.startswith("/") else "/" + static):
            return True
        return any(path == reverse(name) for name in self.ALLOWED_URL_NAMES)
