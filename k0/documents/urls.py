from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("cases/<str:reference>/summary/", views.case_summary, name="case_summary"),
    path(
        "cases/<str:reference>/progress-summary/",
        views.case_progress_summary,
        name="case_progress_summary",
    ),
    path(
        "cases/<str:reference>/meetings/<int:pk>/record/",
        views.meeting_record,
        name="meeting_record",
    ),
]
