"""Where uploaded evidence and archived reports are kept: this server's disk (the embedded
default) or an S3-compatible bucket shared by every web and worker process.

Only the storage API is ever used on stored files (``storage.open``, ``save``, ``size``,
``exists``), never a local path, so the same code runs on either.
"""

# Above this size a file read back from S3 is spooled to a temporary file, not kept in memory.
S3_SPOOL_BYTES = 2 * 1024 * 1024


def s3_backend(
    *,
    bucket: str,
    endpoint_url: str = "",
    access_key: str = "",
    secret_key: str = "",
    region: str = "",
    addressing_style: str = "",
    location: str = "",
) -> dict:
    """The STORAGES["default"] entry for an S3-compatible bucket (django-storages)."""
    from botocore.config import Config

    # Self-hosted servers (SeaweedFS, Garage) want path-style URLs; AWS picks its own.
    addressing_style = addressing_style or ("path" if endpoint_url else "auto")
    client_config = Config(
        s3={"addressing_style": addressing_style},
        signature_version="s3v4",
        # Fail within seconds when the store is down, rather than hang a request.
        connect_timeout=3,
        read_timeout=30,
        retries={"mode": "standard", "max_attempts": 3},
    )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": region or None,
            "location": location,
            "client_config": client_config,
            # Objects stay private: files leave only through the permission-checked views.
            "default_acl": None,
            "querystring_auth": True,
            # Never replace an object: evidence and archived reports are written once.
            "file_overwrite": False,
            "max_memory_size": S3_SPOOL_BYTES,
        },
    }
