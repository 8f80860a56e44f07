from django import forms

from assurance.common.forms import DATE, not_future
from domains.models import QualityStatement


class PublishedRatingForm(forms.Form):
    key_question = forms.ModelChoiceField(queryset=None)
    rating = forms.ChoiceField(choices=())
    published_on = forms.DateField(label="Published on", widget=DATE)

    def __init__(self, *args, framework, **kwargs):
        kwargs.setdefault("auto_id", "published_%s")
        super().__init__(*args, **kwargs)
        self.fields["key_question"].queryset = framework.key_questions.all()
        self.fields["rating"].choices = [(label, label) for label in framework.rating_labels]

    def clean_published_on(self):
        return not_future(self.cleaned_data["published_on"])


class StatementScoreForm(forms.Form):
    quality_statement = forms.ModelChoiceField(queryset=None, label="Quality statement")
    score = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (4, "4 – exceptional standard"),
            (3, "3 – good standard"),
            (2, "2 – some shortfalls"),
            (1, "1 – significant shortfalls"),
        ],
    )
    assessed_on = forms.DateField(label="Assessed on", widget=DATE)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, framework, **kwargs):

        kwargs.setdefault("auto_id", "score_%s")
        super().__init__(*args, **kwargs)
        self.fields["quality_statement"].queryset = QualityStatement.objects.filter(
            key_question__framework=framework
        ).select_related("key_question")

    def clean_assessed_on(self):
        return not_future(self.cleaned_data["assessed_on"])
