"""/api/v1/ on every organization's host."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from tenant_apps.api.auth_endpoints import AccessTokenView, RefreshView, RevokeView
from tenant_apps.api.files import FileViewSet
from tenant_apps.api.me import MeView
from tenant_apps.api.members import InvitationViewSet, MemberViewSet
from tenant_apps.api.projects import ProjectViewSet
from tenant_apps.api.token_endpoints import ApiTokenViewSet
from tenant_apps.api.tracker import CommentViewSet, TagViewSet, TaskViewSet
from tenant_apps.api.views import NotFoundView

app_name = "api"

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("tasks", TaskViewSet, basename="task")
router.register("comments", CommentViewSet, basename="comment")
router.register("tags", TagViewSet, basename="tag")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("files", FileViewSet, basename="file")
router.register("members", MemberViewSet, basename="member")
router.register("invitations", InvitationViewSet, basename="invitation")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("auth/token/", AccessTokenView.as_view(), name="token"),
    path("auth/token/refresh/", RefreshView.as_view(), name="token-refresh"),
    path("auth/token/revoke/", RevokeView.as_view(), name="token-revoke"),
    *router.urls,
    # Last: any other path under /api/v1/ (a malformed id too) is the envelope's 404.
    re_path(r"^", NotFoundView.as_view(), name="not-found"),
]
