from django.urls import include, path

urlpatterns = [
    path("", include("grassroots.dashboards.urls")),
    path("accounts/", include("grassroots.access.urls")),
    path("orgs/", include("grassroots.orgs.urls")),
    path("members/", include("grassroots.members.urls")),
    path("development/", include("grassroots.development.urls")),
    path("lifecycle/", include("grassroots.lifecycle.urls")),
    path("dues/", include("grassroots.dues.urls")),
    path("orglife/", include("grassroots.orglife.urls")),
    path("committees/", include("grassroots.committees.urls")),
    path("spreadsheets/", include("grassroots.spreadsheets.urls")),
    path("api/", include("grassroots.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the footer's 中文 / English switch
]
