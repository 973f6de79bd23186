from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "LHS Shared Commitments — administration"
admin.site.site_title = "LHS administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("rubric/", include("commitments.urls")),
    path("accounts/", include("allauth.urls")),
    path("organizations/", include("organizations.urls")),
    path("assessments/", include("assessments.urls")),
    path("consortium/", include("consortium.urls")),
    path("reports/", include("reports.urls")),
    path("mail/", include("notifications.urls")),
    path("admin/", admin.site.urls),
]
