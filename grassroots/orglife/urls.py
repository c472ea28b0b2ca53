from django.urls import path

from grassroots.orglife import views

app_name = "orglife"
urlpatterns = [
    path("", views.home, name="home"),
    path("board/<int:org_id>/", views.board, name="board"),
    path("panel/<int:org_id>/", views.panel, name="panel"),
    path("org/<int:org_id>/calendar/", views.branch_calendar, name="branch_calendar"),
    path("org/<int:org_id>/year/", views.branch_year, name="branch_year"),
    path("org/<int:org_id>/plan/", views.meeting_plan, name="meeting_plan"),
    path("org/<int:org_id>/record/", views.meeting_record, name="meeting_record"),
    path("org/<int:org_id>/book/", views.book, name="book"),
    path("org/<int:org_id>/book/export/", views.book_export, name="book_export"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/record/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("meetings/<int:pk>/appraisal/", views.appraisal, name="appraisal"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
