"""gunicorn settings, read from the working directory (the compose file's web service, the benchmarks)."""

import gc


def post_worker_init(worker):
    # What is alive once the app is loaded (Django, pandas, the trading calendar) stays alive; moving it out
    # of the collector's generations keeps full collections on the heavy pages short.
    gc.freeze()
