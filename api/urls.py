"""/api/v1/: the JSON API, its OpenAPI schema and its documentation page."""

from django.urls import path

from . import docs, views

app_name = "api"

urlpatterns = [
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.docs, name="docs"),
    path("rubrics/", views.RubricList.as_view(), name="rubrics"),
    path("rubrics/<str:version>/", views.RubricDetail.as_view(), name="rubric"),
    path("assessments/", views.AssessmentList.as_view(), name="assessments"),
    path("assessments/<int:pk>/", views.AssessmentDetail.as_view(), name="assessment"),
    path("assessments/<int:pk>/answers/", views.AnswerList.as_view(), name="answers"),
    path(
        "assessments/<int:pk>/answers/<int:answer_pk>/",
        views.AnswerDetail.as_view(),
        name="answer",
    ),
    path("assessments/<int:pk>/action-items/", views.ActionItemList.as_view(), name="action_items"),
    path("assessments/<int:pk>/reports/", views.AssessmentReports.as_view(), name="reports"),
    path("reports/<int:pk>/", views.ReportDetail.as_view(), name="report"),
    path("reports/<int:pk>/<str:fmt>/", views.ReportFile.as_view(), name="report_file"),
    path("dashboard/", views.Dashboard.as_view(), name="dashboard"),
]
