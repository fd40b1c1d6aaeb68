from django.urls import path

from tenant_apps.accounts import (
    impersonated_sessions,
    organization_settings,
    ownership_views,
    profile_views,
    views,
)

app_name = "accounts"

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="invite"),
    path("members/<int:pk>/role/", views.member_role, name="role"),
    path("members/<int:pk>/deactivate/", views.member_deactivate, name="deactivate"),
    path("members/<int:pk>/reactivate/", views.member_reactivate, name="reactivate"),
    path("account/profile/", profile_views.profile, name="profile"),
    path("account/avatar/", profile_views.avatar_upload, name="avatar-upload"),
    path("account/avatar/remove/", profile_views.avatar_remove, name="avatar-remove"),
    path("account/avatars/<str:avatar_id>/", profile_views.avatar, name="avatar"),
    path("account/leave/", profile_views.leave, name="leave"),
    path("settings/ownership/", ownership_views.ownership, name="ownership"),
    path("settings/ownership/transfer/", ownership_views.ownership_transfer, name="transfer"),
    path("settings/ownership/delete/", ownership_views.deletion_request, name="deletion-request"),
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
