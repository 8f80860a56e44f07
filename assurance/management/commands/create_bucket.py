import time

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from assurance.common.storage import backend_label, bucket_ensure


class Command(BaseCommand):
    help = (
        "Create the S3 bucket named by AWS_STORAGE_BUCKET_NAME unless it exists, waiting for "
        "the object store to start. Safe to run at every start (docker compose runs it once)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=int,
            default=60,
            help="Seconds to keep trying while the object store starts (default 60).",
        )

    def handle(self, *args, wait, **options):
        storage = storages["default"]
        if backend_label(storage) != "s3":
            self.stdout.write(
                "Files are kept on this server's disk (AWS_STORAGE_BUCKET_NAME is not set): "
                "there is no bucket to create."
            )
            return
        deadline = time.monotonic() + wait
        while True:
            try:
                created = bucket_ensure(storage=storage)
                break
            except Exception as exc:
                if time.monotonic() >= deadline:
                    raise CommandError(
                        f"The object store did not answer ({type(exc).__name__}: {exc}). Check "
                        "AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and "
                        "that the server is running."
                    ) from exc
                time.sleep(2)
        name = storage.bucket_name
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created the bucket “{name}”."))
        else:
            self.stdout.write(f"The bucket “{name}” is already there.")
