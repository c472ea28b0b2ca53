from django.urls import path

from grassroots.lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("", views.index, name="index"),
    path("panel/", views.panel, name="panel"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/<slug:action>/", views.transfer_action, name="transfer_action"),
    path("letters/inbound/", views.letter_inbound, name="letter_inbound"),
    path("mobile/", views.mobile_list, name="mobile_list"),
    path("unreachable/", views.unreachable_list, name="unreachable_list"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/<int:pk>/approve/", views.decision_approve, name="decision_approve"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.review_record, name="review_record"),
    path("work/", views.work_list, name="work_list"),
    path("work/add/", views.work_create, name="work_create"),
    path("work/<int:pk>/", views.work_detail, name="work_detail"),
    path("work/<int:pk>/reports/", views.work_report, name="work_report"),
    path("work/<int:pk>/close/", views.work_close, name="work_close"),
    path("members/<int:pk>/", views.member_lifecycle, name="member_lifecycle"),
    path("members/<int:pk>/transfer/", views.transfer_issue, name="transfer_issue"),
    path("members/<int:pk>/whereabouts/", views.whereabouts_add, name="whereabouts_add"),
    path("members/<int:pk>/whereabouts/<int:wid>/returned/", views.whereabouts_returned, name="whereabouts_returned"),
    path("members/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("members/<int:pk>/decisions/", views.decision_add, name="decision_add"),
]
