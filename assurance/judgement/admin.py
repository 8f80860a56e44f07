from django.contrib import admin

from assurance.common.admin import NoDeleteAdmin

from .models import ProportionalityJudgement


@admin.register(ProportionalityJudgement)
class JudgementAdmin(NoDeleteAdmin):
    list_display = [
        "case",
        "level",
        "supportable_level",
        "recorded_by",
        "recorded_at",
        "superseded_at",
    ]
    raw_id_fields = ["case", "recorded_by", "confirmed_by"]
