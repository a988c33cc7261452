# Run against a running server (`make run`):  python samples/smtp_starttls.py
"""smtplib on the plain port with STARTTLS, as the default account (AUTH needs TLS, as on Tencent)."""

import os
import smtplib
import ssl
from email.message import EmailMessage

ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the emulator's certificate is self-signed

msg = EmailMessage()
msg["From"], msg["To"], msg["Subject"] = (
    "noreply@mail.example.com",
    "starttls@example.com",
    "Hello over STARTTLS",
)
msg.set_content("Sent with smtplib + STARTTLS.")

with smtplib.SMTP("127.0.0.1", int(os.environ.get("SES_EMULATOR_SMTP_PORT", 2525)), timeout=30) as smtp:
    smtp.starttls(context=ctx)
    smtp.login("noreply@mail.example.com", "Emulator2026Smtp")
    smtp.send_message(msg)
print("sent", msg["Subject"])
