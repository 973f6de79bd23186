"""The consortium staff's pages, under /consortium/."""

from django.urls import path

from . import staff_views

app_name = "consortium"

urlpatterns = [
    path("cycles/", staff_views.cycle_list, name="cycles"),
    path("cycles/new/", staff_views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/status/", staff_views.cycle_status, name="cycle_status"),
    path("reviews/", staff_views.review_queue, name="review_queue"),
    path("reviews/<int:pk>/", staff_views.review, name="review"),
    path("reviews/<int:pk>/accept/", staff_views.review_accept, name="review_accept"),
    path("reviews/<int:pk>/return/", staff_views.review_return, name="review_return"),
    path("dashboard/", staff_views.dashboard, name="dashboard"),
    path("dashboard/scores/", staff_views.export_scores, name="export_scores"),
    path("dashboard/levels/", staff_views.export_levels, name="export_levels"),
    path("reports/new/", staff_views.consortium_report_request, name="report_request"),
    path("reports/<int:pk>/", staff_views.consortium_report, name="report"),
]
