"""The UI page and its assets, and the sandboxed preview of captured HTML mail.

Captured HTML is untrusted: it is only ever rendered by GET /ui/preview/..., whose own
Content-Security-Policy forbids scripts, forms, plugins and (unless the user asked) every remote load,
and sandboxes the document even when opened outside the UI's sandboxed iframe. The preview URL carries
an HMAC (from the token-protected /admin .../preview) because an iframe cannot send the admin token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import html
import re
import secrets
from importlib import resources

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, Response

from emulator import __version__
from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.web import bill_links, stream

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'; object-src 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_REMOTE = " http: https:"


def preview_csp(remote: bool) -> str:
    """No scripts ever; remote images/styles/fonts only when the user clicked 'load remote content'."""
    r = _REMOTE if remote else ""
    return (
        "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; script-src 'none'; "
        f"style-src 'unsafe-inline'{r}; img-src data:{r}; font-src data:{r}; media-src data:{r}; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )


_TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml"}
_ASSET = re.compile(r"^[a-z0-9_-]+\.(js|css|svg)$")


@functools.cache
def _asset(name: str) -> bytes | None:
    path = resources.files("emulator.web") / "static" / name
    return path.read_bytes() if path.is_file() else None


@functools.cache
def _index_html() -> str:
    text = (resources.files("emulator.web") / "templates" / "index.html").read_text("utf-8")
    return text.replace("{{version}}", __version__)


def index_response() -> HTMLResponse:
    """GET / for a browser (not a Tencent API call)."""
    return HTMLResponse(_index_html(), headers=PAGE_HEADERS)


class PreviewSigner:
    """Per-process key: preview URLs work for the life of the server, never for another resource."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def sign(self, account: str, message_id: str) -> str:
        msg = f"{account}\0{message_id}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()[:32]

    def check(self, account: str, message_id: str, sig: str) -> bool:
        return hmac.compare_digest(self.sign(account, message_id), sig)


def _preview_document(body_html: str | None, text: str | None) -> str:
    # <base target=_blank>: links open outside the sandbox instead of navigating the frame
    head = '<!doctype html><meta charset="utf-8"><base target="_blank">'
    if body_html is not None:
        return head + body_html
    return head + f"<pre>{html.escape(text or '')}</pre>"


def create_router() -> APIRouter:
    router = APIRouter()
    signer = PreviewSigner()
    router.include_router(stream.router)
    router.include_router(bill_links.router)

    @router.get("/ui/static/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        m = _ASSET.match(name)
        data = _asset(name) if m else None
        if m is None or data is None:
            raise HTTPException(404, detail={"code": "NotFound", "message": f"no asset {name!r}"})
        return Response(
            data,
            media_type=_TYPES[m.group(1)],
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    @router.get(
        "/admin/accounts/{account}/messages/{message_id}/preview",
        tags=["mailbox"],
        dependencies=[Depends(require_token)],
        responses=answers(404),
    )
    def preview_url(account: str, message_id: str, core: CoreDep) -> dict[str, str]:
        """A URL rendering the message's HTML for an iframe (scripts never run; remote loads blocked
        unless `&remote=1`)."""
        core.mailbox.raw(core.accounts.get_row(account).id, message_id)  # 404 if it does not exist
        sig = signer.sign(account, message_id)
        return {"url": f"/ui/preview/{account}/{message_id}?sig={sig}"}

    @router.get("/ui/preview/{account}/{message_id}", include_in_schema=False)
    def preview(
        account: str,
        message_id: str,
        core: CoreDep,
        sig: str = Query(""),
        remote: bool = Query(False),
    ) -> Response:
        if not signer.check(account, message_id, sig):
            raise HTTPException(
                403, detail={"code": "Forbidden", "message": "bad or missing preview signature"}
            )
        _, parsed, _ = core.mailbox.get(core.accounts.get_row(account).id, message_id)
        return HTMLResponse(
            _preview_document(parsed.html, parsed.text),
            headers={
                "Content-Security-Policy": preview_csp(remote),
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
            },
        )

    return router
