"""The one Celery app; tasks are discovered in each domain app's ``tasks.py``."""

import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "valuepartner.settings.base")

app = Celery("valuepartner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _ensure_filesystem_broker_dirs(sender, **kwargs):
    # kombu's filesystem transport expects its folders to exist before the first message.
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)


@task_postrun.connect
def _return_database_connections(sender=None, **kwargs):
    """Give the task's database connection back to the pool (or close it, without a pool), unless the
    task ran eagerly inside its caller's request or transaction (see CELERY_DB_REUSE_MAX)."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
