from django.urls import path

from . import token_views

app_name = "tokens"

urlpatterns = [
    path("new/", token_views.create, name="create"),
    path("<int:pk>/revoke/", token_views.revoke, name="revoke"),
]
