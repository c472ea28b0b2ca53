from django.urls import path

from grassroots.access import views

app_name = "access"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user_deactivate"),
    path("users/<int:pk>/reset-password/", views.UserResetPasswordView.as_view(), name="user_reset_password"),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/grants/", views.GrantCreateView.as_view(), name="grant_create"),
    path("grants/<int:pk>/revoke/", views.GrantRevokeView.as_view(), name="grant_revoke"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("tokens/", views.TokenListView.as_view(), name="token_list"),
    path("tokens/new/", views.TokenCreateView.as_view(), name="token_create"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
]
