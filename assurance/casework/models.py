from django.conf import settings
from django.db import models

__all__ = ["CasePagePreference"]


class CasePagePreference(models.Model):
    """Which case-page sections a person has folded away; every case page opens that way.

    Only a display preference: nothing is derived from it. A person without a row sees every
    section open (as does anyone without JavaScript)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_page_preference"
    )
    closed_sections = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "case page preference"

    def __str__(self):
        return f"Case page sections for {self.user}"
