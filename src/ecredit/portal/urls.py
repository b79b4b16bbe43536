from django.urls import path

from ecredit.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("enterprises/<path:subject_id>/", views.enterprise, name="enterprise"),
    path("dictionary/", views.dictionary, name="dictionary"),
    path("dictionary/<str:name>/", views.record_type, name="record_type"),
    path("obligations/", views.obligations, name="obligations"),
    path("models/", views.models, name="models"),
    path("models/<str:version>/", views.model, name="model"),
    path("models/<str:version>/<str:name>.png", views.model_plot, name="model_plot"),
]
