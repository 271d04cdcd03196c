from django.urls import path

from k0 import converters  # noqa: F401 - registers <caseref:…>

from . import views

app_name = "reminders"
urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("calendar/", views.follow_ups_calendar, name="follow_ups_calendar"),
    path(
        "cases/<caseref:reference>/interventions/<int:pk>/invite/",
        views.invite,
        name="invite",
    ),
]
