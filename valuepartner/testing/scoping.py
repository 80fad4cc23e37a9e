"""The registry behind the generic scoping test (tests/test_scoping.py).

Each app's ``<app>/tests/scoping.py`` registers every URL that addresses one object, with a
function creating such an object in a given advisor's book. The generic test then proves, for
every registered URL, that the owner reaches it and that nobody outside the object's scope
does; a URL that addresses an object without a registration fails the suite.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter

from accounts.roles import Capability

# Converters that address an object. Others (a format suffix, a file path) do not.
OBJECT_CONVERTERS = (IntConverter, UUIDConverter, SlugConverter, StringConverter)
NON_OBJECT_CONVERTERS = (PathConverter,)
EXCLUDED_NAMESPACES = frozenset({"admin"})
# Password-reset confirmation (uidb64/token) is addressed by a signed token, not by scope.
EXCLUDED_KWARGS = frozenset({"uidb64", "token"})
# Authentication and schema endpoints carry no object.
EXCLUDED_NAME_PREFIXES = ("token_", "schema", "docs", "redoc")
IGNORED_REGEX_GROUPS = frozenset({"format"})


@dataclass(frozen=True)
class ScopedURL:
    url_name: str
    make: Callable
    kwarg: str = "pk"
    methods: tuple[str, ...] = ("get",)
    # What the view requires of a same-firm reader (operator, compliance): with it they get a 200,
    # without it a 403 (in scope, but not allowed).
    capability: Capability = Capability.VIEW_BOOK

    @property
    def is_api(self) -> bool:
        return self.url_name.split(":", 1)[0] == "api"


_registry: dict[str, ScopedURL] = {}


def register(
    url_name: str,
    make: Callable,
    kwarg: str = "pk",
    methods: tuple[str, ...] = ("get",),
    capability: Capability = Capability.VIEW_BOOK,
) -> None:
    """Register ``url_name``; ``make(advisor)`` returns a new object in that advisor's book."""
    if url_name in _registry or url_name in _public:
        raise ValueError(f"{url_name!r} is registered twice.")
    _registry[url_name] = ScopedURL(url_name, make, kwarg, tuple(methods), capability)


def registered() -> dict[str, ScopedURL]:
    return dict(_registry)


@dataclass(frozen=True)
class PublicURL:
    """A URL addressing public reference data (an instrument, its prices): no book owns it."""

    url_name: str
    make: Callable
    kwarg: str = "pk"

    @property
    def is_api(self) -> bool:
        return self.url_name.split(":", 1)[0] == "api"


_public: dict[str, PublicURL] = {}


def register_public(url_name: str, make: Callable, kwarg: str = "pk") -> None:
    """Register ``url_name`` as public to every signed-in user; ``make()`` returns a new object.

    The generic test then proves every signed-in role of any firm reaches it and an anonymous
    visitor does not. A URL is either scoped (``register``) or public, never both.
    """
    if url_name in _public or url_name in _registry:
        raise ValueError(f"{url_name!r} is registered twice.")
    _public[url_name] = PublicURL(url_name, make, kwarg)


def registered_public() -> dict[str, PublicURL]:
    return dict(_public)


def _pattern_kwargs(pattern) -> set[str]:
    converters = getattr(pattern, "converters", {})
    if converters:
        return {
            name
            for name, converter in converters.items()
            if isinstance(converter, OBJECT_CONVERTERS) and not isinstance(converter, NON_OBJECT_CONVERTERS)
        }
    regex = getattr(pattern, "regex", None)
    if regex is None:
        return set()
    return set(regex.groupindex) - IGNORED_REGEX_GROUPS


def _walk(patterns, namespaces: tuple[str, ...], kwargs: frozenset[str]) -> Iterator[tuple[str, frozenset[str]]]:
    for entry in patterns:
        found = kwargs | _pattern_kwargs(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, inner, found)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join((*namespaces, entry.name)), found


def object_url_names(urlconf: str | None = None) -> set[str]:
    """Every named URL whose route carries an object-addressing argument, except the exclusions above."""
    names = set()
    for name, kwargs in _walk(get_resolver(urlconf).url_patterns, (), frozenset()):
        namespace, _, short_name = name.rpartition(":")
        if not kwargs or kwargs & EXCLUDED_KWARGS:
            continue
        if namespace.split(":", 1)[0] in EXCLUDED_NAMESPACES or short_name.startswith(EXCLUDED_NAME_PREFIXES):
            continue
        names.add(name)
    return names
