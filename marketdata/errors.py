from valuepartner.errors import DomainError


class MarketDataError(DomainError):
    pass


class PriceImportError(MarketDataError):
    """A price file with at least one bad line: nothing was imported. ``errors`` lists every bad line."""

    def __init__(self, errors: list):
        super().__init__(
            "invalid_file",
            f"{len(errors)} line(s) are invalid; nothing was imported.",
            fields={"file": [str(error) for error in errors]},
        )
        self.errors = errors
