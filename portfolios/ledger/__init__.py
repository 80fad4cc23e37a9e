"""The ledger's arithmetic, shared by the service that records transactions and the replay that checks them.

``lots`` relieves and splits tax lots held as plain dataclasses; ``effects`` computes a
transaction's effect on cash; ``replay`` rebuilds an account's state from its transactions and
``check`` compares that with what the database holds. Nothing here writes to the database.
"""
