"""Where report files live: a private directory outside MEDIA_URL, read only through the scoped download view.

``REPORTS_ROOT`` (default ``MEDIA_ROOT/private/reports``) is read when the storage is first used and
again whenever the setting changes (tests point it at a temporary directory).
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property


@deconstructible(path="reporting.reports.storage.ReportStorage")
class ReportStorage(FileSystemStorage):
    """A file system storage with no public URL: files are served by the download view only."""

    def __init__(self):
        super().__init__(base_url=None)
        setting_changed.connect(self._reset_root)

    @cached_property
    def base_location(self):
        return os.fspath(settings.REPORTS_ROOT)

    def _reset_root(self, *, setting, **kwargs):
        if setting == "REPORTS_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise NotImplementedError("Report files have no public URL: use the scoped download view.")


report_storage = ReportStorage()


def get_report_storage() -> ReportStorage:
    return report_storage
