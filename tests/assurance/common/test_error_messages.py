"""GOV.UK-style errors: a summary at the top of the form linking to each field, "Error: "
before the page title, and messages that say how to put it right."""

import html

import pytest
from django import forms
from django.urls import reverse

from assurance.common.forms import PlainErrors, ReasonField
from tests.builders import open_case

pytestmark = pytest.mark.django_db


class Sample(PlainErrors, forms.Form):
    title = forms.CharField(max_length=10)
    due_on = forms.DateField(label="The date it is due")
    team = forms.ChoiceField(choices=[("a", "A")])
    amount = forms.DecimalField(label="Amount")
    stance = forms.ChoiceField(
        choices=[("s", "Supports")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a stance"},
    )
    reason = ReasonField(label="Why?")


def test_each_message_says_how_to_put_it_right():
    form = Sample({"title": "x" * 11, "due_on": "31/02/2026", "team": "z", "amount": "lots"})
    assert form.errors == {
        "title": ["Title must be 10 characters or fewer (it has 11)"],
        "due_on": ["Enter the date it is due as a real date, for example 30 9 2026"],
        "team": ["Choose team from the list"],
        "amount": ["Enter amount as a number, like 12 or 3.5"],
        "stance": ["Choose a stance"],  # a form's own message is kept
        "reason": ["Enter a reason of up to 2,000 characters."],
    }
    assert Sample({}).errors["due_on"] == ["Enter the date it is due"]


def test_no_form_says_this_field_is_required(client, location, quality_lead):
    case = open_case(location=location, actor=quality_lead)
    client.force_login(quality_lead)
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 1]),
        {"version": 1, "complete": "1"},
        headers={"HX-Request": "true"},
    )
    page = html.unescape(response.content.decode())
    assert "This field is required" not in page
    assert "Enter what improved" in page


def test_an_invalid_page_form_has_an_error_summary_linking_each_field(
    client, location, quality_lead
):
    client.force_login(quality_lead)
    url = reverse("casework:case_create", args=[location.uuid]) + "?domain=governance"
    assert "<title>Error: " not in client.get(url).content.decode()

    response = client.post(url, {"domain": "governance"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "<title>Error: " in page
    summary = page[
        page.index("data-error-summary") : page.index("</ul>", page.index("data-error-summary"))
    ]
    assert (
        'role="alert"' in page[page.index("error-summary") - 60 : page.index("data-error-summary")]
    )
    assert "There is a problem" in summary
    assert '<a href="#id_title">Enter a title for the case</a>' in summary
    assert (
        '<a href="#id_improvement_began">Enter the date the improvement work began</a>' in summary
    )
    assert '<a href="#id_wider_areas_0">Choose or add at least one wider area</a>' in summary
    # The same message beside the field, under the id its input names.
    assert 'aria-describedby="id_title_error"' in page
    assert 'id="id_title_error"><span class="visually-hidden">Error: </span>Enter a title' in page


def test_an_htmx_form_refused_on_the_case_page_has_its_summary(client, location, quality_lead):
    case = open_case(location=location, actor=quality_lead)
    client.force_login(quality_lead)
    response = client.post(
        reverse("casework:evidence_add", args=[case.uuid]),
        {"summary": "Audit"},
        headers={"HX-Request": "true"},
    )
    page = html.unescape(response.content.decode())
    assert "There is a problem" in page
    assert '<a href="#evidence_source">Choose where the evidence comes from</a>' in page
    assert '<a href="#evidence_stance_0">Choose a stance</a>' in page
    assert '<a href="#evidence_occurred_on">Enter the date the evidence describes</a>' in page
