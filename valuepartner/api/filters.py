from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """Orders as asked, then by primary key, so pages never repeat or skip rows that tie."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        if any(term.lstrip("-") in ("pk", "id") for term in ordering):
            return ordering
        return [*ordering, "pk"]
