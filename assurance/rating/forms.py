from django import forms

from assurance.common.forms import DATE, PlainErrors, not_future
from domains.models import QualityStatement


class PublishedRatingForm(PlainErrors, forms.Form):
    key_question = forms.ModelChoiceField(
        queryset=None, error_messages={"required": "Choose a key question"}
    )
    rating = forms.ChoiceField(choices=(), error_messages={"required": "Choose a rating"})
    published_on = forms.DateField(
        label="Published on",
        widget=DATE,
        error_messages={"required": "Enter the date the rating was published"},
    )

    def __init__(self, *args, framework, **kwargs):
        kwargs.setdefault("auto_id", "published_%s")
        super().__init__(*args, **kwargs)
        self.fields["key_question"].queryset = framework.key_questions.all()
        self.fields["rating"].choices = [(label, label) for label in framework.rating_labels]

    def clean_published_on(self):
        return not_future(self.cleaned_data["published_on"])


class StatementScoreForm(PlainErrors, forms.Form):
    quality_statement = forms.ModelChoiceField(
        queryset=None,
        label="Quality statement",
        error_messages={"required": "Choose a quality statement"},
    )
    score = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (4, "4 – exceptional standard"),
            (3, "3 – good standard"),
            (2, "2 – some shortfalls"),
            (1, "1 – significant shortfalls"),
        ],
        error_messages={"required": "Choose a score"},
    )
    assessed_on = forms.DateField(
        label="Assessed on",
        widget=DATE,
        error_messages={"required": "Enter the date the statement was assessed"},
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter the rationale for the score"},
    )

    def __init__(self, *args, framework, **kwargs):

        kwargs.setdefault("auto_id", "score_%s")
        super().__init__(*args, **kwargs)
        self.fields["quality_statement"].queryset = QualityStatement.objects.filter(
            key_question__framework=framework
        ).select_related("key_question")

    def clean_assessed_on(self):
        return not_future(self.cleaned_data["assessed_on"])
