"""Signals other parts of the app listen to (e.g. the live blotter's broadcaster).

``order_changed`` is sent after the commit of every stored order transition and fill, with
``order_id``, ``account_id``, ``firm_id``, ``status`` and ``event`` ("transition" or "fill").
"""

from django.dispatch import Signal

order_changed = Signal()
