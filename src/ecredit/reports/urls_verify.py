from django.urls import path

from ecredit.reports import views

app_name = "verify"
urlpatterns = [path("<str:number>/", views.verify, name="report")]
