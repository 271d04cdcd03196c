from django.urls import path

from . import views
from .exports import FORMATS

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tables/", views.tables, name="tables"),
    path("trend/", views.trend, name="trend"),
    # One named URL per chart and per format: each is a fixed, checkable address.
    *(
        path(f"chart/{name}.svg", views.chart, {"name": name}, name=f"chart_{name}")
        for name in views.CHARTS
    ),
    *(path(f"export/{fmt}/", views.export, {"fmt": fmt}, name=f"export_{fmt}") for fmt in FORMATS),
    path("api/v1/indicators/", views.api_indicators, name="api"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
]
