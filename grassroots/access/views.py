"""Accounts, grants, API tokens and the audit log. Views parse, call a selector or a service, render.

A refusal from a service (PermissionRefused) answers 403; an account, grant or token outside the actor's
scope answers 404, the same as a missing one."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from grassroots.access import selectors, services
from grassroots.access.forms import (
    AuditFilterForm,
    DeactivateForm,
    GrantForm,
    LoginForm,
    PasswordChangeForm,
    TokenCreateForm,
    UserCreateForm,
)
from grassroots.access.permissions import AccessPerm
from grassroots.access.scoping import get_scoped_or_404, has_perm_anywhere
from grassroots.core.errors import DomainError, NotFoundOrForbidden, PermissionRefused
from grassroots.core.views import add_domain_error, clean_text
from grassroots.orgs.models import Organization

USERS_PER_PAGE = 50
AUDIT_PER_PAGE = 50


class AccessView(LoginRequiredMixin, View):
    """Signed-in users only; `required_perms`: the actor needs one of them somewhere, else 403."""

    required_perms: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.required_perms and not any(has_perm_anywhere(request.user, p) for p in self.required_perms):
            raise PermissionDenied
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionRefused as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except NotFoundOrForbidden as exc:
            raise Http404 from exc


# --- signing in and out ----------------------------------------------------------------------------------------

class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    authentication_form = LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)  # django.contrib.auth.login: a new session id
        facts = services.session_start(actor=form.get_user())
        now = int(time.time())
        session = self.request.session
        session["is_admin_role"] = facts.is_admin_role
        session["must_change_password"] = facts.must_change_password
        session["auth_started"] = now
        session["last_seen"] = now
        if facts.must_change_password:
            return redirect("access:password_change")
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (CSRF-protected); the server-side session is deleted."""

    def post(self, request, *args, **kwargs):
        services.session_end(actor=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(AccessView):
    template_name = "access/password_change.html"

    def get(self, request):
        return self._render(request, PasswordChangeForm())

    def post(self, request):
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                user = services.user_password_change(
                    actor=request.user, old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                update_session_auth_hash(request, user)
                request.session["must_change_password"] = False
                messages.success(request, _("密码已修改"))
                return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(request, self.template_name, {
            "page_title": _("修改密码"), "form": form,
            "forced": bool(request.session.get("must_change_password"))
            or (request.session.get("is_admin_role")
                and services.password_change_due(request.user, is_admin=True)),
        }, status=status)


# --- accounts --------------------------------------------------------------------------------------------------

USER_ADMIN_PERMS = (AccessPerm.MANAGE_USERS, AccessPerm.MANAGE_GRANTS)


class UserListView(AccessView):
    required_perms = USER_ADMIN_PERMS

    def get(self, request):
        q = clean_text(request.GET.get("q", ""))
        page = Paginator(selectors.user_list(request.user, q=q), USERS_PER_PAGE)
        return render(request, "access/user_list.html", {
            "page_title": _("用户与授权"), "page": page.get_page(request.GET.get("page")), "q": q,
            "can_create": has_perm_anywhere(request.user, AccessPerm.MANAGE_USERS),
        })


class UserCreateView(AccessView):
    required_perms = (AccessPerm.MANAGE_USERS,)

    def get(self, request):
        return self._render(request, UserCreateForm(orgs=selectors.user_orgs(request.user)))

    def post(self, request):
        form = UserCreateForm(request.POST, orgs=selectors.user_orgs(request.user))
        if form.is_valid():
            org = get_scoped_or_404(Organization, request.user, AccessPerm.MANAGE_USERS, pk=form.cleaned_data["org"])
            try:
                user, password = services.user_create(
                    actor=request.user, username=form.cleaned_data["username"], org=org,
                    display_name=form.cleaned_data["display_name"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return render(request, "access/user_password_issued.html", {
                    "page_title": _("账户已创建"), "account": user, "password": password, "created": True,
                })
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(request, "access/user_create.html", {"page_title": _("新建用户"), "form": form}, status=status)


def _user_detail(request, account, *, grant_form=None, status=200):
    actor = request.user
    can_grant = has_perm_anywhere(actor, AccessPerm.MANAGE_GRANTS) and account.pk != actor.pk
    org_q = request.GET.get("org_q", "")
    if can_grant and grant_form is None:
        grant_form = GrantForm(orgs=selectors.grant_orgs(actor, q=org_q))
    grants, grants_outside = selectors.user_grants(actor, account)
    return render(request, "access/user_detail.html", {
        "page_title": str(account), "account": account, "grants": grants, "grants_outside": grants_outside,
        "grant_form": grant_form if can_grant else None, "org_q": org_q,
        "can_manage_users": has_perm_anywhere(actor, AccessPerm.MANAGE_USERS) and account.pk != actor.pk,
        "can_unlock": can_grant, "deactivate_form": DeactivateForm(),
        "is_locked": account.is_locked(),
    }, status=status)


class UserDetailView(AccessView):
    required_perms = USER_ADMIN_PERMS

    def get(self, request, pk):
        return _user_detail(request, selectors.user_get(request.user, pk))


class UserDeactivateView(AccessView):
    required_perms = (AccessPerm.MANAGE_USERS,)

    def post(self, request, pk):
        account = selectors.user_get(request.user, pk, AccessPerm.MANAGE_USERS)
        form = DeactivateForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.user_deactivate(actor=request.user, user=account, reason=reason)
        messages.success(request, _("账户已停用"))
        return redirect("access:user_detail", pk=account.pk)


class UserResetPasswordView(AccessView):
    required_perms = (AccessPerm.MANAGE_USERS,)

    def post(self, request, pk):
        account = selectors.user_get(request.user, pk, AccessPerm.MANAGE_USERS)
        try:
            password = services.user_reset_password(actor=request.user, user=account)
        except (PermissionRefused, NotFoundOrForbidden):
            raise
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("access:user_detail", pk=account.pk)
        return render(request, "access/user_password_issued.html", {
            "page_title": _("密码已重置"), "account": account, "password": password, "created": False,
        })


class UserUnlockView(AccessView):
    required_perms = (AccessPerm.MANAGE_GRANTS,)

    def post(self, request, pk):
        account = selectors.user_get(request.user, pk, AccessPerm.MANAGE_GRANTS)
        services.user_unlock(actor=request.user, user=account)
        messages.success(request, _("账户已解锁"))
        return redirect("access:user_detail", pk=account.pk)


# --- role grants -----------------------------------------------------------------------------------------------

class GrantCreateView(AccessView):
    required_perms = (AccessPerm.MANAGE_GRANTS,)

    def post(self, request, pk):
        account = selectors.user_get(request.user, pk, AccessPerm.MANAGE_GRANTS)
        form = GrantForm(request.POST, orgs=selectors.grant_orgs(request.user))
        if form.is_valid():
            org = get_scoped_or_404(Organization, request.user, AccessPerm.MANAGE_GRANTS, pk=form.cleaned_data["org"])
            try:
                services.grant_create(actor=request.user, user=account, role=form.cleaned_data["role"], org=org,
                                      valid_to=form.cleaned_data["valid_to"])
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("已授权"))
                return redirect("access:user_detail", pk=account.pk)
        return _user_detail(request, account, grant_form=form, status=400)


class GrantRevokeView(AccessView):
    required_perms = (AccessPerm.MANAGE_GRANTS,)

    def post(self, request, pk):
        grant = selectors.grant_get(request.user, pk)
        account = grant.user
        services.grant_revoke(actor=request.user, grant=grant)
        messages.success(request, _("已撤销授权"))
        if selectors.users_visible_to(request.user).filter(pk=account.pk).exists():
            return redirect("access:user_detail", pk=account.pk)
        return redirect("access:user_list")


# --- the audit log ---------------------------------------------------------------------------------------------

class AuditListView(AccessView):
    required_perms = (AccessPerm.VIEW_AUDIT,)

    def get(self, request):
        form = AuditFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        filters = selectors.AuditFilters(
            date_from=data.get("date_from"), date_to=data.get("date_to"), verb=data.get("verb", ""),
            actor=data.get("actor", ""), outcome=data.get("outcome", ""),
        )
        events, next_before = selectors.audit_event_list(
            request.user, filters, page_size=AUDIT_PER_PAGE, before=data.get("before")
        )
        services.audit_query_record(actor=request.user, filters=data)
        query = request.GET.copy()
        query.pop("before", None)
        return render(request, "access/audit_list.html", {
            "page_title": _("审计日志"), "form": form, "events": events, "next_before": next_before,
            "query": query.urlencode(), "is_first_page": not data.get("before"),
        })


# --- API tokens ------------------------------------------------------------------------------------------------

def _token_page(request, form, *, new_key=None, status=200):
    return render(request, "access/token_list.html", {
        "page_title": _("API令牌"), "tokens": selectors.token_list(request.user), "form": form, "new_key": new_key,
    }, status=status)


class TokenListView(AccessView):
    def get(self, request):
        return _token_page(request, TokenCreateForm())


class TokenCreateView(AccessView):
    def post(self, request):
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                _token, key = services.api_token_create(actor=request.user, name=form.cleaned_data["name"],
                                                        days=form.cleaned_data["days"])
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return _token_page(request, TokenCreateForm(), new_key=key)
        return _token_page(request, form, status=400)


class TokenRevokeView(AccessView):
    def post(self, request, pk):
        token = selectors.token_get(request.user, pk)
        services.api_token_revoke(actor=request.user, token=token)
        messages.success(request, _("令牌已撤销"))
        return redirect(reverse("access:token_list"))
