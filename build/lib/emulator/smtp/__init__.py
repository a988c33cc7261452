"""SMTP front-end (aiosmtpd): translates SMTP to `services` calls and errors to SMTP replies."""
