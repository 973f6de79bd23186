"""The Celery app of the killed-worker test: the real app, with a pause before a report's
files are stored, so the test can kill the worker mid-build. The hook lives here, in the
tests; production code has none.

Started as `celery -A reports.tests.slow_worker worker` with REPORT_PAUSE_SECONDS set.
"""

import importlib
import os
import time
from typing import Any

import django

from lhs_assess.celery import app

django.setup()
pipeline = importlib.import_module("reports.pipeline")  # needs the app registry, so after setup
_store_ready = pipeline.report_store_ready


def _paused(**kwargs: Any) -> Any:
    time.sleep(float(os.environ["REPORT_PAUSE_SECONDS"]))
    return _store_ready(**kwargs)


pipeline.report_store_ready = _paused

__all__ = ["app"]
