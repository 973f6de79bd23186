"""Rating rounds, under /ratings/."""

from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("assessments/<int:pk>/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/raters/", views.rater_invite, name="invite"),
    path("rounds/<int:pk>/close/", views.round_close, name="close"),
    path("rounds/<int:pk>/rate/", views.sheet, name="sheet"),
    path("rounds/<int:pk>/results/", views.results, name="results"),
    path("rounds/<int:pk>/consensus/<slug:code>/", views.consensus, name="consensus"),
]
