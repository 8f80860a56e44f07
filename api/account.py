"""Your API tokens page: create one (shown once), see them all, revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assurance.common.views import add_errors

from . import services
from .forms import TokenForm
from .models import ApiToken


def _page(request, form, *, created=None, status=200):
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": ApiToken.objects.filter(user=request.user).select_related("revoked_by"),
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"  # the new token is on this page once
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            created = services.token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _page(request, TokenForm(), created=created)
    return _page(request, form)


@require_POST
@login_required
def token_revoke(request, token_uuid):
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), uuid=token_uuid)
    if services.token_revoke(actor=request.user, token=token):
        messages.success(request, f"“{token.name}” is revoked: it no longer works.")
    else:
        messages.info(request, f"“{token.name}” was already revoked.")
    return redirect("api:tokens")
