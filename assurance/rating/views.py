"""Each location's rating picture, and its forms for published ratings and statement scores."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assurance.cases import workflow as wf
from assurance.common.views import forbidden
from assurance.organisations.access import (
    get_location_for_user,
)
from assurance.rating import picture as rating_picture
from assurance.rating import services as rating_services
from assurance.rating.forms import PublishedRatingForm, StatementScoreForm
from domains.models import Framework

User = get_user_model()


@login_required
def location_rating(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    return render(request, "assurance/rating_picture.html", _rating_context(location))


def _rating_context(location, **forms):
    picture = rating_picture.build(location)
    framework = picture.framework
    roles = set(location.user_roles)
    can_rate = bool(rating_services.RATING_EDITOR_ROLES & roles)
    can_score = bool(rating_services.SCORE_EDITOR_ROLES & roles)
    return {
        "location": location,
        "picture": picture,
        "can_rate": can_rate,
        "can_score": can_score,
        "published_form": forms.get("published")
        or (PublishedRatingForm(framework=framework) if framework and can_rate else None),
        "score_form": forms.get("score")
        or (StatementScoreForm(framework=framework) if framework and can_score else None),
    }


@require_POST
@login_required
def location_rating_update(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    framework = Framework.objects.current()
    kind = request.POST.get("form")
    roles = location.user_roles
    try:
        if kind == "published":
            form = PublishedRatingForm(request.POST, framework=framework)
            if not rating_services.RATING_EDITOR_ROLES & set(roles):
                return forbidden(request, "Only a Registered Manager or Senior Leader can do this.")
            if form.is_valid():
                rating_services.published_rating_add(
                    actor=request.user, actor_roles=roles, location=location, **form.cleaned_data
                )
                messages.success(request, "Published rating recorded.")
                return redirect("rating:location_rating", location_uuid=location.uuid)
            return render(
                request, "assurance/rating_picture.html", _rating_context(location, published=form)
            )
        if kind == "score":
            form = StatementScoreForm(request.POST, framework=framework)
            if not rating_services.SCORE_EDITOR_ROLES & set(roles):
                return forbidden(
                    request, "Only a Quality Lead, Registered Manager or Senior Leader can do this."
                )
            if form.is_valid():
                rating_services.statement_score_add(
                    actor=request.user, actor_roles=roles, location=location, **form.cleaned_data
                )
                messages.success(request, "Score recorded.")
                return redirect("rating:location_rating", location_uuid=location.uuid)
            return render(
                request, "assurance/rating_picture.html", _rating_context(location, score=form)
            )
        if kind == "breach":
            rating_services.location_set_breach(
                actor=request.user,
                actor_roles=roles,
                location=location,
                breach=request.POST.get("breach") == "on",
            )
            messages.success(request, "Breach of regulations setting saved.")
            return redirect("rating:location_rating", location_uuid=location.uuid)
    except wf.WorkflowError as exc:
        return forbidden(request, str(exc))
    return redirect("rating:location_rating", location_uuid=location.uuid)
