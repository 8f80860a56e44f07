"""State-changing writes for the rating picture: published ratings, statement scores, the
breach flag.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from assurance.cases import workflow as wf
from assurance.common.history import records_actor
from assurance.organisations.permissions import RATING_EDITOR_ROLES, SCORE_EDITOR_ROLES
from assurance.rating.models import PublishedRating, StatementScore

User = get_user_model()


# --- The rating picture ------------------------------------------------------------------


@records_actor
def published_rating_add(*, actor, actor_roles, location, key_question, rating, published_on):

    if not RATING_EDITOR_ROLES & set(actor_roles):
        raise wf.WorkflowError(
            "Only a Registered Manager or Senior Leader can enter published ratings."
        )
    if rating not in key_question.framework.rating_labels:
        raise ValidationError({"rating": "Choose one of the framework's rating labels."})
    return PublishedRating.objects.create(
        location=location,
        key_question=key_question,
        rating=rating,
        published_on=published_on,
        recorded_by=actor,
    )


@records_actor
def statement_score_add(
    *, actor, actor_roles, location, quality_statement, score, assessed_on, rationale
):

    if not SCORE_EDITOR_ROLES & set(actor_roles):
        raise wf.WorkflowError(
            "Only a Quality Lead, Registered Manager or Senior Leader can score statements."
        )
    return StatementScore.objects.create(
        location=location,
        quality_statement=quality_statement,
        score=score,
        assessed_on=assessed_on,
        rationale=rationale,
        recorded_by=actor,
    )


@records_actor
def location_set_breach(*, actor, actor_roles, location, breach: bool):
    if not RATING_EDITOR_ROLES & set(actor_roles):
        raise wf.WorkflowError("Only a Registered Manager or Senior Leader can change this.")
    location.regulation_breach = breach
    location.save(update_fields=["regulation_breach"])
    return location
