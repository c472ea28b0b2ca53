from django.urls import path

from grassroots.dues import views

app_name = "dues"
urlpatterns = [
    path("", views.board, name="board"),
    path("me/", views.self_dues, name="self"),
    path("arrears/", views.arrears, name="arrears"),
    path("panel/<int:pk>/", views.panel, name="panel"),
    path("run/", views.run_create, name="run_create"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("register/", views.register, name="register"),
    path("statement/", views.statement, name="statement"),
    path("remittance/", views.remittance, name="remittance"),
    path("remittances/<int:pk>/approve/", views.remittance_approve, name="remittance_approve"),
    path("members/<int:pk>/", views.member_dues, name="member_dues"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("members/<int:pk>/declare/", views.declare, name="declare"),
    path("members/<int:pk>/pay/", views.pay, name="pay"),
    path("hosted/<int:wid>/pay/", views.hosted_pay, name="hosted_pay"),
    path("members/<int:pk>/reduction/", views.reduction_create, name="reduction_create"),
    path("members/<int:pk>/quarterly/", views.consent_create, name="consent_create"),
    path("reductions/<int:pk>/decide/", views.reduction_decide, name="reduction_decide"),
    path("payments/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("schedules/", views.schedules, name="schedules"),
    path("schedules/new/", views.schedule_create, name="schedule_create"),
]
