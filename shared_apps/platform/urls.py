from django.urls import path

from shared_apps.platform import api, views

app_name = "platform"

urlpatterns = [
    path("", views.organization_list, name="organizations"),
    path("organizations/new/", views.organization_new, name="organization-new"),
    path("organizations/check-slug/", views.slug_check, name="slug-check"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization"),
    path(
        "organizations/<slug:slug>/status/", views.organization_status, name="organization-status"
    ),
    path("organizations/<slug:slug>/rename/", views.organization_rename, name="rename"),
    path("organizations/<slug:slug>/plan/", views.organization_plan, name="plan"),
    path("organizations/<slug:slug>/move/", views.organization_move, name="move"),
    path("organizations/<slug:slug>/retry/", views.organization_retry, name="retry"),
    path("organizations/<slug:slug>/owner/", views.owner_invite, name="owner-invite"),
    path("organizations/<slug:slug>/domains/", views.domain_add, name="domain-add"),
    path(
        "organizations/<slug:slug>/domains/<int:pk>/<str:action>/",
        views.domain_action,
        name="domain-action",
    ),
    path("organizations/<slug:slug>/export/", views.export_request, name="export"),
    path("organizations/<slug:slug>/delete/", views.organization_delete, name="delete"),
    path(
        "organizations/<slug:slug>/impersonate/<int:user_id>/",
        views.impersonate,
        name="impersonate",
    ),
    path(
        "organizations/<slug:slug>/<str:action>/", views.organization_transition, name="transition"
    ),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("api-tokens/", views.api_token_list, name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("audit/", views.audit_log, name="audit"),
    path("failed-tasks/", views.failed_task_list, name="failed-tasks"),
    path(
        "failed-tasks/<int:pk>/<str:action>/", views.failed_task_action, name="failed-task-action"
    ),
    path("api/v1/organizations/", api.OrganizationListView.as_view(), name="api-organizations"),
    path(
        "api/v1/organizations/<slug:slug>/",
        api.OrganizationView.as_view(),
        name="api-organization",
    ),
    path(
        "api/v1/organizations/<slug:slug>/owner-invitation/",
        api.OwnerInvitationView.as_view(),
        name="api-organization-owner-invitation",
    ),
    path(
        "api/v1/organizations/<slug:slug>/export/",
        api.ExportView.as_view(),
        name="api-organization-export",
    ),
    path(
        "api/v1/organizations/<slug:slug>/usage/",
        api.UsageView.as_view(),
        name="api-organization-usage",
    ),
    path(
        "api/v1/organizations/<slug:slug>/<str:action>/",
        api.OrganizationTransitionView.as_view(),
        name="api-organization-action",
    ),
]
