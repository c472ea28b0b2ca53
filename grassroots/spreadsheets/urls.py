from django.urls import path

from grassroots.spreadsheets import views

app_name = "spreadsheets"
urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/rows/", views.import_rows, name="import_rows"),
    path("import/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("import/<int:pk>/requeue/", views.import_requeue, name="import_requeue"),
    path("import/<int:pk>/report/", views.import_report, name="import_report"),
    path("export/orgs/", views.export_orgs, name="export_orgs"),
    path("export/<int:pk>/", views.export_detail, name="export_detail"),
    path("export/<int:pk>/download/", views.export_download, name="export_download"),
]
