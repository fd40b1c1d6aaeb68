from django.db.models import QuerySet

from tenant_apps.accounts.models import User
from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.files.models import StoredFile


def files_list() -> QuerySet[StoredFile]:
    return StoredFile.objects.select_related("uploaded_by")


def file_for_member(*, user: User, public_id: str) -> StoredFile | None:
    """The file, when `user` is a member here who may read it; None otherwise (so callers
    answer 404 alike for "no such file here" and "not yours to see")."""
    if not has_role(user, Role.MEMBER):
        return None
    return StoredFile.objects.filter(public_id=public_id).first()


def can_delete(*, user: User, stored_file: StoredFile) -> bool:
    if not has_role(user, Role.MEMBER):
        return False
    return stored_file.uploaded_by_id == user.pk or has_role(user, Role.ADMIN)
