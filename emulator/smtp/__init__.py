"""SMTP front-end (our own asyncio.Protocol): translates SMTP to `services` calls and errors to SMTP replies."""
