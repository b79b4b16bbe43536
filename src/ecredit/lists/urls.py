from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from ecredit.lists import views

app_name = "lists"
urlpatterns = [
    path("", views.index, name="index"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="lists/login.html"),
        name="login",
    ),
    path(
        "logout/",
        auth_views.LogoutView.as_view(next_page=reverse_lazy("lists:index")),
        name="logout",
    ),
    path("mine/", views.mine, name="mine"),
    path("mine/object/", views.object_form, name="object"),
    path("mine/repair/<int:record_id>/", views.repair_form, name="repair"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/sweep/", views.run_sweep, name="sweep"),
    path("workbench/propose/", views.propose, name="propose"),
    path("workbench/objections/<int:objection_id>/", views.answer, name="answer"),
    path("workbench/repairs/<int:application_id>/", views.decide, name="decide"),
    path("workbench/entries/<int:entry_id>/", views.step, name="step"),
    path("<str:key>/", views.detail, name="detail"),
]
