from valuepartner.errors import DomainError


class PortfoliosError(DomainError):
    pass
