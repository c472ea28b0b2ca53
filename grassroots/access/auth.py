"""Login with lockout (SECURITY.md A2): 5 consecutive failures lock the account for 30 minutes.
The same message is shown for an unknown user, a wrong password and a locked account."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from grassroots.core import audit
from grassroots.core.models import AuditOutcome


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        now = timezone.now()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            with transaction.atomic():
                audit.record(actor=None, actor_name=username[:150], verb="access.login.fail",
                             outcome=AuditOutcome.FAILURE, reason="unknown user")
            return None
        if user.is_locked(now):
            user.check_password(password)  # same work as an unlocked account: the answer time tells nothing
            with transaction.atomic():
                audit.record(actor=None, actor_name=user.username, verb="access.login.locked",
                             outcome=AuditOutcome.FAILURE, target=user)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            user.failed_logins = 0
            return user
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
            user.refresh_from_db(fields=["failed_logins"])
            audit.record(actor=None, actor_name=user.username, verb="access.login.fail",
                         outcome=AuditOutcome.FAILURE, target=user)
            if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
                until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
                audit.record(actor=None, actor_name=user.username, verb="access.user.lock", target=user,
                             reason=f"{settings.LOGIN_FAILURE_LIMIT} consecutive failures")
        return None
