from django.urls import path

from . import views, views_persons

app_name = "privacy"
urlpatterns = [
    path("", views.search, name="search"),
    path("inactive-cases/", views.inactive, name="inactive"),
    path("parties/<int:pk>/", views.party_detail, name="party"),
    path("parties/<int:pk>/export.json", views.export_json, name="export_json"),
    path("parties/<int:pk>/export.pdf", views.export_pdf, name="export_pdf"),
    path("parties/<int:pk>/erase/", views.erase, name="erase"),
    path("duplicates/", views_persons.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/", views_persons.duplicate_review, name="duplicate_review"),
    path("merges/<int:pk>/undo/", views_persons.merge_undo, name="merge_undo"),
]
