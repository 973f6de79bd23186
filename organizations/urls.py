from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.index, name="index"),
    path("switch/", views.switch, name="switch"),
    path("manage/", views.staff_list, name="staff_list"),
    path("manage/new/", views.staff_create, name="staff_create"),
    path("manage/<slug:slug>/", views.staff_edit, name="staff_edit"),
    path("audit-log/", views.audit_log, name="audit_log"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/data.zip", views.data_export, name="data_export"),
    path("<slug:slug>/members/invite/", views.invite, name="invite"),
    path("<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
]
