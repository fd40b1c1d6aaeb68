from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A member's personal API token, in the organization's schema.

    Only a digest of the secret is stored (the raw value is shown once); `prefix` is the
    public part that names the token in lists and logs. The digest covers the schema name,
    so a row copied into another schema authenticates nothing there.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        READ_WRITE = "read-write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class RefreshToken(models.Model):
    """A refresh token for RS256 access tokens, in the organization's schema.

    Used once: each refresh revokes it and issues a successor. Only a digest is stored.
    Revoking one ends the chain (/api/v1/auth/token/revoke/); access tokens already issued
    live on until they expire (JWT_ACCESS_TOKEN_SECONDS, minutes). A chain begun with a
    personal API token ends with it too: once that token is revoked or expired, its
    refresh tokens are refused.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_tokens"
    )
    api_token = models.ForeignKey(
        ApiToken,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="refresh_tokens",
        help_text="The personal API token the chain began with (none: a session).",
    )
    scope = models.CharField(max_length=10, choices=ApiToken.Scope.choices)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"refresh token of {self.user_id}"
