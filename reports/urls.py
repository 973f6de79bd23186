from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("questionnaire/<str:version>.<str:fmt>", views.questionnaire, name="questionnaire"),
    path("assessments/<int:pk>/", views.for_assessment, name="for_assessment"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/<str:fmt>/", views.download, name="download"),
]
