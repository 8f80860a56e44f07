"""The evidence actions on the case page: add, withdraw, and the rows of steps 2-4.

They live with the case page because each re-renders it in place (htmx)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from assurance.cases import workflow as wf
from assurance.cases.access import get_case_for_user
from assurance.casework.services import judgement_changes_notify
from assurance.casework.views import attach_withdraw_forms, respond
from assurance.common.middleware import upload_limit
from assurance.common.views import add_errors, forbidden
from assurance.organisations.models import Team
from assurance.organisations.permissions import CASE_MANAGER_ROLES, can_write, holds_any
from evidence import lists as evidence_lists
from evidence import services as evidence_services
from evidence import uploads
from evidence.access import get_evidence_item_for_user
from evidence.forms import (
    EmbeddingActionForm,
    EvidenceForm,
    LinkForm,
    PracticeCheckForm,
    WithdrawForm,
)
from evidence.models import EvidenceItem, Source, Stance

EVIDENCE_PAGE_SIZE = 50  # as the evidence register


def _writer_case(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid)
    if not can_write(case.user_roles):
        return case, forbidden(request, "Viewers can read this case but not change it.")
    return case, None


@upload_limit(
    max_bytes=uploads.max_bytes,
    message=uploads.upload_too_large,
    htmx_target="#evidence-upload-error",
)
@require_POST
@login_required
def evidence_add(request, case_uuid):
    case, refused = _writer_case(request, case_uuid)
    if refused:
        return refused
    form = EvidenceForm(request.POST, request.FILES, case=case)
    if not form.is_valid():
        return respond(request, case, forms={"evidence": form})
    try:
        item = evidence_services.evidence_add(
            actor=request.user,
            actor_roles=case.user_roles,
            case=case,
            step_number=case.current_step,
            source=form.cleaned_data["source"],
            category=form.cleaned_data["category"],
            occurred_on=form.cleaned_data["occurred_on"],
            team=form.cleaned_data["team"],
            stance=form.cleaned_data["stance"],
            summary=form.cleaned_data["summary"],
            files=form.cleaned_data["files"],
            valid_until=form.cleaned_data["valid_until"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return respond(request, case, forms={"evidence": form})
    except wf.WorkflowError as exc:
        form.add_error(None, str(exc))
        return respond(request, case, forms={"evidence": form})
    judgement_changes_notify(case=case)
    count = item.files.count()
    messages.success(
        request,
        f"Evidence added{f' with {count} file' + ('s' if count != 1 else '') if count else ''}.",
    )
    return respond(request, case, anchor="evidence")


def _case_evidence_context(request, case, params, *, failed=None):
    listed = evidence_lists.filter_evidence(EvidenceItem.objects.filter(case=case), params)
    rows = listed.rows.select_related(
        "team", "category", "created_by", "withdrawn_by"
    ).prefetch_related("files")
    page = Paginator(rows, EVIDENCE_PAGE_SIZE).get_page(params.get("page"))
    writer = can_write(case.user_roles) and case.status in wf.ACTIVE_STATUSES
    attach_withdraw_forms(page.object_list, writer=writer, failed=failed)
    query = params.copy()
    query.pop("page", None)
    return {
        "case": case,
        "location": case.location,
        "page": page,
        "filters": listed.filters,
        "filter_errors": listed.errors,
        "query": query.urlencode(),
        "page_query": params.urlencode(),
        "teams": Team.objects.filter(location_id=case.location_id).order_by("name"),
        "sources": Source.choices,
        "stances": Stance.choices,
        "statuses": evidence_lists.STATUS_FILTERS.items(),
        "writer": writer,
        "is_rm": holds_any(case.user_roles, CASE_MANAGER_ROLES),
        "in_list": True,
    }


@require_GET
@login_required
def case_evidence(request, case_uuid):
    """Every evidence item of a case, filtered and paged; the results alone for htmx."""
    case = get_case_for_user(request.user, case_uuid)
    context = _case_evidence_context(request, case, request.GET)
    template = (
        "evidence/_case_evidence_results.html"
        if request.htmx and not request.htmx.boosted
        else "evidence/case_evidence.html"
    )
    return render(request, template, context)


@require_POST
@login_required
def evidence_withdraw(request, item_uuid):
    item = get_evidence_item_for_user(request.user, item_uuid)
    case = item.case
    form = WithdrawForm(request.POST, item=item)
    anchor = f"evidence-{item.uuid}"
    # From the case's evidence list (a plain form): back to the same filters and page.
    list_query = request.POST.get("list_query")
    if list_query is not None:
        params = QueryDict(list_query[:2000])

    def refused():
        if list_query is not None:
            context = _case_evidence_context(request, case, params, failed=form)
            return render(request, "evidence/case_evidence.html", context)
        return respond(request, case, forms={"withdraw": form}, anchor=anchor)

    if not form.is_valid():
        return refused()
    try:
        evidence_services.evidence_withdraw(
            actor=request.user,
            actor_roles=case.user_roles,
            item=item,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return refused()
    except wf.WorkflowError as exc:
        return forbidden(request, str(exc))
    judgement_changes_notify(case=case)
    messages.success(request, "Evidence withdrawn. It stays in the history with your reason.")
    if list_query is not None:
        url = reverse("casework:case_evidence", args=[case.uuid])
        return redirect(f"{url}?{params.urlencode()}#{anchor}" if params else f"{url}#{anchor}")
    return respond(request, case, anchor="evidence")


def _step_row_view(form_class, service, key, anchor, done):
    """A POST view adding one row (link, check, action) to a step's artefact."""

    @require_POST
    @login_required
    def view(request, case_uuid):
        case, refused = _writer_case(request, case_uuid)
        if refused:
            return refused
        form = form_class(request.POST, case=case)
        if not form.is_valid():
            return respond(request, case, forms={key: form})
        try:
            service(actor=request.user, actor_roles=case.user_roles, case=case, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return respond(request, case, forms={key: form})
        except wf.WorkflowError as exc:
            return forbidden(request, str(exc))
        messages.success(request, done)
        return respond(request, case, anchor=anchor)

    return view


link_add = _step_row_view(
    LinkForm, evidence_services.link_save, "link", "step-2", "Influence link saved."
)
check_add = _step_row_view(
    PracticeCheckForm,
    evidence_services.practice_check_add,
    "check",
    "step-3",
    "Practice check recorded.",
)
action_add = _step_row_view(
    EmbeddingActionForm,
    evidence_services.embedding_action_add,
    "action",
    "step-4",
    "Embedding action recorded.",
)
