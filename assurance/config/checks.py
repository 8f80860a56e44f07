"""Production checks: what a set-up on more than one server still lacks, in plain words.

Registered with Django's system check framework as deployment checks (tag "production"), so
``python manage.py check --deploy`` runs them along with Django's own, and
``python manage.py check_production`` runs them alone and lists what to fix. The storage,
broker and database checks connect to them; nothing secret is ever printed.
"""

from urllib.parse import urlparse

from django.conf import settings
from django.core import checks
from django.db import connection

from assurance.common.storage import backend_label, check_storage

from . import health

TAG = "production"
DEVELOPMENT_KEY = "django-insecure-local-development-only"  # noqa: S105 - to recognise it
EXAMPLE_KEYS = {"change-me-to-a-long-random-string"}
NEW_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - to recognise it
DATABASE_NAMES = {"sqlite": "SQLite", "mysql": "MySQL", "oracle": "Oracle"}
NOWHERE_EMAIL = {
    "django.core.mail.backends.console.EmailBackend": "Email goes to the console",
    "django.core.mail.backends.locmem.EmailBackend": "Email is kept in memory",
    "django.core.mail.backends.dummy.EmailBackend": "Email is thrown away",
    "django.core.mail.backends.filebased.EmailBackend": "Email is written to files",
    "assurance.common.mail.LoggedFileEmailBackend": "Email is written to files",
}


def _problem(number, message, hint):
    return checks.Error(message, hint=hint, id=f"assurance.E{number:03d}")


def check_debug():
    if settings.DEBUG:
        return [
            _problem(
                1, "DEBUG is on: error pages would show settings and code to anyone.",
                "Set DEBUG=0.",
            )
        ]  # fmt: skip
    return []


def check_secret_key():
    key = settings.SECRET_KEY
    hint = f"Set SECRET_KEY to a long random string, e.g. the output of {NEW_KEY}"
    if key == DEVELOPMENT_KEY or key.startswith("django-insecure"):
        message = "SECRET_KEY is the development key, which anyone can read in the code."
    elif key in EXAMPLE_KEYS:
        message = "SECRET_KEY is the example value from .env.example."
    elif len(key) < 50 or len(set(key)) < 5:
        message = f"SECRET_KEY is too short ({len(key)} characters; at least 50 are needed)."
    else:
        return []
    return [_problem(2, message, hint)]


def check_hosts():
    hosts = settings.ALLOWED_HOSTS
    hint = "Set ALLOWED_HOSTS to the site's host names, e.g. assurance.example.org."
    if not hosts:
        return [_problem(3, "ALLOWED_HOSTS is empty: every request would be refused.", hint)]
    if "*" in hosts:
        return [_problem(3, "ALLOWED_HOSTS lets in any host name ('*').", hint)]
    if all(host.strip("[]") in LOCAL_HOSTS for host in hosts):
        return [_problem(3, f"ALLOWED_HOSTS names only this machine ({', '.join(hosts)}).", hint)]
    return []


def check_origins():
    origins = settings.CSRF_TRUSTED_ORIGINS
    hint = "Set CSRF_TRUSTED_ORIGINS to the site's address, e.g. https://assurance.example.org."
    if not origins:
        return [
            _problem(
                4,
                "CSRF_TRUSTED_ORIGINS is empty: forms sent through the HTTPS proxy may be refused.",
                hint,
            )
        ]
    plain = [o for o in origins if not o.startswith("https://")]
    if plain:
        return [
            _problem(
                4, f"CSRF_TRUSTED_ORIGINS has origins that are not https: {', '.join(plain)}.",
                hint,
            )
        ]  # fmt: skip
    return []


def check_site_url():
    site = urlparse(settings.SITE_URL)
    if site.scheme != "https" or (site.hostname or "") in LOCAL_HOSTS:
        return [
            _problem(
                5,
                f"SITE_URL is {settings.SITE_URL}: links in reminder emails would point there.",
                "Set SITE_URL to the site's https address, e.g. https://assurance.example.org.",
            )
        ]
    return []


def check_database():
    if connection.vendor != "postgresql":
        return [
            _problem(
                6,
                f"The database is {DATABASE_NAMES.get(connection.vendor, connection.vendor)} "
                "(DATABASE_URL is not set to "
                "PostgreSQL): every server must share one PostgreSQL database.",
                "Set DATABASE_URL=postgres://user:password@host:5432/assurance.",
            )
        ]
    status = health.check_database()
    if not status["ok"]:
        return [
            _problem(
                6, f"The database does not answer ({status['error']}).",
                "Check DATABASE_URL and that PostgreSQL is running.",
            )
        ]  # fmt: skip
    return []


def check_broker():
    status = health.check_broker()
    if status["transport"] in {"filesystem", "memory"}:
        return [
            _problem(
                7,
                "The task queue is this server's filesystem (REDIS_URL is not set): workers "
                "on other servers would never see the tasks.",
                "Set REDIS_URL=redis://host:6379/0.",
            )
        ]
    if not status["ok"]:
        return [
            _problem(
                7, f"The task queue (Redis) does not answer ({status['error']}).",
                "Check REDIS_URL and that Redis is running.",
            )
        ]  # fmt: skip
    return []


def check_email():
    problems = []
    nowhere = NOWHERE_EMAIL.get(settings.EMAIL_BACKEND)
    if nowhere:
        problems.append(
            _problem(
                8,
                f"{nowhere} (EMAIL_URL is not set to SMTP): reminders and account emails "
                "would reach nobody.",
                "Set EMAIL_URL=smtp+tls://user:password@smtp.example.org:587.",
            )
        )
    elif not settings.EMAIL_HOST:
        problems.append(
            _problem(8, "EMAIL_URL names no mail server.", "Set EMAIL_URL with its host.")
        )
    domain = settings.DEFAULT_FROM_EMAIL.strip().rstrip(">").rsplit("@", 1)[-1].lower()
    if "@" not in settings.DEFAULT_FROM_EMAIL or domain in LOCAL_HOSTS:
        problems.append(
            _problem(
                9,
                f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL}: mail servers would "
                "refuse it or file it as junk.",
                "Set DEFAULT_FROM_EMAIL to an address at your own domain.",
            )
        )
    return problems


def check_files():
    if backend_label() != "s3":
        return [
            _problem(
                10,
                "Files are kept on this server's disk (AWS_STORAGE_BUCKET_NAME is not set): on "
                "more than one server, each would see only its own uploads and reports.",
                "Set AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY for an S3-compatible bucket.",
            )
        ]
    status = check_storage()
    if not status.ok:
        return [
            _problem(
                10,
                f"The bucket does not answer ({status.error}).",
                "Check AWS_S3_ENDPOINT_URL and the key pair, and that the bucket exists "
                "(python manage.py create_bucket makes it).",
            )
        ]
    return []


PRODUCTION_CHECKS = [
    check_debug,
    check_secret_key,
    check_hosts,
    check_origins,
    check_site_url,
    check_database,
    check_broker,
    check_email,
    check_files,
]


@checks.register(TAG, deploy=True)
def production_checks(app_configs=None, **kwargs):
    return [problem for check in PRODUCTION_CHECKS for problem in check()]
