"""View helpers every room uses."""

from django.shortcuts import render


def add_errors(form, exc):
    """Put a service's ValidationError on the form: on its field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def forbidden(request, reason):
    """A 403 page that says why, in the words of the rule that refused."""
    return render(request, "403.html", {"reason": reason}, status=403)


def unavailable(request, reason):
    """A 503 page for a service that is down (the file store), saying to try again."""
    response = render(request, "503.html", {"reason": reason}, status=503)
    response["Retry-After"] = "60"
    return response
