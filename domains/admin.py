from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .forms import DomainAdminForm, StepTemplateForm, StepTemplateFormSet
from .models import (
    Domain,
    EvidenceCategory,
    Framework,
    KeyQuestion,
    QualityStatement,
    ScoreBand,
    StepTemplate,
)


class StepTemplateInline(admin.StackedInline):
    model = StepTemplate
    form = StepTemplateForm
    formset = StepTemplateFormSet
    max_num = 5

    def get_extra(self, request, obj=None, **kwargs):
        # Blank rows only for the steps still missing.
        return 5 - obj.steps.count() if obj is not None else 5


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    form = DomainAdminForm
    list_display = ["name", "slug", "is_active", "step_count", "order"]
    list_editable = ["is_active", "order"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["key_questions", "quality_statements"]
    readonly_fields = ["step_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "is_active", "order"]}),
        ("The five steps as users will see them", {"fields": ["step_preview"]}),
        (
            "Lists",
            {
                "fields": [
                    "default_wider_areas",
                    "warning_signs",
                    "escalation_actions",
                    "suggested_indicators",
                ]
            },
        ),
        ("Framework links", {"fields": ["key_questions", "quality_statements"]}),
    ]
    inlines = [StepTemplateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description="steps")
    def step_count(self, obj):
        return f"{len(obj.steps.all())} of 5"

    @admin.display(description="Preview")
    def step_preview(self, obj):
        steps = sorted(obj.steps.all(), key=lambda s: s.number) if obj.pk else []
        if not steps:
            return "No steps saved yet: add them below, then save to see the preview."
        rows = format_html_join(
            "",
            "<li>Step {} of 5: <strong>{}</strong>, by the {}</li>",
            ((s.number, s.artefact_label, s.get_role_display()) for s in steps),
        )
        missing = [n for n in range(1, 6) if n not in {s.number for s in steps}]
        note = (
            format_html(
                "<p>Missing: step {}. The domain is not offered to users until all five "
                "steps exist.</p>",
                ", ".join(map(str, missing)),
            )
            if missing
            else ""
        )
        return format_html("<ul>{}</ul>{}", rows, note)


class KeyQuestionInline(admin.TabularInline):
    model = KeyQuestion
    extra = 0


class ScoreBandInline(admin.TabularInline):
    model = ScoreBand
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "method", "is_current", "has_scoring"]
    inlines = [KeyQuestionInline, ScoreBandInline]


@admin.register(QualityStatement)
class QualityStatementAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "key_question"]
    list_filter = ["key_question__framework", "key_question"]


admin.site.register(EvidenceCategory)
