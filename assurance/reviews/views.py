"""Review pages (lists and the review form), in-app notifications and the Reminders ledger.

Views authorise through the get_*_for_user helpers (outsider 404, wrong role 403), validate
a plain form, call one service and redirect. Rules live in review_services.py and
reminders.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from assurance.cases import workflow as wf
from assurance.cases.models import ImprovementCase
from assurance.common import queueing as common_queueing
from assurance.common.lists import paginate, render_list
from assurance.common.views import add_errors, forbidden
from assurance.escalations.models import Escalation, EscalationTrigger
from assurance.judgement.figures import case_readiness
from assurance.judgement.models import current_judgements
from assurance.organisations.access import (
    get_location_for_user,
    get_provider_for_user,
    visible_locations,
)
from assurance.organisations.models import Location, Membership
from assurance.organisations.permissions import PROVIDER_MANAGER_ROLES, REMINDER_ROLES
from assurance.reviews import lists as review_lists
from assurance.reviews import rules as gap_rules
from assurance.reviews import services as review_services
from assurance.reviews import tasks as reviews_tasks
from assurance.reviews.access import get_notification_for_user, get_review_for_user
from assurance.reviews.forms import ReviewCompleteForm, ReviewSkipForm
from assurance.reviews.models import (
    DeliveryStatus,
    Notification,
    ReminderDelivery,
    Review,
    ReviewKind,
    ReviewOutcome,
    ReviewStatus,
)
from assurance.reviews.reminders import item_label, item_path

PAGE_SIZE = 20
LEDGER_PAGE_SIZE = 50
OUTCOME_HELP = {
    ReviewOutcome.ON_TRACK: "The improvement is holding and spreading as the evidence shows.",
    ReviewOutcome.GAP_OBSERVED: "Leadership-side measures have moved further than practice on "
    "the floor. A gap seen in two monthly reviews in a row (ticked here, or a computed gap "
    "above the threshold) raises an escalation.",
    ReviewOutcome.ESCALATE: "Raise an escalation now (a deeper review, observation, coaching...).",
    ReviewOutcome.CLOSE_CASE: "The work is done: close the case. Your notes become the reason.",
}
QUARTERLY_OUTCOME_HELP = {
    ReviewOutcome.ON_TRACK: "The improvements are holding and spreading as the evidence shows.",
    ReviewOutcome.GAP_OBSERVED: "Leadership-side measures have moved further than practice on "
    "the floor across the provider. Kept with your notes and shown in the next quarterly "
    "report.",
    ReviewOutcome.ESCALATE: "Raise a provider-wide escalation, owned by the Senior Leaders.",
}


# --- review lists ---------------------------------------------------------------------------


def _overdue_only(params):
    return review_lists.filter_reviews(Review.objects.none(), params).filters["status"] == "overdue"


def _rows(reviews, params):
    """A review list page's rows: what the table shows, without the figures kept with each
    review (wide JSON, never read by a sorted list query)."""
    rows = review_lists.with_list_data(review_lists.filter_reviews(reviews, params).rows)
    return rows.defer(
        "figures",
        "thresholds",
        "notes",
        "case__wider_areas",
        "case__baseline_issue",
        "case__status_reason",
    )


@login_required
def location_reviews(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    rows = _rows(review_lists.location_reviews(location), request.GET)
    page = paginate(request, rows, PAGE_SIZE, region="review-list", label="Pages of reviews")
    return render_list(
        request,
        "assurance/reviews/review_list.html",
        {
            "location": location,
            "scope_name": location.name,
            "page": page,
            "overdue_only": _overdue_only(request.GET),
        },
        fragments={"review-list": "assurance/reviews/_review_list.html"},
    )


@login_required
def provider_reviews(request, slug):
    provider = get_provider_for_user(request.user, slug)
    # Only the state filter applies (?status=overdue, linked from the provider's overview):
    # the two lists are of one kind each.
    params = {"status": request.GET.get("status", "")}
    quarterly = paginate(
        request,
        _rows(review_lists.provider_quarterly_reviews(provider), params),
        PAGE_SIZE,
        region="quarterly-list",
        label="Pages of quarterly reviews",
    )
    monthly_due = paginate(
        request,
        # All outstanding, so soonest due first is the due date's order: the index's, with
        # no sort of thousands of rows for one page.
        _rows(review_lists.provider_monthly_due(request.user, provider), params).order_by(
            "due_on", "id"
        ),
        PAGE_SIZE,
        param="due_page",
        region="monthly-due-list",
        label="Pages of outstanding monthly reviews",
    )
    return render_list(
        request,
        "assurance/reviews/provider_reviews.html",
        {
            "provider": provider,
            "scope_name": provider.name,
            "page": quarterly,
            "monthly_due": monthly_due,
            "overdue_only": _overdue_only(params),
        },
        fragments={
            "quarterly-list": "assurance/reviews/_quarterly_list.html",
            "monthly-due-list": "assurance/reviews/_monthly_due_list.html",
        },
    )


# --- one review: the form, completing and skipping ---------------------------------------


def _review_context(request, review, *, form=None, skip_form=None):
    can_act = review.is_due and review_services.can_review(review, review.user_roles)
    context = {
        "review": review,
        "location": review.location,
        "provider": review.provider,
        "can_act": can_act,
        "form": form or (ReviewCompleteForm(kind=review.kind) if can_act else None),
        "skip_form": skip_form or (ReviewSkipForm() if can_act else None),
        "outcome_help": OUTCOME_HELP
        if review.kind == ReviewKind.MONTHLY
        else QUARTERLY_OUTCOME_HELP,
    }
    if review.kind == ReviewKind.MONTHLY:
        case = review.case
        history = list(
            Review.objects.filter(case=case)
            .exclude(pk=review.pk)
            .select_related("completed_by")
            .order_by("-period_start")[:6]
        )
        last_done = next(
            (
                r
                for r in history
                if r.status == ReviewStatus.COMPLETED and r.period_start < review.period_start
            ),
            None,
        )
        # Shown live while the review is open; a completed review shows what was seen.
        ready = case_readiness(case) if review.is_due else None
        escalations = list(
            Escalation.objects.filter(case=case)
            .active()
            .with_overdue_flag()
            .select_related("owner")
        )
        gap_warning, threshold = "", None
        if ready is not None:
            threshold = gap_rules.gap_threshold(ready.thresholds.to_dict())
        if ready is not None and last_done is not None:
            gap_warning = gap_rules.before_saving(
                review_services.gap_seen(last_done, fallback_threshold=threshold),
                ready.figures.gap.value,
                threshold,
                already_open=any(e.trigger == EscalationTrigger.REPEATED_GAP for e in escalations),
            )
        context.update(
            {
                "case": case,
                "ready": ready,
                "history": history,
                "last_was_gap": last_done is not None
                and last_done.outcome == ReviewOutcome.GAP_OBSERVED,
                "gap_warning": gap_warning,
                "gap_threshold": threshold,
                "escalations": escalations,
            }
        )
    else:
        locations = visible_locations(request.user).filter(provider=review.provider)
        context.update(
            {
                "cases": list(
                    ImprovementCase.objects.filter(location__in=locations)
                    .select_related("location", "domain")
                    .prefetch_related(current_judgements())
                    .order_by("location__name", "status", "title")
                ),
                "escalations": list(
                    Escalation.objects.filter(
                        Q(case__location__in=locations)
                        | Q(case__isnull=True, provider=review.provider)
                    )
                    .with_overdue_flag()
                    .select_related("case__location", "provider", "owner")
                    .order_by("status", "due_on", "id")
                ),
            }
        )
    return context


@login_required
def review_detail(request, review_uuid):
    review = get_review_for_user(request.user, review_uuid)
    return render(request, "assurance/reviews/review_detail.html", _review_context(request, review))


@require_POST
@login_required
def review_complete(request, review_uuid):
    review = get_review_for_user(request.user, review_uuid, act=True)
    form = ReviewCompleteForm(request.POST, kind=review.kind)
    if form.is_valid():
        try:
            result = review_services.review_complete(
                actor=request.user,
                actor_roles=review.user_roles,
                review=review,
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except wf.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            done = f"{review} recorded: {ReviewOutcome(result.review.outcome).label}."
            for raised in result.raised:
                done += f" An escalation was raised ({raised.get_trigger_display()})."
            if result.case_closed:
                done += " The case is closed."
            if result.next_review:
                done += f" Next review due {result.next_review.due_on:%-d %B %Y}."
            messages.success(request, done)
            return redirect("reviews:review_detail", review_uuid=review.uuid)
    return render(
        request,
        "assurance/reviews/review_detail.html",
        _review_context(request, review, form=form),
    )


@require_POST
@login_required
def review_skip(request, review_uuid):
    review = get_review_for_user(request.user, review_uuid, act=True)
    form = ReviewSkipForm(request.POST)
    if form.is_valid():
        try:
            result = review_services.review_skip(
                actor=request.user,
                actor_roles=review.user_roles,
                review=review,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except wf.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{review} skipped. The reason is kept on the record.")
            target = result.next_review or result.review
            return redirect("reviews:review_detail", review_uuid=target.uuid)
    return render(
        request,
        "assurance/reviews/review_detail.html",
        _review_context(request, review, skip_form=form),
    )


# --- notifications --------------------------------------------------------------------------


@login_required
def notification_list(request):
    page = paginate(
        request,
        Notification.objects.filter(user=request.user).order_by("-created_at", "-id"),
        PAGE_SIZE,
        region="notification-list",
        label="Pages of notifications",
    )
    return render_list(
        request,
        "assurance/notifications/notification_list.html",
        {"page": page},
        fragments={"notification-list": "assurance/notifications/_notification_list.html"},
    )


@require_POST
@login_required
def notification_read(request, notification_uuid):
    notification = get_notification_for_user(request.user, notification_uuid)
    # Conditional: reading twice keeps the first time.
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    target = request.POST.get("next", "")
    paths = {item.get("path") for item in notification.items}
    if target in paths:
        return redirect(target)
    return redirect("reviews:notification_list")


@require_POST
@login_required
def notifications_read_all(request):
    count = Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect("reviews:notification_list")


# --- the Reminders ledger -------------------------------------------------------------------


def _ledger(request, rows, context):
    status = request.GET.get("status", "")
    summary = dict(rows.order_by().values_list("status").annotate(n=Count("id")))
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    page = paginate(
        request,
        rows.select_related(
            "recipient",
            "review__case",
            "review__location",
            "review__provider",
            "escalation__case__location",
            "escalation__provider",
            "evidence_item__case__location",
        ).order_by("-created_at", "-id"),
        LEDGER_PAGE_SIZE,
        region="reminder-list",
        label="Pages of reminders",
    )
    for row in page.object_list:
        row.item_label, row.item_path = item_label(row), item_path(row)
    context.update(
        {
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
            "summary": [(s, label, summary.get(s, 0)) for s, label in DeliveryStatus.choices],
        }
    )
    return render_list(
        request,
        "assurance/reviews/reminders.html",
        context,
        fragments={"reminder-list": "assurance/reviews/_reminder_list.html"},
    )


@login_required
def location_reminders(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid, roles=REMINDER_ROLES)
    return _ledger(
        request,
        ReminderDelivery.objects.filter(location=location),
        {"location": location, "scope_name": location.name},
    )


@login_required
def provider_reminders(request, slug):
    provider = get_provider_for_user(request.user, slug, roles=PROVIDER_MANAGER_ROLES)
    return _ledger(
        request,
        ReminderDelivery.objects.filter(provider=provider),
        {"provider": provider, "scope_name": provider.name},
    )


@login_required
def reminders_home(request):
    """Where the nav's "Reminders" link lands: the ledgers this person may see."""
    mine = (
        Membership.objects.current()
        .filter(user=request.user, role__in=REMINDER_ROLES)
        .select_related("provider", "location")
        .order_by("provider__name", "location__name")
    )
    scopes = []
    for membership in mine:
        scope = membership.location or membership.provider
        if scope not in scopes:
            scopes.append(scope)
    if not scopes:
        return forbidden(
            request,
            "The reminders record is for Registered Managers (their location) and Senior "
            "Leaders (their provider). Your own reminders are in your notifications.",
        )
    if len(scopes) == 1:
        scope = scopes[0]
        if isinstance(scope, Location):
            return redirect("reviews:location_reminders", location_uuid=scope.uuid)
        return redirect("reviews:provider_reminders", slug=scope.slug)
    return render(request, "assurance/reviews/reminders_home.html", {"scopes": scopes})


@require_POST
@login_required
def reminders_run(request):
    """Ask for a sweep now (it runs in the worker). Harmless to repeat: the ledger makes sure
    nothing goes out twice."""
    held = Membership.objects.current().filter(user=request.user, role__in=REMINDER_ROLES)
    if not held.exists():
        raise PermissionDenied("Only Registered Managers and Senior Leaders can do this.")
    if common_queueing.enqueue(reviews_tasks.reminders_sweep):
        messages.success(request, "Reminder sweep requested: anything due goes out shortly.")
    else:
        messages.warning(
            request,
            "The task queue cannot be reached just now. Nothing is lost: the next scheduled "
            "sweep sends whatever is due.",
        )
    back = request.POST.get("back", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("reviews:reminders_home")
