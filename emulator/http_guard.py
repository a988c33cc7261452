"""Browser-origin defence (issue 14): the emulator runs beside a developer's browser all day, so no web
page may drive it. SDKs, curl, the CLI and the pytest plugin send none of the headers checked in 2-3.

1. Host. Answered only if the Host header (its port ignored) is a loopback name or address
   (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`), the bind host (`SES_EMULATOR_HOST`; a wildcard
   0.0.0.0 / :: adds nothing, not even the machine's hostname), or a name in the comma-separated
   SES_EMULATOR_ALLOWED_HOSTS, where `*` accepts any Host. This defeats DNS rebinding (a page of
   evil.example re-pointed at 127.0.0.1 still sends `Host: evil.example`). No Host (HTTP/1.0) passes:
   browsers always send one.
2. Origin. A state-changing request (not GET/HEAD/OPTIONS) passes only if its `Origin` (or, without
   one, its `Referer`) is http(s) on the request's own Host and port, or on a name listed in
   SES_EMULATOR_ALLOWED_HOSTS (any port; `*` does not count here). `Origin: null` is refused; with
   neither header, `Sec-Fetch-Site: cross-site` or `same-site` is refused (another port of 127.0.0.1 is
   "same-site" to a browser).
3. The Tencent API (POST /, GET /?Action=) applies rule 2 whatever the method, so an `<img>` GET of
   SendEmail on another page sends nothing even with the documented default keys or
   signature_check=relaxed; and a POST must be `application/json` or `application/x-www-form-urlencoded`
   (what the SDKs send), never the text/plain or multipart bodies a page can post without a preflight
   (a page can post a form body too, as v1 SDKs do: rule 2 refuses it).

Refusals: JSON 403 {"code": "Forbidden", "message"} from this middleware. Tencent API calls pass
through it: tencent_api.router (which also answers POST / before the ASGI app) calls `api_refusal` and
`content_type_refusal` and answers in Tencent's envelope. Pure ASGI, not BaseHTTPMiddleware: the live
SSE stream must not be buffered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from emulator.netutil import is_loopback

if TYPE_CHECKING:
    from fastapi import FastAPI

    from emulator.config import Settings
    from emulator.services.core import Core

__all__ = ["Guard", "content_type_refusal", "install", "split_authority"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_CONTENT_TYPES = frozenset({"application/json", "application/x-www-form-urlencoded"})
_FOREIGN_SITES = frozenset({"cross-site", "same-site"})
_WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})
_MEMO_MAX = 256  # Host values are chosen by clients: the memo of decisions stays bounded
_SETTING = "SES_EMULATOR_ALLOWED_HOSTS"


def split_authority(value: str) -> tuple[str, str]:
    """(name, port) of a Host header or URL authority: lower-case, IPv6 brackets and a trailing dot
    dropped; port "" when absent. A bare IPv6 address (`::1`) has no port."""
    v = value.strip().lower()
    if v.startswith("["):
        end = v.find("]")
        rest = v[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            return v, ""  # malformed: matches nothing
        name, port = v[1:end], rest[1:]
    elif v.count(":") == 1:
        name, _, port = v.partition(":")
    else:
        name, port = v, ""
    return name.rstrip("."), port


class Guard:
    """The Host and Origin rules with the allowed names computed once per app."""

    def __init__(self, settings: Settings) -> None:
        names = settings.allowed_host_names()
        self.any_host = "*" in names
        self.listed = frozenset(split_authority(n)[0] for n in names if n != "*")
        bind = split_authority(settings.host)[0]
        self.names = self.listed | ({bind} if bind not in _WILDCARD_BINDS else set())
        self._memo: dict[str, bool] = {}

    def host_ok(self, host: str | None) -> bool:
        if host is None:
            return True
        ok = self._memo.get(host)  # the common case: the same `127.0.0.1:<port>` on every request
        if ok is None:
            name = split_authority(host)[0]
            ok = self.any_host or name in self.names or is_loopback(name)
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[host] = ok
        return ok

    def trusted_source(self, url: str, host: str | None) -> bool:
        """Whether an Origin or Referer URL is this server's own origin or a listed name."""
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return False
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return False  # also `null`
        name, port = split_authority(parts.netloc.rpartition("@")[2])
        if name in self.listed:
            return True
        if host is None:
            return False
        default = "80" if scheme == "http" else "443"
        host_name, host_port = split_authority(host)
        return name == host_name and (port or default) == (host_port or default)

    def refusal(
        self,
        method: str,
        host: str | None,
        origin: str | None,
        referer: str | None,
        fetch_site: str | None,
        *,
        api: bool = False,
    ) -> str | None:
        """None if the request may go on, else why not (the message of the refusal)."""
        if not self.host_ok(host):
            return (
                f"Host `{(host or '')[:100]}` is not allowed: the emulator answers only loopback names and "
                f"addresses, its bind host and the names in {_SETTING} (a defence against DNS rebinding)."
            )
        if not api and method in SAFE_METHODS:
            return None
        source, what = (origin, "Origin") if origin is not None else (referer, "Referer")
        if source is not None:
            if self.trusted_source(source, host):
                return None
            return (
                f"Cross-origin request refused: {what} `{source[:100]}` is not this server's origin. Only "
                f"the emulator's own pages may call it from a browser; list a trusted host in {_SETTING}."
            )
        if (fetch_site or "").lower() in _FOREIGN_SITES:
            return (
                f"Cross-site request refused (Sec-Fetch-Site: {fetch_site}). Only the emulator's own "
                f"pages may call it from a browser; list a trusted host in {_SETTING}."
            )
        return None

    def api_refusal(self, method: str, headers: Mapping[str, str]) -> str | None:
        """`refusal` for a Tencent API call (`headers`: lower-case names, or Starlette's Headers)."""
        return self.refusal(
            method,
            headers.get("host"),
            headers.get("origin"),
            headers.get("referer"),
            headers.get("sec-fetch-site"),
            api=True,
        )


