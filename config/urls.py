from django.urls import include, path

urlpatterns = [
    path("", include("grassroots.dashboards.urls")),
    path("accounts/", include("grassroots.access.urls")),
    path("orgs/", include("grassroots.orgs.urls")),
    path("members/", include("grassroots.members.urls")),
    path("api/", include("grassroots.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the footer's 中文 / English switch
]
