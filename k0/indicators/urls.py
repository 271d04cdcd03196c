from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tables/", views.tables, name="tables"),
    path("trend/", views.trend, name="trend"),
    path("chart/<slug:name>.svg", views.chart, name="chart"),
    path("export/<slug:fmt>/", views.export, name="export"),
    path("api/v1/indicators/", views.api_indicators, name="api"),
]
