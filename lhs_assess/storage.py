"""Where uploaded evidence and built reports are written."""

from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage


class CleanFileSystemStorage(FileSystemStorage):
    """Django's file system storage, but a file it could not finish (a full disk, an I/O
    error) is removed before the error goes on: nobody may later download half an evidence
    file or half a report. Django's own leaves the partial file behind."""

    def _save(self, name: str, content: Any) -> str:
        path = Path(self.path(name))
        existed = path.exists()
        try:
            saved: str = super()._save(name, content)  # type: ignore[misc]  # not in the stubs
        except OSError:
            if not existed:
                path.unlink(missing_ok=True)
            raise
        return saved
