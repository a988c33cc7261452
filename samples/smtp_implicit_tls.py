# Run against a running server (`make run`):  python samples/smtp_implicit_tls.py
"""smtplib with implicit TLS (like Tencent's port 465), as the default account."""

import os
import smtplib
import ssl
from email.message import EmailMessage

ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the emulator's certificate is self-signed

msg = EmailMessage()
msg["From"], msg["To"], msg["Subject"] = "noreply@mail.example.com", "implicit@example.com", "Hello over TLS"
msg.set_content("Sent with smtplib over implicit TLS.")
msg.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="report.csv")

with smtplib.SMTP_SSL("127.0.0.1", int(os.environ.get("SES_EMULATOR_SMTPS_PORT", 2465)), context=ctx) as smtp:
    smtp.login("noreply@mail.example.com", "Emulator2026Smtp")
    smtp.send_message(msg)
print("sent", msg["Subject"])
