"""Each location's rating picture, its forms (published ratings, statement scores,
self-judgements), and switching a location or a whole provider to another framework."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assurance.cases import workflow as wf
from assurance.common.views import add_errors, forbidden
from assurance.organisations.access import get_location_for_user, get_provider_for_user
from assurance.organisations.frameworks import frameworks_for, switches
from assurance.organisations.permissions import (
    FRAMEWORK_SWITCH_ROLES,
    can_record_self_judgement,
    can_switch_framework,
)
from assurance.rating import picture as rating_picture
from assurance.rating import services as rating_services
from assurance.rating.forms import (
    FrameworkSwitchForm,
    PublishedRatingForm,
    SelfJudgementForm,
    StatementScoreForm,
)

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
    can_score = bool(rating_services.SCORE_EDITOR_ROLES & roles) and not picture.in_the_round
    can_judge = can_record_self_judgement(roles) and picture.in_the_round
    return {
        "location": location,
        "picture": picture,
        "can_rate": can_rate,
        "can_score": can_score,
        "can_judge": can_judge,
        "can_switch": can_switch_framework(roles),
        "published_form": forms.get("published")
        or (PublishedRatingForm(framework=framework) if framework and can_rate else None),
        "score_form": forms.get("score")
        or (StatementScoreForm(framework=framework) if framework and can_score else None),
        "self_form": forms.get("self")
        or (SelfJudgementForm(framework=framework, location=location) if can_judge else None),
    }


def _saved(request, location, message):
    messages.success(request, message)
    return redirect("rating:location_rating", location_uuid=location.uuid)


def _again(request, location, **form):
    return render(request, "assurance/rating_picture.html", _rating_context(location, **form))


@require_POST
@login_required
def location_rating_update(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    framework = frameworks_for([location])[location.id].framework
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
                return _saved(request, location, "Published rating recorded.")
            return _again(request, location, published=form)
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
                return _saved(request, location, "Score recorded.")
            return _again(request, location, score=form)
        if kind == "self":
            if not can_record_self_judgement(roles):
                return forbidden(request, "Only the location's Registered Manager can do this.")
            form = SelfJudgementForm(request.POST, framework=framework, location=location)
            if form.is_valid():
                try:
                    judgement = rating_services.self_judgement_record(
                        actor=request.user,
                        actor_roles=roles,
                        location=location,
                        **form.cleaned_data,
                    )
                except ValidationError as exc:
                    add_errors(form, exc)
                    return _again(request, location, self=form)
                return _saved(
                    request,
                    location,
                    f"Self-judgement recorded: {judgement.key_question} {judgement.rating}.",
                )
            return _again(request, location, self=form)
        if kind == "breach":
            rating_services.location_set_breach(
                actor=request.user,
                actor_roles=roles,
                location=location,
                breach=request.POST.get("breach") == "on",
            )
            return _saved(request, location, "Breach of regulations setting saved.")
    except wf.WorkflowError as exc:
        return forbidden(request, str(exc))
    return redirect("rating:location_rating", location_uuid=location.uuid)


# --- Switching framework -----------------------------------------------------------------


def _switch(request, *, roles, locations, form, scope):
    """Validate and switch; the error or the success message. Returns True on success."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        rows = rating_services.framework_switch(
            actor=request.user,
            actor_roles=roles,
            locations=locations,
            framework=data["framework"],
            effective_on=data["effective_on"],
            reason=data["reason"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return False
    messages.success(
        request,
        f"{scope(rows)} {'is' if len(rows) == 1 else 'are'} assessed against "
        f"{data['framework'].name} from {data['effective_on']:%-d %B %Y}. Earlier "
        "self-assessments stay in the history under the framework they were recorded against.",
    )
    return True


@login_required
@require_http_methods(["GET", "POST"])
def location_framework(request, location_uuid):
    roles = FRAMEWORK_SWITCH_ROLES if request.method == "POST" else None
    location = get_location_for_user(request.user, location_uuid, roles=roles)
    form = FrameworkSwitchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _switch(
        request,
        roles=location.user_roles,
        locations=[location],
        form=form,
        scope=lambda rows: location.name,
    ):
        return redirect("rating:location_framework", location_uuid=location.uuid)
    return render(
        request,
        "assurance/framework_switch.html",
        {
            "location": location,
            "assessed": frameworks_for([location])[location.id],
            "switches": switches(location),
            "form": form if can_switch_framework(location.user_roles) else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def provider_framework(request, slug):
    provider = get_provider_for_user(request.user, slug, roles=FRAMEWORK_SWITCH_ROLES)
    locations = list(provider.locations.active().order_by("name"))
    form = FrameworkSwitchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _switch(
        request,
        roles=provider.user_roles,
        locations=locations,
        form=form,
        scope=lambda rows: (
            f"{len(rows)} of the {len(locations)} active locations of {provider.name}"
            if len(rows) < len(locations)
            else f"All {len(locations)} active locations of {provider.name}"
        ),
    ):
        return redirect("rating:provider_framework", slug=provider.slug)
    assessed = frameworks_for(locations)
    return render(
        request,
        "assurance/framework_switch.html",
        {
            "provider": provider,
            "rows": [(loc, assessed[loc.id]) for loc in locations],
            "form": form,
        },
    )
