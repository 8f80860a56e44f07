"""Account emails. Sent by the tasks in tasks.py, never inside a web request."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assurance.organisations.models import Membership


def send_welcome_email(*, user, membership: Membership) -> None:
    """Tell a new member they have access, with a one-time link to set a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse(
        "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )
    context = {"user": user, "membership": membership, "link": link}
    send_mail(
        subject="You have been given access to care assurance",
        message=render_to_string("registration/welcome_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
