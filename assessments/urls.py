from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("<int:pk>/", views.overview, name="overview"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/assignments/", views.assignments, name="assignments"),
    path("<int:pk>/activity/", views.activity, name="activity"),
    path("<int:pk>/plan/", views.improvement_plan, name="improvement_plan"),
    path("<int:pk>/commitments/<slug:code>/", views.commitment, name="commitment"),
    path("<int:pk>/commitments/<slug:code>/plan/", views.plan, name="plan"),
    path("<int:pk>/commitments/<slug:code>/plan/<int:item_pk>/", views.plan, name="plan_item"),
    path("<int:pk>/answers/<int:answer_pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/files/<int:file_pk>/", views.evidence_download, name="evidence_download"),
]
