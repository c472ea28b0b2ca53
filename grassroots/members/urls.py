from django.urls import path

from grassroots.members import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="member_list"),
    path("me/", views.member_self, name="member_self"),
    path("add/", views.member_create, name="member_create"),
    path("export/", views.member_export, name="member_export"),
    path("<int:pk>/", views.member_detail, name="member_detail"),
    path("<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/exit/", views.member_exit, name="member_exit"),
    path("<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
]
