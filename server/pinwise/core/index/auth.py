"""Credentials for package indexes, and the one function that keeps them out of every message.

Credentials come, in pip's order, from the index URL's userinfo (applied to every URL on the same host and
port, as pip's ``MultiDomainBasicAuth`` does, so that file and metadata URLs are authenticated too), from the
user's netrc file, and from ``keyring`` when it is installed (asked only after a 401, like pip, because a
keyring backend may be slow or prompt).
"""

from __future__ import annotations

import asyncio
import logging
import netrc
import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

logger = logging.getLogger(__name__)

Credentials = tuple[str, str]

# Anything that looks like ``scheme://user[:password]@`` inside free text, e.g. an exception message.
_USERINFO_IN_TEXT = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]*)@")


def _netloc_without_userinfo(parts: SplitResult) -> str:
    return parts.netloc.rpartition("@")[2]


def redact(url: str) -> str:
    """``url`` with any user name, password or token replaced by ``***``, for logs, messages and cache keys.

    The shape stays recognisable (``https://***@host/simple/``) so that a user can tell an authenticated
    index from another one without seeing the secret.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + _netloc_without_userinfo(parts)))


def redact_text(text: str) -> str:
    """Redact every URL with userinfo inside ``text`` (exception messages quote URLs verbatim)."""
    return _USERINFO_IN_TEXT.sub(lambda m: m.group("scheme") + "***@", text)


def strip_credentials(url: str) -> tuple[str, Credentials | None]:
    """Split ``url`` into the URL without userinfo and the (user, password) it carried, if any."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo = parts.netloc.rpartition("@")[0]
    user, _, password = userinfo.partition(":")
    clean = urlunsplit(parts._replace(netloc=_netloc_without_userinfo(parts)))
    return clean, (unquote(user), unquote(password))


def netloc_of(url: str) -> str:
    """Host and port of ``url``, lower-cased and without userinfo: the key credentials are stored under."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None:
        return host
    return f"{host}:{port}"


class CredentialStore:
    """Finds credentials for a URL; built once per index client from the configured index URLs."""

    def __init__(self, urls: Iterable[str], *, environ: Mapping[str, str] | None = None) -> None:
        self._by_netloc: dict[str, Credentials] = {}
        for url in urls:
            _, creds = strip_credentials(url)
            if creds is not None:
                self._by_netloc.setdefault(netloc_of(url), creds)
        self._environ = os.environ if environ is None else environ
        self._netrc: netrc.netrc | bool | None = False  # False: not read yet; None: none or unreadable
        self._keyring_cache: dict[str, Credentials | None] = {}

    def _netrc_credentials(self, host: str) -> Credentials | None:
        if self._netrc is False:
            # httpx only reads netrc when given ``httpx.NetRCAuth`` explicitly, and that raises when the file
            # is absent, so the lookup is done here with the standard library instead.
            path = self._environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
            try:
                self._netrc = netrc.netrc(path) if os.path.isfile(path) else None
            except (OSError, netrc.NetrcParseError) as exc:
                logger.warning("Ignoring unreadable netrc file %s: %s", path, exc)
                self._netrc = None
        if not isinstance(self._netrc, netrc.netrc):
            return None
        found = self._netrc.authenticators(host)
        if found is None:
            return None
        login, _account, password = found
        return (login or "", password or "")

    def lookup(self, url: str) -> Credentials | None:
        """Credentials for ``url``: its own userinfo, then an index URL on the same host, then netrc."""
        _, own = strip_credentials(url)
        if own is not None:
            return own
        netloc = netloc_of(url)
        if netloc in self._by_netloc:
            return self._by_netloc[netloc]
        if netloc in self._keyring_cache and self._keyring_cache[netloc] is not None:
            return self._keyring_cache[netloc]
        return self._netrc_credentials(urlsplit(url).hostname or "")

    async def lookup_keyring(self, url: str) -> Credentials | None:
        """Ask ``keyring`` (when installed) for credentials, after the index answered 401 without them."""
        netloc = netloc_of(url)
        if netloc in self._keyring_cache:
            return self._keyring_cache[netloc]
        clean, _ = strip_credentials(url)
        creds = await asyncio.to_thread(_keyring_credentials, clean, netloc)
        self._keyring_cache[netloc] = creds
        return creds


def _keyring_credentials(url: str, netloc: str) -> Credentials | None:
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    for service in (url, netloc):
        try:
            cred = keyring.get_credential(service, None)
        except Exception as exc:  # a broken keyring backend must not break index access
            logger.debug("keyring lookup failed: %s", type(exc).__name__)
            return None
        if cred is not None:
            return (str(cred.username), str(cred.password))
    return None
