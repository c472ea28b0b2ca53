from django.urls import path

from grassroots.development import views

app_name = "development"
urlpatterns = [
    path("", views.board, name="board"),
    path("people/", views.applicant_list, name="applicant_list"),
    path("people/add/", views.applicant_create, name="applicant_create"),
    path("people/<int:pk>/", views.applicant_detail, name="applicant_detail"),
    path("people/<int:pk>/edit/", views.applicant_edit, name="applicant_edit"),
    path("people/<int:pk>/reveal/", views.applicant_reveal, name="applicant_reveal"),
    path("people/<int:pk>/steps/<slug:code>/", views.step_record, name="step_record"),
    path("people/<int:pk>/records/<int:step_id>/correct/", views.step_correct, name="step_correct"),
    path("people/<int:pk>/votes/<slug:kind>/", views.vote_record, name="vote_record"),
    path("people/<int:pk>/notices/add/", views.notice_create, name="notice_create"),
    path("people/<int:pk>/extend/", views.probation_extend, name="probation_extend"),
    path("people/<int:pk>/cancel/", views.probation_cancel, name="probation_cancel"),
    path("people/<int:pk>/close/", views.applicant_close, name="applicant_close"),
    path("notices/<int:pk>/", views.notice_public, name="notice_public"),
    path("notices/<int:pk>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
    path("notices/<int:pk>/objections/add/", views.objection_create, name="objection_create"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("plans/", views.plan_edit, name="plan_edit"),
    path("panel/", views.due_panel_body, name="due_panel"),
    path("suspensions/", views.suspension_list, name="suspension_list"),
    path("suspensions/add/", views.suspension_create, name="suspension_create"),
    path("suspensions/<int:pk>/end/", views.suspension_end, name="suspension_end"),
]
