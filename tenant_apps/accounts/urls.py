from django.urls import path

from tenant_apps.accounts import impersonated_sessions, organization_settings, views

app_name = "accounts"

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="invite"),
    path("members/<int:pk>/role/", views.member_role, name="role"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="deactivate"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="revoke"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="resend"),
    path("invitations/<str:token>/", views.invitation_accept, name="accept"),
    path("settings/", organization_settings.settings_general, name="settings"),
    path("settings/sign-in/", organization_settings.settings_sign_in, name="settings-sign-in"),
    path("impersonate/end/", impersonated_sessions.impersonation_end, name="impersonation-end"),
    path(
        "impersonate/<str:ticket>/",
        impersonated_sessions.impersonation_begin,
        name="impersonation-begin",
    ),
]
