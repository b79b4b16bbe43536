from django.urls import path

from ecredit.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.plans, name="plans"),
    path("<str:plan_id>/", views.plan, name="plan"),
]
