from django.contrib import admin
from django.urls import include, path

from organizations.views import SignInView, too_many_requests

from . import views

admin.site.site_header = "LHS Shared Commitments — administration"
admin.site.site_title = "LHS administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("rubric/", include("commitments.urls")),
    # allauth's own view, answering 429 while sign-in is paused (organizations.views).
    path("accounts/login/", SignInView.as_view(), name="account_login"),
    path("accounts/tokens/", include("api.token_urls")),
    path("accounts/", include("allauth.urls")),
    path("organizations/", include("organizations.urls")),
    path("assessments/", include("assessments.urls")),
    path("consortium/", include("consortium.urls")),
    path("ratings/", include("ratings.urls")),
    path("reports/", include("reports.urls")),
    path("mail/", include("notifications.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]

# allauth's rate limits answer through this (allauth.core.internal.ratelimit.respond_429).
handler429 = too_many_requests
# A database outage answers 503 in plain words instead of a bare 500 (lhs_assess.views).
handler500 = "lhs_assess.views.server_error"
