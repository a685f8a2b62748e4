"""GitHub's `Link` response header: which URL holds the next page (pure parsing)."""

from __future__ import annotations

import re

# A URL holds no `<`: a header of many `<` and no `>` would otherwise be scanned to its end from
# each of them (quadratic time in the header's length).
_ENTRY = re.compile(r"<(?P<url>[^<>]*)>\s*((?:;\s*[^;,]+)*)")
_REL = re.compile(r';\s*rel\s*=\s*"?(?P<rel>[^";,]+)"?')


# The most pages of one list the loop reads (100 items each): far beyond any list it asks for (an
# issue's events or comments, a repository's approved issues or labels), and a forge whose next
# links never end cannot keep a call going for ever.
MAX_PAGES = 100


def next_link(header: str | None) -> str | None:
    """The URL with `rel="next"` in a `Link` header, or None on the last page.

    >>> next_link('<https://a/x?page=2>; rel="next", <https://a/x?page=5>; rel="last"')
    'https://a/x?page=2'
    >>> next_link('<https://a/x?page=1>; rel="prev"') is None
    True
    """
    if not header:
        return None
    for entry in _ENTRY.finditer(header):
        params = entry.group(2) or ""
        for rel in _REL.finditer(params):
            if "next" in rel.group("rel").split():
                return entry.group("url")
    return None


def same_origin(url: str, base: str) -> bool:
    """True when `url` is on `base`'s scheme, host and port (a page link must not leave it).

    >>> same_origin("https://api.github.com/r?page=2", "https://api.github.com")
    True
    >>> same_origin("https://evil.example/r", "https://api.github.com")
    False
    """

    def origin(text: str) -> str:
        scheme, _, rest = text.partition("://")
        return scheme.lower() + "://" + rest.split("/", 1)[0].split("?", 1)[0].lower()

    return "://" in url and origin(url) == origin(base)
