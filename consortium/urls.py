"""The consortium staff's pages, under /consortium/."""

from django.urls import path

from . import views

app_name = "consortium"

urlpatterns = [
    path("cycles/", views.cycle_list, name="cycles"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path("cycles/<int:pk>/status/", views.cycle_status, name="cycle_status"),
    path("cycles/<int:pk>/extensions/", views.extension_grant, name="extension_grant"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("reviews/closed-cycles/", views.review_queue_closed, name="review_queue_closed"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/reviewer/", views.reviewer_assign, name="reviewer_assign"),
    path(
        "reviews/<int:pk>/commitments/<slug:code>/accept/",
        views.commitment_accept,
        name="commitment_accept",
    ),
    path("reviews/<int:pk>/accept/", views.review_accept, name="review_accept"),
    path("reviews/<int:pk>/return/", views.review_return, name="review_return"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/scores/", views.export_scores, name="export_scores"),
    path("dashboard/levels/", views.export_levels, name="export_levels"),
    path("reports/new/", views.consortium_report_request, name="report_request"),
    path("reports/<int:pk>/", views.consortium_report, name="report"),
    path(
        "organizations/<slug:slug>/delete/", views.organization_delete, name="organization_delete"
    ),
]
