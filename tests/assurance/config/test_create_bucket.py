"""`manage.py create_bucket`: the one-off that makes the bucket before web and worker start."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.s3


def run(*args):
    out = StringIO()
    call_command("create_bucket", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_bucket_once(s3_bucket, settings):
    name = s3_bucket.name + "-new"
    settings.STORAGES = {**settings.STORAGES, "default": s3_bucket.backend(bucket=name)}

    assert "Created the bucket" in run()
    assert name in [b["Name"] for b in s3_bucket.client.list_buckets()["Buckets"]]
    assert "already there" in run()


def test_it_says_so_when_files_stay_on_this_disk():
    assert "there is no bucket to create" in run()


def test_it_fails_in_plain_words_when_the_store_does_not_answer(s3_bucket, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_bucket.backend(endpoint_url="http://127.0.0.1:9"),
    }
    with pytest.raises(CommandError, match="The object store did not answer"):
        run("--wait", "0")
