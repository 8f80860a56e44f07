import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ApiTokenQuerySet(models.QuerySet):
    def active(self, today=None):
        today = today or timezone.localdate()
        return self.filter(revoked_at__isnull=True, expires_on__gte=today)


class ApiToken(models.Model):
    """A personal access token. Only its SHA-256 is stored; the token itself is shown once,
    when it is created. Revoked, never deleted, so the record of who had access stays."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="What it is for, e.g. “Power BI refresh”.")
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to tell it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(help_text="The last day the token works.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="api_token_revoked_at_has_revoked_by",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def is_expired(self):
        return self.expires_on < timezone.localdate()

    @property
    def is_active(self):
        return not self.is_revoked and not self.is_expired

    @property
    def state_label(self):
        if self.is_revoked:
            return "Revoked"
        return "Expired" if self.is_expired else "Active"
