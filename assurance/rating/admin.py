"""Switching framework in the admin (superusers): one location, or with "whole provider"
ticked every active location of its provider, through the same service as the Senior
Leader's page. Switches and self-judgements are appended, never changed or deleted."""

from django import forms
from django.contrib import admin, messages

from assurance.cases.workflow import MIN_REASON_LENGTH
from assurance.common.admin import ReadOnlyAdmin
from assurance.organisations.models import FrameworkAssignment
from assurance.rating import services as rating_services
from assurance.rating.models import SelfJudgement


class FrameworkAssignmentForm(forms.ModelForm):
    whole_provider = forms.BooleanField(
        required=False,
        label="Switch the whole provider",
        help_text="Every active location of this location's provider, one row each.",
    )

    class Meta:
        model = FrameworkAssignment
        fields = ["location", "framework", "effective_on", "reason"]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise forms.ValidationError("Say why the framework is switched (a short sentence).")
        return reason

    def clean(self):
        data = super().clean()
        location = data.get("location")
        if location is None or data.get("framework") is None or not data.get("effective_on"):
            return data
        locations = (
            list(location.provider.locations.active()) if data.get("whole_provider") else [location]
        )
        refusal = rating_services.framework_switch_refusal(
            locations, data["framework"], data["effective_on"]
        )
        if refusal:
            self.add_error("framework", refusal)
        self.switch_locations = locations
        return data


@admin.register(FrameworkAssignment)
class FrameworkAssignmentAdmin(admin.ModelAdmin):
    form = FrameworkAssignmentForm
    list_display = ["location", "framework", "effective_on", "recorded_by", "recorded_at"]
    list_filter = ["framework", "location__provider"]
    search_fields = ["location__name", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Switch through the service; the row the admin shows next is the location's."""
        rows = rating_services.framework_switch(
            actor=request.user,
            actor_roles=frozenset(),  # a superuser: the service allows the admin
            locations=form.switch_locations,
            framework=form.cleaned_data["framework"],
            effective_on=form.cleaned_data["effective_on"],
            reason=form.cleaned_data["reason"],
        )
        chosen = next((r for r in rows if r.location_id == obj.location_id), rows[0])
        obj.pk = chosen.pk
        obj.recorded_by = chosen.recorded_by
        obj.recorded_at = chosen.recorded_at
        if len(rows) > 1:
            self.message_user(request, f"{len(rows)} locations switched.", messages.SUCCESS)


@admin.register(SelfJudgement)
class SelfJudgementAdmin(ReadOnlyAdmin):
    list_display = ["location", "key_question", "rating", "judged_on", "recorded_by"]
    list_filter = ["key_question__framework", "location__provider"]
