"""The platform's own event types. A product app registers its types the same way."""

from tenant_apps.events.registry import register

register(
    "tracker.project.created",
    version=1,
    data=lambda project: {"name": project.name},
    summary=lambda project: f"created project “{project.name}”",
)
register(
    "accounts.member.invited",
    version=1,
    data=lambda invitation: {"email": invitation.email, "role": invitation.role},
    summary=lambda invitation: f"invited {invitation.email} as {invitation.role}",
)
register(
    "accounts.member.joined",
    version=1,
    data=lambda user: {"email": user.email},
    summary=lambda user: f"{user.email} joined",
)
register(
    "accounts.member.deactivated",
    version=1,
    data=lambda user: {"email": user.email},
    summary=lambda user: f"deactivated {user.email}",
)
register(
    "files.file.uploaded",
    version=1,
    data=lambda stored: {"name": stored.name, "size": stored.size},
    summary=lambda stored: f"uploaded {stored.name}",
)
register(
    "files.file.deleted",
    version=1,
    data=lambda stored: {"name": stored.name},
    summary=lambda stored: f"deleted {stored.name}",
)
