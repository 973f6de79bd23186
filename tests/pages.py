"""Every page of the site that takes no argument, found from the URL configuration."""

from django.urls import URLPattern, URLResolver, get_resolver


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if "<" in route or "(?P" in route or "\\" in route or "[" in route:
                continue
            found.append((route.lstrip("^").rstrip("$"), p.name or route))
    return found


def argument_free_paths() -> list[str]:
    """Paths such as `accounts/login/`, from every URL pattern without parameters."""
    return sorted({"/" + route for route, _ in _walk(get_resolver().url_patterns)})
