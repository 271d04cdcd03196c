from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("overview/", views.principal_overview, name="principal_overview"),
    path("my-schools/", views.coordinator_home, name="coordinator_home"),
]
