"""Evidence file validation: the type is read from the content, never trusted from the name.

Allowed: PDF, Word, Excel, CSV, plain text, PNG, JPEG. Anything else, anything whose content
does not match its extension, empty files and files over the size limit are refused with a
message that says which rule the file broke.
"""

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError

# extension -> (content type, how to recognise the content)
ALLOWED = {
    "pdf": ("application/pdf", "pdf"),
    "doc": ("application/msword", "doc"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "xls": ("application/vnd.ms-excel", "xls"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpg"),
    "jpeg": ("image/jpeg", "jpg"),
    "csv": ("text/csv", "text"),
    "txt": ("text/plain", "text"),
}
ALLOWED_LABEL = "PDF, Word, Excel, CSV, plain text, PNG or JPEG"
# Text files must not be markup a browser could run if it were ever opened inline.
_MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body")
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    original_name: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    """The largest upload: one file, or all the files of one submission together."""
    return settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024


def too_large(label: str, size: int) -> str:
    limit = settings.EVIDENCE_MAX_UPLOAD_MB
    return f"{label} is {size / 1024 / 1024:.1f} MB; the limit is {limit} MB."


def upload_too_large(size: int) -> str:
    """Said when a whole upload is refused from its size alone, before it is read."""
    return too_large("The upload", size)


def check_total(uploads) -> None:
    total = sum(upload.size for upload in uploads)
    if total > max_bytes():
        raise ValidationError(
            f"The files come to {total / 1024 / 1024:.1f} MB together; the limit is "
            f"{settings.EVIDENCE_MAX_UPLOAD_MB} MB for one upload.",
            code="size",
        )


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sniff boundary is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    # A UTF-8 byte-order mark does not stop a browser reading what follows as markup.
    lowered = head.lstrip().removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return not lowered.startswith(_MARKUP_STARTS)


def check_upload(upload) -> CheckedFile:
    """Validate one uploaded file; raise ValidationError naming the file and the rule."""
    name = PurePath(upload.name or "").name
    label = f"“{name}”" if name else "The file"
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED:
        raise ValidationError(
            f"{label} is not an allowed type. Upload a {ALLOWED_LABEL} file.", code="type"
        )
    if upload.size == 0:
        raise ValidationError(f"{label} is empty.", code="empty")
    if upload.size > max_bytes():
        raise ValidationError(too_large(label, upload.size), code="size")
    content_type, expected = ALLOWED[extension]
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    if expected == "text":
        ok = filetype.guess(head) is None and _looks_like_text(head)
    else:
        guess = filetype.guess(head)
        ok = guess is not None and guess.extension == expected
    if not ok:
        raise ValidationError(
            f"{label} does not contain what its name says (.{extension}). It may be renamed or "
            "damaged, so it was not stored.",
            code="content",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        upload=upload,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )
