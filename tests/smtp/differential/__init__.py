"""The hand-written SMTP engine held against aiosmtpd: the same bytes to both, replies and stored mail compared."""