def content_type_refusal(method: str, headers: Mapping[str, str]) -> str | None:
    """None if a Tencent API POST carries a content type the SDKs send (any parameters), else why not."""
    if method != "POST":
        return None  # GET reads the query string only
    ctype = headers.get("content-type")
    if ctype in API_CONTENT_TYPES or (
        ctype is not None and ctype.split(";", 1)[0].strip().lower() in API_CONTENT_TYPES
    ):
        return None
    got = f"Content-Type `{ctype[:100]}`" if ctype is not None else "A missing Content-Type"
    return (
        f"{got} is not supported: send application/json (TC3-HMAC-SHA256) or "
        "application/x-www-form-urlencoded (v1 signature), as the Tencent Cloud SDKs do."
    )


class GuardMiddleware:
    def __init__(self, app: Any, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = origin = referer = site = None
        tc_action = False
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1")
            elif name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"referer":
                referer = value.decode("latin-1")
            elif name == b"sec-fetch-site":
                site = value.decode("latin-1")
            elif name == b"x-tc-action":
                tc_action = True
        method = scope["method"]
        if scope["path"] == "/" and (
            method == "POST" or (method == "GET" and (tc_action or _has_action(scope["query_string"])))
        ):
            await self.app(scope, receive, send)  # the Tencent API: refused in its own envelope
            return
        message = self.guard.refusal(method, host, origin, referer, site)
        if message is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"code": "Forbidden", "message": message}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        headers += [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _has_action(query: bytes) -> bool:
    """As tencent_api.router.is_api_request reads it (Starlette's query_params)."""
    return any(k == "Action" for k, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True))


def install(app: FastAPI, core: Core) -> None:
    app.add_middleware(GuardMiddleware, guard=Guard(core.settings))
