import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_it_logs_in_and_out(client):
    UserFactory(username="carer")
    response = client.post(reverse("login"), {"username": "carer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("organisations:home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("organisations:home")).status_code == 302


def test_it_refuses_a_wrong_password_with_a_message(client):
    UserFactory(username="carer")
    response = client.post(reverse("login"), {"username": "carer", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_it_locks_out_after_repeated_failures(client, settings):
    UserFactory(username="carer")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "carer", "password": "nope"})
    response = client.post(reverse("login"), {"username": "carer", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()


def test_it_changes_the_password(client):
    user = UserFactory(username="carer")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase 42",
            "new_password2": "a new long passphrase 42",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new long passphrase 42")


def test_it_emails_a_reset_link(client, mailoutbox):
    UserFactory(username="carer", email="carer@example.org")
    response = client.post(reverse("password_reset"), {"email": "carer@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_it_sends_anonymous_users_to_login(client):
    response = client.get(reverse("organisations:home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_shows_the_home_page_with_roles_and_locations(client):
    from assurance.demo import loader as demo

    demo.seed()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="quality.lead"))
    text = client.get(reverse("organisations:home")).content.decode()
    assert "Oakfield House" in text and "Oakfield Home Care" in text
    assert "Quality Lead" in text
    assert "Northgate" not in text
