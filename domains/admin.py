from django.contrib import admin

from .models import (
    Domain,
    EvidenceCategory,
    Framework,
    KeyQuestion,
    QualityStatement,
    ScoreBand,
    StepTemplate,
)


class StepTemplateInline(admin.TabularInline):
    model = StepTemplate
    extra = 5
    max_num = 5


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "order"]
    list_editable = ["is_active", "order"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["key_questions", "quality_statements"]
    inlines = [StepTemplateInline]


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
