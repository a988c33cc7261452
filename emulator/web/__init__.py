"""The web UI: an inbox and an account console served at GET / by the same HTTP server.

Plain HTML, CSS and vanilla JS modules shipped in the package (no CDN, no build step). The pages talk
to the admin API with fetch; this package adds only what a browser needs on top of it: the page and its
assets (with a strict Content-Security-Policy), a live event stream per account, a sandboxed,
script-free rendering of captured HTML mail, and how each bill appears in the Tencent Billing API
(`bill_links`: read-only, so the page never needs the account's SecretKey).
"""

from emulator.web.routes import create_router, index_response

__all__ = ["create_router", "index_response"]
