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
    path("<int:pk>/keep/", views.keep, name="keep"),
    path("<int:pk>/answers/<int:answer_pk>/", views.answer_autosave, name="answer_autosave"),
    path("<int:pk>/answers/<int:answer_pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/answers/<int:answer_pk>/files/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/files/<int:file_pk>/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/files/<int:file_pk>/remove/", views.evidence_remove, name="evidence_remove"),
    path("<int:pk>/workbook/", views.workbook_download, name="workbook_download"),
    path("<int:pk>/workbook/upload/", views.workbook_upload, name="workbook_upload"),
    path("<int:pk>/workbook/preview/", views.workbook_preview, name="workbook_preview"),
    path("<int:pk>/threads/", views.comment_post, name="comment"),
    path("<int:pk>/threads/<int:thread_pk>/resolve/", views.thread_resolve, name="thread_resolve"),
]
