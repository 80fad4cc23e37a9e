from rest_framework import permissions

from accounts.roles import Capability, has_capability


class CanManageBook(permissions.BasePermission):
    """Reads are open to every signed-in role (the selectors scope them); writes need ``manage_book``.

    A change to an existing object is judged after the scoped lookup, so an object outside the
    caller's scope is a 404 and one inside it that the role may not change is a 403.
    """

    message = "Your role cannot create or change households and clients."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) != "create":
            return True
        return has_capability(request.user, Capability.MANAGE_BOOK)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or has_capability(request.user, Capability.MANAGE_BOOK)
