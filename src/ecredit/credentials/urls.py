from django.urls import path

from ecredit.credentials import views

app_name = "credentials"
urlpatterns = [path("verify/", views.verify_page, name="verify")]
