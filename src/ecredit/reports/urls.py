from django.urls import path

from ecredit.reports import views

app_name = "reports"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("mine/issue/", views.issue, name="issue"),
    path("mine/consents/", views.grant, name="grant"),
    path("mine/consents/<int:consent_id>/revoke/", views.revoke, name="revoke"),
    path("public/<path:subject_id>/", views.public_report, name="public"),
    path("<str:number>.pdf", views.report_pdf, name="pdf"),
    path("<str:number>/", views.report_html, name="html"),
]
