"""Calendar source entries: which are feed addresses, and which addresses are refused.

Settings check every entry with `check_source` when they load; the feed reader checks
every redirect with `check_feed_url`. Nothing here fetches anything.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_feed(entry: str) -> bool:
    """True for an entry of FOLLOWUP_CALENDAR_SOURCES that is an address, not a file."""
    return "://" in entry


def check_source(entry: str) -> str | None:
    """Why a calendar source entry is refused, or None; the reason never quotes it."""
    if not is_feed(entry):
        return None
    return check_feed_url(entry.strip())


def check_feed_url(url: str) -> str | None:
    """Why a feed (or redirect) address is refused: only https, plain http on loopback."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (a bad port raises ValueError here)
    except ValueError:
        return "is not a valid address"
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        return "webcal:// addresses: write the same address with https://"
    if scheme not in ("https", "http"):
        return f"{scheme}:// is not supported: use an https:// address or a file path"
    if not host:
        return "the address has no host"
    if scheme == "http" and not _loopback(host):
        return (
            "plain http:// is refused because calendars carry patient information: "
            "use https:// (http:// is allowed only for localhost)"
        )
    return None


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
