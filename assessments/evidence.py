"""Which evidence files we keep: by name and size, and by what their first bytes say they are.

The content is read by libmagic (the `file` command's library, through python-magic): a
renamed program, an HTML page called minutes.pdf or a zip called policy.docx is refused
beside the field, whatever the browser claimed. Names are cut to the column keeping the
extension, so a 250-character name stays a PDF.
"""

import errno
import io
import zipfile
from pathlib import PurePath

import magic
from django.core.files.uploadedfile import UploadedFile

from .models import FILE_NAME_MAX_LENGTH

# The formats quality teams actually send, and a size that email also carries.
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def not_stored_message(name: str, exc: OSError) -> str:
    """Why a file that passed every check could not be written, in words for the person."""
    if exc.errno == errno.ENOSPC:
        return (
            f"{name} was not kept: the server has no room left to store files. Nothing of it "
            "was kept; try again later, and tell the consortium team if it goes on."
        )
    return f"{name} was not kept: the server could not write it. Try again in a moment."


# What libmagic may call a file of each extension. Office files are zips: libmagic names them
# when their parts come in Office's usual order, and says "zip" otherwise, so a zip is looked
# into for the parts of its format. A text file may be any text but a web page.
_LABELS = {
    ".pdf": "PDF", ".docx": "Word", ".xlsx": "Excel", ".pptx": "PowerPoint", ".csv": "CSV",
    ".txt": "text", ".png": "PNG image", ".jpg": "JPEG image", ".jpeg": "JPEG image",
}  # fmt: skip
_OFFICE_PARTS = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
_TEXT = (".csv", ".txt")
_NOT_TEXT = ("text/html", "text/xml", "image/svg+xml")
# Enough for libmagic to see past a zip's first entries; uploads are at most 10 MB anyway.
_SNIFF_BYTES = 1024 * 1024


def evidence_name(upload: UploadedFile) -> str:
    """The name to keep: without folders, cut to the column's length with its extension."""
    name = PurePath(upload.name or "").name
    if len(name) <= FILE_NAME_MAX_LENGTH:
        return name
    suffix = PurePath(name).suffix
    if len(suffix) > 10:  # not an extension we keep; the type check refuses it anyway
        suffix = ""
    return name[: FILE_NAME_MAX_LENGTH - len(suffix)].rstrip(". ") + suffix


def _read_start(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    return head if isinstance(head, bytes) else bytes(head)


def _office_parts_present(upload: UploadedFile, suffix: str) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(upload.read())) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and any(
        n.startswith(_OFFICE_PARTS[suffix]) for n in names
    )


def content_matches(upload: UploadedFile, suffix: str) -> bool:
    """Whether the file's bytes are what its extension says."""
    found = magic.from_buffer(_read_start(upload), mime=True)
    if suffix in _TEXT:
        return found.startswith("text/") and found not in _NOT_TEXT
    if suffix in _OFFICE_PARTS:
        if found == EVIDENCE_TYPES[suffix]:
            return True
        return found == "application/zip" and _office_parts_present(upload, suffix)
    return bool(found == EVIDENCE_TYPES[suffix])


def evidence_upload_error(upload: UploadedFile) -> str | None:
    """Why we would not keep this file (type, size, content), or None; shown beside the field."""
    name = evidence_name(upload)
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        allowed = ", ".join(sorted(s.lstrip(".") for s in EVIDENCE_TYPES))
        return f"{name or 'This file'}: only {allowed} files are kept."
    if upload.size is None or upload.size > EVIDENCE_MAX_BYTES:
        return f"{name} is larger than {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB."
    if upload.size == 0:
        return f"{name} is empty."
    if not content_matches(upload, suffix):
        label = _LABELS[suffix]
        return (
            f"{name} is not a {label} file inside, whatever its name says. "
            f"Save it again as {label} and choose it again."
        )
    return None
