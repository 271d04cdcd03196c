from django.urls import path

from k0 import converters  # noqa: F401 - registers <caseref:…>

from . import oversight, views, views_duties, views_quick, views_transfer

app_name = "cases"

# Things recorded in a case share one add/edit/remove view; the kind is fixed per URL.
_child_urls = []
for slug in views.CHILD_KINDS:
    name = slug.replace("-", "_")
    _child_urls += [
        path(
            f"<caseref:reference>/{slug}/add/", views.child_form, {"kind": slug}, name=f"{name}_add"
        ),
        path(
            f"<caseref:reference>/{slug}/<int:pk>/",
            views.child_form,
            {"kind": slug},
            name=f"{name}_edit",
        ),
        path(
            f"<caseref:reference>/{slug}/<int:pk>/remove/",
            views.child_delete,
            {"kind": slug},
            name=f"{name}_remove",
        ),
    ]

# Duties and safety (views_duties): consents, notices, safety measures, service referrals.
for slug in views_duties.DUTY_KINDS:
    name = slug.replace("-", "_")
    _child_urls += [
        path(
            f"<caseref:reference>/{slug}/add/",
            views_duties.duty_form,
            {"kind": slug},
            name=f"{name}_add",
        ),
        path(
            f"<caseref:reference>/{slug}/<int:pk>/",
            views_duties.duty_form,
            {"kind": slug},
            name=f"{name}_edit",
        ),
        path(
            f"<caseref:reference>/{slug}/<int:pk>/remove/",
            views_duties.duty_delete,
            {"kind": slug},
            name=f"{name}_remove",
        ),
    ]

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("overview/", oversight.principal_overview, name="principal_overview"),
    path("my-schools/", oversight.coordinator_home, name="coordinator_home"),
    path("<caseref:reference>/", views.case_detail, name="detail"),
    path("<caseref:reference>/referral/", views.case_edit_referral, name="edit_referral"),
    path("<caseref:reference>/work/", views.case_edit_work, name="edit_work"),
    path("<caseref:reference>/team/", views.case_team, name="team"),
    path("<caseref:reference>/advance/", views.case_advance, name="advance"),
    path("<caseref:reference>/close/", views.case_close, name="close"),
    path("<caseref:reference>/reopen/", views.case_reopen, name="reopen"),
    path("<caseref:reference>/new-case/", views.case_follow_on, name="follow_on"),
    path("<caseref:reference>/history/", oversight.case_history, name="history"),
    path("<caseref:reference>/progress/", oversight.case_progress, name="progress"),
    path("<caseref:reference>/review/", oversight.case_review, name="review"),
    path("<caseref:reference>/attachments/add/", views.attachment_add, name="attachment_add"),
    path(
        "<caseref:reference>/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<caseref:reference>/attachments/<int:pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("<caseref:reference>/consent-rule/", views_duties.consent_rule, name="consent_rule"),
    path(
        "<caseref:reference>/transfer/",
        views_transfer.transfer_propose,
        name="transfer_propose",
    ),
    path("transfers/", views_transfer.transfers_incoming, name="transfers_incoming"),
    path("transfers/<int:pk>/", views_transfer.transfer_answer, name="transfer_answer"),
    path("<caseref:reference>/handover/", views_transfer.case_handover, name="handover"),
    path("<caseref:reference>/earlier/", views_transfer.earlier_cases, name="earlier_cases"),
    *_child_urls,
]

# One-click facts (views_quick): each with its way back.
for _slug, _name, _view in [
    ("parties/<int:pk>/heard/", "parties_heard", views_quick.party_heard),
    ("parties/<int:pk>/heard/undo/", "parties_unheard", views_quick.party_unheard),
    ("guardians/<int:pk>/informed/", "guardians_informed", views_quick.guardian_informed),
    ("guardians/<int:pk>/informed/undo/", "guardians_uninformed", views_quick.guardian_uninformed),
    ("follow-ups/<int:pk>/done/", "follow_ups_done", views_quick.follow_up_done),
    ("follow-ups/<int:pk>/done/undo/", "follow_ups_undone", views_quick.follow_up_undone),
]:
    urlpatterns.append(path(f"<caseref:reference>/{_slug}", _view, name=_name))
