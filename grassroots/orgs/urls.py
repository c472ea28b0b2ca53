from django.urls import path

from grassroots.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.org_tree, name="org_tree"),
    path("pick/", views.org_picker, name="org_picker"),
    path("<int:pk>/", views.org_detail, name="org_detail"),
    path("<int:pk>/children/", views.org_children, name="org_children"),
    path("<int:pk>/add/", views.org_create, name="org_create"),
    path("<int:pk>/edit/", views.org_edit, name="org_edit"),
    path("<int:pk>/move/", views.org_move, name="org_move"),
    path("<int:pk>/groups/add/", views.party_group_create, name="party_group_create"),
    path("<int:pk>/dissolve/", views.org_dissolve, name="org_dissolve"),
]
