from django import forms
from django.utils import timezone

from .periods import recent_quarters


class QuarterlyRequestForm(forms.Form):
    quarter = forms.ChoiceField()
    location = forms.ChoiceField(required=False, label="Scope")

    def __init__(self, *args, locations, provider_wide, **kwargs):
        kwargs.setdefault("auto_id", "report_%s")
        super().__init__(*args, **kwargs)
        quarters = recent_quarters(timezone.localdate())
        self.fields["quarter"].choices = [(q.label, q.title) for q in quarters]
        self.fields["quarter"].initial = quarters[1].label
        choices = [("", "All locations (the provider's report)")] if provider_wide else []
        choices += [(str(loc.uuid), loc.name) for loc in locations]
        self.fields["location"].choices = choices
