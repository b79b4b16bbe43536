from django.urls import path

from ecredit.measures import views

app_name = "measures"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("check/", views.check, name="check"),
]
