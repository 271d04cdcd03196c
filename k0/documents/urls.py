from django.urls import path

from k0 import converters  # noqa: F401 - registers <caseref:…>

from . import views

app_name = "documents"
urlpatterns = [
    path("cases/<caseref:reference>/summary/", views.case_summary, name="case_summary"),
    path(
        "cases/<caseref:reference>/progress-summary/",
        views.case_progress_summary,
        name="case_progress_summary",
    ),
    path(
        "cases/<caseref:reference>/meetings/<int:pk>/record/",
        views.meeting_record,
        name="meeting_record",
    ),
]
