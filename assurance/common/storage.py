"""Stored files (evidence, archived reports) through Django's storage API only.

The default storage is this server's disk or an S3-compatible bucket (see
assurance/config/storage.py). Code here never asks for a stored file's local path: it opens,
saves and sizes files through the storage, so web and worker processes on different servers
see the same files.
"""

import hashlib
import logging
import tempfile
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import storages

log = logging.getLogger(__name__)

# A rendered report is written here first; past this size it spills to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


class StorageUnavailable(Exception):
    """The file store did not answer (network, credentials, bucket). Nothing was changed."""

    message = "The file store is not answering just now. Try again in a minute."


def open_stored(fieldfile) -> File:
    """Open a stored file for reading: FileNotFoundError when the store has no such file,
    StorageUnavailable when the store cannot be reached."""
    try:
        return fieldfile.storage.open(fieldfile.name, "rb")
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001 - botocore, OSError, ...: the store is down
        log.warning("Could not open %s from file storage", fieldfile.name, exc_info=True)
        raise StorageUnavailable(StorageUnavailable.message) from exc


def save_verified(fieldfile, name, content, *, size: int) -> str:
    """Save `content` through the field's storage under a name from its upload_to, then check
    with the storage that all `size` bytes arrived. Returns the stored name."""
    fieldfile.save(name, content, save=False)
    stored_size = fieldfile.storage.size(fieldfile.name)
    if stored_size != size:
        fieldfile.storage.delete(fieldfile.name)
        raise OSError(
            f"The file store kept {stored_size} of {size} bytes of {name!r}; nothing was kept."
        )
    return fieldfile.name


class HashingWriter:
    """A write-only file: what is written goes to a spooled temporary file while its SHA-256
    and size are computed, chunk by chunk. Save it with `save_verified(..., self.file(), ...)`.
    """

    def __init__(self):
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self._digest.update(data)
        self.size += len(data)
        return self._spool.write(data)

    def flush(self):
        self._spool.flush()

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def file(self) -> File:
        self._spool.seek(0)
        return File(self._spool)

    def close(self):
        self._spool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass(frozen=True)
class StorageHealth:
    ok: bool
    backend: str
    error: str = ""

    def as_json(self) -> dict:
        out = {"ok": self.ok, "backend": self.backend}
        if self.error:
            out["error"] = self.error
        return out


def backend_label(storage=None) -> str:
    storage = storage or storages["default"]
    return "s3" if hasattr(storage, "bucket_name") else "filesystem"


def check_storage() -> StorageHealth:
    """A cheap check that the default storage answers: on S3, list at most one key of the
    bucket (a missing bucket or bad credentials fail); on disk, look for the evidence folder.
    Only the error's type is reported, never an address or a key."""
    storage = storages["default"]
    backend = backend_label(storage)
    try:
        if backend == "s3":
            storage.connection.meta.client.list_objects_v2(Bucket=storage.bucket_name, MaxKeys=1)
        else:
            storage.exists("evidence")
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return StorageHealth(ok=False, backend=backend, error=type(exc).__name__)
    return StorageHealth(ok=True, backend=backend)


def bucket_ensure(*, storage=None) -> bool:
    """Create the default storage's bucket unless it exists. True when it was created.
    Raises whatever the S3 client raises when the server does not answer."""
    from botocore.exceptions import ClientError

    storage = storage or storages["default"]
    client = storage.connection.meta.client
    try:
        client.head_bucket(Bucket=storage.bucket_name)
        return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
            raise
    options = {}
    region = client.meta.region_name
    if region and region != "us-east-1":
        options["CreateBucketConfiguration"] = {"LocationConstraint": region}
    client.create_bucket(Bucket=storage.bucket_name, **options)
    return True
