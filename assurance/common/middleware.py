"""Request and response guards that apply to every view.

- `PermissionsPolicyMiddleware`: the Permissions-Policy header on every response
  (settings.PERMISSIONS_POLICY), turning off browser features no page uses.
- `NoStoreForSignedInMiddleware`: `Cache-Control: no-store` on every response to a signed-in
  person, so no browser or proxy keeps a copy of a page about people's care.
- `UploadLimitMiddleware`: a view marked with `@upload_limit(...)` refuses a request whose
  Content-Length is over its limit with 413 before anything reads the body (it must sit
  before CsrfViewMiddleware, which reads the form for its token).

The Content-Security-Policy header comes from django-csp (settings.CONTENT_SECURITY_POLICY).
"""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

MB = 1024 * 1024


def permissions_policy(policy: dict) -> str:
    """{"camera": [], "fullscreen": ["self"]} -> 'camera=(), fullscreen=(self)'."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


def upload_limit(*, max_bytes, message, htmx_target):
    """Mark an upload view: `max_bytes()` is the largest upload (all files together) and
    `message(size)` says why a bigger one was refused. An htmx request gets just the message,
    swapped into `htmx_target`, so the form keeps what was typed."""

    def decorate(view):
        view.upload_limit = {"max_bytes": max_bytes, "message": message, "target": htmx_target}
        return view

    return decorate


def upload_limit_for(view):
    return getattr(view, "upload_limit", None)


def form_fields_allowance() -> int:
    """Room for the form's other fields and the multipart framing. Django refuses non-file
    fields beyond DATA_UPLOAD_MAX_MEMORY_SIZE anyway."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MB


def declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads an unparseable length as an empty body too


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit = upload_limit_for(view_func)
        if limit is None or request.method != "POST":
            return None
        length = declared_length(request)
        if length <= limit["max_bytes"]() + form_fields_allowance():
            return None
        message = limit["message"](length)
        if getattr(request, "htmx", False):
            response = HttpResponse(
                render_to_string("_upload_too_large_message.html", {"message": message}),
                status=413,
            )
            response["HX-Retarget"] = limit["target"]
            response["HX-Reswap"] = "innerHTML"
        else:
            response = HttpResponse(
                render_to_string("upload_too_large.html", {"message": message}, request),
                status=413,
            )
        return response
