"""Improvement case pages: my work, case lists, the case page and the step forms.

Views authorise (through permissions.get_*_for_user), validate a form, call one service and
redirect or re-render. Rules live in workflow.py and services.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from assurance.cases import services as cases_services
from assurance.cases import workflow as wf
from assurance.cases.access import get_case_for_user, get_indicator_for_user
from assurance.cases.forms import (
    CaseForm,
    CaseStatusForm,
    IndicatorForm,
    ReadingForm,
    StepReopenForm,
)
from assurance.cases.models import CaseStatus, Indicator, StepRecord
from assurance.casework import evidence_summary, navigation, timeline
from assurance.casework import lists as case_lists
from assurance.casework.forms import STEP_FORMS
from assurance.casework.models import CasePagePreference
from assurance.casework.presentation import artefact_rows, corroboration_grid
from assurance.casework.services import case_sections_remember, judgement_changes_notify
from assurance.common.lists import paginate, render_list
from assurance.common.stale import StaleEdit, saved_version
from assurance.common.views import add_errors, forbidden
from assurance.escalations import rules as escalation_rules
from assurance.escalations.models import Escalation
from assurance.judgement import readiness
from assurance.judgement import services as judgement_services
from assurance.judgement.figures import case_readiness, evidence_fingerprint, fingerprint_changes
from assurance.judgement.models import (
    InfluenceLevel,
    ProportionalityJudgement,
    count_changes,
)
from assurance.organisations.access import (
    get_location_for_user,
    get_provider_for_user,
)
from assurance.organisations.models import Team
from assurance.organisations.permissions import (
    CASE_MANAGER_ROLES,
    CASE_OPENER_ROLES,
    INDICATOR_ROLES,
    can_write,
    holds_any,
    is_read_only,
)
from domains.models import Domain
from domains.roles import Role
from evidence.forms import (
    EmbeddingActionForm,
    EvidenceForm,
    LinkForm,
    PracticeCheckForm,
    WithdrawForm,
)
from evidence.models import (
    EmbeddingAction,
    EvidenceItem,
    InfluenceLink,
    PracticeCheck,
)

PAGE_SIZE = 20
TIMELINE_SHOWN = 20  # latest changes on the case page; ?history=all shows every one


# --- lists ---------------------------------------------------------------------------------


CASE_LIST_FRAGMENTS = {"case-table": "assurance/_case_table.html"}


def _case_list_context(request, cases, *, locations=None):
    listed = case_lists.filter_cases(cases, request.GET, locations=locations)
    # The row shows neither the claim's wider areas (JSON) nor the long texts: never sorted.
    rows = case_lists.with_list_data(listed.rows).defer(
        "wider_areas", "baseline_issue", "status_reason"
    )
    return {
        "page": paginate(
            request, rows, PAGE_SIZE, region="case-table", label="Pages of improvement cases"
        ),
        "filters": listed.filters,
        "domains": Domain.objects.all(),
        "statuses": CaseStatus.choices,
        "levels": InfluenceLevel.choices,
    }


@login_required
def location_cases(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    context = _case_list_context(request, case_lists.location_cases(location))
    context.update(
        {
            "location": location,
            "scope_name": location.name,
            "can_open": bool(wf.can_open_case(location.user_roles)),
        }
    )
    return render_list(request, "assurance/case_list.html", context, fragments=CASE_LIST_FRAGMENTS)


@login_required
def provider_cases(request, slug):
    provider = get_provider_for_user(request.user, slug)
    cases, locations = case_lists.provider_cases(request.user, provider)
    context = _case_list_context(request, cases, locations=locations)
    context.update({"provider": provider, "scope_name": provider.name, "locations": locations})
    return render_list(request, "assurance/case_list.html", context, fragments=CASE_LIST_FRAGMENTS)


# --- opening and editing a case ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid, roles=CASE_OPENER_ROLES)
    domain = None
    if request.GET.get("domain") or request.POST.get("domain"):
        domain = get_object_or_404(
            Domain.objects.active(), slug=request.GET.get("domain") or request.POST.get("domain")
        )
    if domain is None:
        return render(
            request,
            "assurance/case_choose_domain.html",
            {"location": location, "domains": Domain.objects.active().prefetch_related("steps")},
        )
    form = CaseForm(request.POST or None, domain=domain)
    if request.method == "POST" and form.is_valid():
        try:
            case = cases_services.case_open(
                actor=request.user,
                actor_roles=location.user_roles,
                location=location,
                domain=domain,
                title=form.cleaned_data["title"],
                baseline_issue=form.cleaned_data["baseline_issue"],
                improvement_began=form.cleaned_data["improvement_began"],
                wider_areas=form.cleaned_data["wider_areas"],
            )
        except wf.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Case “{case.title}” opened. Step 1 is next.")
            return redirect("casework:case_detail", case_uuid=case.uuid)
    return render(
        request,
        "assurance/case_form.html",
        {"location": location, "domain": domain, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid, roles=CASE_OPENER_ROLES)
    form = CaseForm(request.POST or None, instance=case, domain=case.domain)
    saved = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cases_services.case_update(
                actor=request.user,
                actor_roles=case.user_roles,
                case=case,
                version=data.get("version") or 0,
                title=data["title"],
                baseline_issue=data["baseline_issue"],
                improvement_began=data["improvement_began"],
                wider_areas=data["wider_areas"],
            )
        except StaleEdit as exc:
            saved = saved_version(form, exc.current)
            form.add_error(None, str(exc))
            form.data = form.data.copy()
            form.data["version"] = exc.current.version
        except wf.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Case details saved.")
            return redirect("casework:case_detail", case_uuid=case.uuid)
    return render(
        request,
        "assurance/case_form.html",
        {
            "location": case.location,
            "domain": case.domain,
            "form": form,
            "case": case,
            "saved": saved,
        },
    )


@require_POST
@login_required
def case_status(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid, roles=CASE_MANAGER_ROLES)
    form = CaseStatusForm(request.POST, closing=False)
    reopening = request.POST.get("status") == wf.OPEN
    if not form.is_valid():
        if reopening:  # the reopen form is a plain one: say what is wrong at the top
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect("casework:case_detail", case_uuid=case.uuid)
        return respond(request, case, forms={"status": form}, anchor="close")
    try:
        cases_services.case_set_status(
            actor=request.user,
            actor_roles=case.user_roles,
            case=case,
            new_status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return respond(request, case, forms={"status": form}, anchor="close")
    except wf.WorkflowError as exc:
        # Not a matter of what was typed (e.g. the case is already closed): the form may no
        # longer be shown, so say it at the top of the page.
        messages.error(request, str(exc))
        return redirect("casework:case_detail", case_uuid=case.uuid)
    messages.success(
        request, "Case reopened." if reopening else f"Case {form.cleaned_data['status']}."
    )
    return redirect("casework:case_detail", case_uuid=case.uuid)


# --- the case page -----------------------------------------------------------------------


def _load(case):
    """Everything the case page shows, in a fixed number of queries whatever the number of
    evidence items: the figures read light rows, the page shows counts and the latest few."""
    steps = list(case.steps.select_related("completed_by", "updated_by"))
    indicators = list(Indicator.objects.filter(case=case).prefetch_related("readings__team"))
    linked = EvidenceItem.objects.only("id", "source", "occurred_on")
    links = list(
        InfluenceLink.objects.filter(case=case).prefetch_related(
            Prefetch("evidence", queryset=linked)
        )
    )
    checks = list(PracticeCheck.objects.filter(case=case).select_related("team", "evidence_item"))
    actions = list(EmbeddingAction.objects.filter(case=case).select_related("team"))
    teams = list(Team.objects.filter(location_id=case.location_id))  # archived too: as of
    judgements = list(
        ProportionalityJudgement.objects.filter(case=case)
        .select_related("recorded_by", "confirmed_by")
        .prefetch_related("key_questions")
    )
    escalations = list(
        Escalation.objects.filter(case=case).with_overdue_flag().select_related("owner")
    )
    evidence = evidence_summary.rows_for_figures(case)
    # What changed since each judgement, counted in the rows loaded here (what
    # `with_changes()` would annotate, without five more subqueries to build).
    readings = [reading for indicator in indicators for reading in indicator.readings.all()]
    for judgement in judgements:
        changes = count_changes(judgement, evidence=evidence, readings=readings)
        for name, count in changes.items():
            setattr(judgement, name, count)
    return {
        "escalations": escalations,
        "steps": steps,
        "evidence": evidence,
        "latest_evidence": evidence_summary.latest(case),
        "evidence_counts": evidence_summary.counts(evidence_summary.counts_of(evidence)),
        "indicators": indicators,
        "links": links,
        "checks": checks,
        "actions": actions,
        "teams": teams,
        "judgements": judgements,
    }


def attach_withdraw_forms(items, *, writer, failed=None):
    """A withdraw form on each current item the page shows; the refused one keeps its input."""
    for item in items:
        if failed is not None and failed.item_uuid == item.uuid:
            item.withdraw_form = failed
        elif writer and not item.is_withdrawn:
            item.withdraw_form = WithdrawForm(item=item)


def case_page_context(request, case, *, forms=None, stale=None, reveal=""):
    data = _load(case)
    state = cases_services.case_state(case, data["steps"])
    roles = case.user_roles
    ready = case_readiness(
        case,
        evidence=data["evidence"],
        indicators=data["indicators"],
        links=data["links"],
        teams=data["teams"],
    )
    current_judgement = next((j for j in data["judgements"] if j.superseded_at is None), None)
    evidence_changes = []
    if current_judgement:
        evidence_changes = fingerprint_changes(
            current_judgement.evidence_fingerprint,
            evidence_fingerprint(data["evidence"], data["indicators"]),
        )
    forms = forms or {}
    writer = can_write(roles) and case.status in wf.ACTIVE_STATUSES
    step_views = []
    for step in data["steps"]:
        edit = wf.can_edit_step(state, step.number, actor_roles=roles)
        can_reopen = step.is_completed and bool(
            wf.can_reopen_step(state, step.number, actor_roles=roles)
        )
        form = None
        if edit:
            form = forms.get(step.number) or STEP_FORMS[step.number](case=case, step=step)
        saved = None
        if form is not None and stale is not None and stale.number == step.number:
            saved = saved_version(form, stale.data, stale)
        step_views.append(
            {
                "step": step,
                "state": "done"
                if step.is_completed
                else ("current" if step.number == state.current_step else "later"),
                "can_edit": bool(edit),
                "why_not": edit.reason,
                "can_reopen": can_reopen,
                "reopen_form": (
                    forms.get(f"reopen-{step.number}") or StepReopenForm(number=step.number)
                )
                if can_reopen
                else None,
                "form": form,
                "artefact": artefact_rows(step),
                "saved": saved,
            }
        )
    latest_evidence = data["latest_evidence"]
    failed_withdrawal = forms.get("withdraw")
    if failed_withdrawal is not None and all(
        item.uuid != failed_withdrawal.item_uuid for item in latest_evidence
    ):
        # Refused for an item no longer among the latest: show it, with what was typed.
        latest_evidence = list(
            EvidenceItem.objects.filter(case=case, uuid=failed_withdrawal.item_uuid)
            .select_related("team", "category", "created_by", "withdrawn_by")
            .prefetch_related("files")
        ) + list(latest_evidence)
    attach_withdraw_forms(latest_evidence, writer=writer, failed=failed_withdrawal)
    team_names = {team.id: team.name for team in data["teams"]}
    contradicting = ready.contradicting
    for item in contradicting[: evidence_summary.CONTRADICTING_SHOWN]:
        item.team_name = team_names.get(item.team_id, "")
    timeline_all = request.method == "GET" and request.GET.get("history") == "all"
    history_of = {
        "indicator_ids": [i.id for i in data["indicators"]],
        # (the files' history is found through their items' case: a join, not 500 ids)
        "lapses": readiness.link_lapses(ready.facts, ready.thresholds.window_days),
    }
    if timeline_all:
        changes = timeline.build(case, **history_of)
        changes_count = len(changes)
    else:
        changes, changes_count = timeline.latest(case, limit=TIMELINE_SHOWN, **history_of)
    closed = (
        CasePagePreference.objects.filter(user=request.user)
        .values_list("closed_sections", flat=True)
        .first()
    )
    can_close = case.status in wf.ACTIVE_STATUSES and holds_any(roles, CASE_MANAGER_ROLES)
    can_reopen_case = case.status not in wf.ACTIVE_STATUSES and holds_any(roles, CASE_MANAGER_ROLES)
    counts = data["evidence_counts"]
    contents = navigation.contents(
        steps_completed=sum(1 for s in state.steps if s.completed),
        steps_total=len(state.steps),
        indicators=len(data["indicators"]),
        evidence_total=counts["total"],
        evidence_current=counts["current"],
        links=len(data["links"]),
        checks=len(data["checks"]),
        actions=len(data["actions"]),
        judgement=current_judgement.get_level_display() if current_judgement else "",
        escalations=len(data["escalations"]),
        escalations_open=sum(1 for e in data["escalations"] if e.is_active),
        changes=changes_count,
        closing="close" if can_close else ("reopen" if can_reopen_case else ""),
    )
    progress = navigation.progress(
        [(s.number, s.get_role_display(), s.artefact_label, s.is_completed) for s in data["steps"]],
        current_step=state.current_step,
        active=case.status in wf.ACTIVE_STATUSES,
    )
    return {
        "case": case,
        "location": case.location,
        "roles": roles,
        "state": state,
        "steps": step_views,
        "indicators": data["indicators"],
        "links": data["links"],
        "escalations": data["escalations"],
        "can_escalate": case.status in wf.ACTIVE_STATUSES and escalation_rules.is_manager(roles),
        "checks": data["checks"],
        "actions": data["actions"],
        "latest_evidence": latest_evidence,
        "evidence_counts": data["evidence_counts"],
        "evidence_list_url": reverse("casework:case_evidence", args=[case.uuid]),
        "contradicting": contradicting[: evidence_summary.CONTRADICTING_SHOWN],
        "contradicting_count": len(contradicting),
        "grid": corroboration_grid(case, data["evidence"], data["links"]),
        "ready": ready,
        "judgement": current_judgement,
        "judgements": data["judgements"],
        "evidence_changes": evidence_changes,
        "confirm_exceeds": bool(
            current_judgement and readiness.exceeds(current_judgement.level, ready.assessment.level)
        ),
        # Bounded like the evidence: the latest changes, all of them on ?history=all.
        "timeline": changes,
        "timeline_count": changes_count,
        "timeline_all": timeline_all,
        "contents": contents,
        "progress": progress,
        "sections_open": navigation.open_sections(closed, reveal=reveal, all_open=bool(forms)),
        "same_person": wf.same_person_notes(wf.step_completions(data["steps"])),
        "writer": writer,
        "can_request_summary": not is_read_only(roles),
        "can_manage_indicators": writer and bool(INDICATOR_ROLES & set(roles)),
        "can_close": can_close,
        "can_reopen_case": can_reopen_case,
        "is_rm": Role.REGISTERED_MANAGER in roles,
        "evidence_form": forms.get("evidence")
        or (
            EvidenceForm(case=case, initial={"step_number": state.current_step}) if writer else None
        ),
        "indicator_form": forms.get("indicator") or IndicatorForm(),
        "reading_form": forms.get("reading") or ReadingForm(location=case.location),
        "reading_indicator": forms.get("reading_indicator"),
        "link_form": forms.get("link") or LinkForm(case=case, evidence_items=data["evidence"]),
        "check_form": forms.get("check") or PracticeCheckForm(case=case),
        "action_form": forms.get("action") or EmbeddingActionForm(case=case),
        "status_form": forms.get("status") or CaseStatusForm(),
    }


@login_required
def case_detail(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid)
    return render(request, "assurance/case_detail.html", case_page_context(request, case))


def respond(request, case, *, forms=None, stale=None, anchor=""):
    """After a POST. With htmx the case body is re-rendered in place, with the saved change
    or the errors, and scrolled to the section; the message shows in that section
    (`feedback_at`) and static/js/app.js moves focus to it, or to the form's error summary.
    Without JavaScript a success redirects and a failure re-renders the whole page with what
    the user typed kept."""
    failed = bool(forms) or stale is not None
    if not failed and not request.htmx:
        url = reverse("casework:case_detail", args=[case.uuid]) + (f"#{anchor}" if anchor else "")
        return redirect(url)
    if not failed:
        # The service may have moved the case on (status, current step): read it again.
        case = get_case_for_user(request.user, case.uuid)
    context = case_page_context(request, case, forms=forms, stale=stale, reveal=anchor)
    context["has_form_errors"] = any(
        getattr(form, "errors", None) for form in (forms or {}).values()
    )
    if request.htmx:
        context["feedback_at"] = anchor
    template = "assurance/_case_body.html" if request.htmx else "assurance/case_detail.html"
    response = render(request, template, context)
    if request.htmx and anchor:
        response["HX-Reswap"] = f"innerHTML show:#{anchor}:top"
    return response


@require_POST
@login_required
def case_sections(request):
    """Remember the sections of the case page the person folded away (sent by
    static/js/case-sections.js as they open and close them); only their own preference."""
    case_sections_remember(user=request.user, closed=request.POST.getlist("closed")[:20])
    return HttpResponse(status=204)


# --- steps -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def step_form(request, case_uuid, number):
    case = get_case_for_user(request.user, case_uuid)
    if number not in STEP_FORMS:
        return redirect("casework:case_detail", case_uuid=case.uuid)
    step = get_object_or_404(StepRecord, case=case, number=number)
    if request.method == "GET":
        return redirect(reverse("casework:case_detail", args=[case.uuid]) + f"#step-{number}")
    state = cases_services.case_state(case)
    complete = "complete" in request.POST
    decision = wf.can_edit_step(state, number, actor_roles=case.user_roles)
    if not decision:
        return forbidden(request, decision.reason)
    form = STEP_FORMS[number](request.POST, case=case, step=step, draft=not complete)
    if not form.is_valid():
        return respond(request, case, forms={number: form}, anchor=f"step-{number}")
    try:
        if number == 5 and complete:
            data = form.cleaned_data
            judgement_services.judgement_record(
                actor=request.user,
                actor_roles=case.user_roles,
                case=case,
                version=data["version"],
                level=data["level"],
                key_questions=data["key_questions"],
                not_yet=data["not_yet"],
                rationale=data["rationale"],
                escalate=data["escalate"],
                overclaim_justification=data["overclaim_justification"],
                summary=data["summary"],
            )
        else:
            cases_services.step_save(
                actor=request.user,
                actor_roles=case.user_roles,
                case=case,
                number=number,
                data=form.artefact_data(),
                version=form.cleaned_data["version"],
                complete=complete,
            )
    except cases_services.StaleEdit as exc:
        form.add_error(None, str(exc))
        form.data = form.data.copy()
        form.data["version"] = exc.current.version
        return respond(request, case, forms={number: form}, stale=exc.current)
    except ValidationError as exc:
        add_errors(form, exc)
        return respond(request, case, forms={number: form})
    except wf.WorkflowError as exc:
        form.add_error(None, str(exc))
        return respond(request, case, forms={number: form})
    if complete:
        messages.success(request, f"Step {number} ({step.artefact_label}) completed and locked.")
    else:
        messages.success(request, f"Draft of {step.artefact_label} saved.")
    return respond(request, case, anchor=f"step-{number}")


@require_POST
@login_required
def step_reopen(request, case_uuid, number):
    case = get_case_for_user(request.user, case_uuid, roles=CASE_MANAGER_ROLES)
    if number not in STEP_FORMS:
        messages.error(request, f"There is no step {number}.")
        return respond(request, case)
    form = StepReopenForm(request.POST, number=number)
    anchor = f"step-{number}"
    if not form.is_valid():
        return respond(request, case, forms={f"reopen-{number}": form}, anchor=anchor)
    try:
        cases_services.step_reopen(
            actor=request.user,
            actor_roles=case.user_roles,
            case=case,
            number=number,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return respond(request, case, forms={f"reopen-{number}": form}, anchor=anchor)
    except wf.WorkflowError as exc:
        # E.g. the step is no longer completed: its reopen form is not shown any more.
        messages.error(request, str(exc))
        return respond(request, case, anchor=anchor)
    messages.success(
        request, f"Step {number} reopened. The earlier version is kept in the history."
    )
    return respond(request, case, anchor=anchor)


# --- indicators ----------------------------------------------------------------------------


@require_POST
@login_required
def indicator_add(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid, roles=INDICATOR_ROLES)
    form = IndicatorForm(request.POST)
    if not form.is_valid():
        return respond(request, case, forms={"indicator": form}, anchor="indicators")
    try:
        cases_services.indicator_add(
            actor=request.user, actor_roles=case.user_roles, case=case, **form.cleaned_data
        )
    except wf.WorkflowError as exc:
        form.add_error(None, str(exc))
        return respond(request, case, forms={"indicator": form})
    messages.success(request, f"Indicator “{form.cleaned_data['name']}” added.")
    return respond(request, case, anchor="indicators")


@require_POST
@login_required
def reading_add(request, indicator_uuid):
    indicator = get_indicator_for_user(request.user, indicator_uuid)
    case = indicator.case
    if not can_write(case.user_roles):
        return forbidden(request, "Viewers cannot record readings.")
    form = ReadingForm(request.POST, location=case.location)
    if not form.is_valid():
        return respond(
            request,
            case,
            forms={"reading": form, "reading_indicator": indicator.uuid},
        )
    try:
        cases_services.reading_add(
            actor=request.user,
            actor_roles=case.user_roles,
            indicator=indicator,
            **form.cleaned_data,
        )
    except wf.WorkflowError as exc:
        form.add_error(None, str(exc))
        return respond(request, case, forms={"reading": form, "reading_indicator": indicator.uuid})
    judgement_changes_notify(case=case)
    messages.success(request, f"Reading added to “{indicator.name}”.")
    return respond(request, case, anchor="indicators")


@require_POST
@login_required
def judgement_confirm(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid, roles=CASE_MANAGER_ROLES)
    judgement = get_object_or_404(ProportionalityJudgement.objects.current(), case=case)
    try:
        judgement_services.judgement_confirm(
            actor=request.user,
            actor_roles=case.user_roles,
            judgement=judgement,
            overclaim_justification=request.POST.get("overclaim_justification", "")[:5000],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except wf.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Judgement confirmed against the current evidence.")
    return respond(request, case, anchor="judgement")
