from valuepartner.errors import DomainError


class AccountsError(DomainError):
    pass
