from django import forms
from django.utils import timezone

from assurance.common.forms import DATE, PlainErrors

from .models import COMMENTARY_MAX, ReportLayout
from .periods import recent_quarters


class QuarterlyRequestForm(PlainErrors, forms.Form):
    quarter = forms.ChoiceField(error_messages={"required": "Choose a quarter"})
    location = forms.ChoiceField(
        required=False,
        label="Scope",
        error_messages={"invalid_choice": "Choose a scope from the list"},
    )
    layout = forms.ChoiceField(
        choices=ReportLayout.choices,
        initial=ReportLayout.SUMMARY,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a layout", "invalid_choice": "Choose a layout"},
    )
    commentary = forms.CharField(
        label="Executive commentary (optional)",
        required=False,
        max_length=COMMENTARY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            f"Your own summary of the quarter, shown on the report's summary page. Up to "
            f"{COMMENTARY_MAX:,} characters."
        ),
        error_messages={
            "max_length": f"Shorten the commentary to {COMMENTARY_MAX:,} characters or fewer"
        },
    )

    def __init__(self, *args, locations, provider_wide, **kwargs):
        kwargs.setdefault("auto_id", "report_%s")
        super().__init__(*args, **kwargs)
        quarters = recent_quarters(timezone.localdate())
        self.fields["quarter"].choices = [(q.label, q.title) for q in quarters]
        self.fields["quarter"].initial = quarters[1].label
        choices = [("", "All locations (the provider's report)")] if provider_wide else []
        choices += [(str(loc.uuid), loc.name) for loc in locations]
        self.fields["location"].choices = choices

    def clean(self):
        data = super().clean()
        data["layout"] = data.get("layout") or ReportLayout.SUMMARY
        if data["layout"] == ReportLayout.FULL and not data.get("location"):
            self.add_error("layout", "Choose one location for a full report, or the summary layout")
        return data


class PackRequestForm(PlainErrors, forms.Form):
    """A location's evidence pack: the dates the evidence describes, and whether withdrawn
    evidence's files go in too."""

    start = forms.DateField(
        label="Evidence dated from",
        widget=DATE,
        error_messages={
            "required": "Enter the first date of the evidence to include",
            "invalid": "Enter the first date as a real date, for example 1 4 2026",
        },
    )
    end = forms.DateField(
        label="to",
        widget=DATE,
        error_messages={
            "required": "Enter the last date of the evidence to include",
            "invalid": "Enter the last date as a real date, for example 30 6 2026",
        },
    )
    include_withdrawn_files = forms.BooleanField(
        label="Include the files of withdrawn evidence",
        required=False,
        help_text="Withdrawn evidence is always listed in the index, with its reason.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "pack_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("start", today.replace(day=1, month=1))
            self.initial.setdefault("end", today)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The last date must be the same as or after the first date")
        return data


class CasePackForm(PlainErrors, forms.Form):
    include_withdrawn_files = forms.BooleanField(
        label="Include the files of withdrawn evidence", required=False
    )
