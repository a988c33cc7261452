"""Admin and mailbox JSON API under /admin (in the OpenAPI document at /docs)."""
