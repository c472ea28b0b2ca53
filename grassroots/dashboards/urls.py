from django.urls import path

from grassroots.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/<int:pk>/", views.org_dashboard, name="org_dashboard"),
]
