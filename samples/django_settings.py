# Run against a running server (`make run`):  SSL_CERT_FILE=ses-emulator-data/tls/cert.pem python samples/django_settings.py   (pip install django)
"""Django's SMTP backend pointed at the emulator. Copy the EMAIL_* lines into your settings.py.

Django verifies the server certificate, so trust the emulator's self-signed one (SSL_CERT_FILE above, made
on first start for `localhost`) or give the emulator a trusted one (SES_EMULATOR_TLS_CERT / _TLS_KEY)."""

import os

import django
from django.conf import settings

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "localhost"
EMAIL_PORT = int(os.environ.get("SES_EMULATOR_SMTPS_PORT", 2465))  # Tencent: smtp.qcloudmail.com:465
EMAIL_USE_SSL = True  # implicit TLS; or EMAIL_PORT = 2525 with EMAIL_USE_TLS = True (STARTTLS)
EMAIL_HOST_USER = "noreply@mail.example.com"  # a sender address of the account
EMAIL_HOST_PASSWORD = "Emulator2026Smtp"  # its SMTP password
DEFAULT_FROM_EMAIL = "noreply@mail.example.com"

if __name__ == "__main__":
    settings.configure(**{k: v for k, v in globals().items() if k.isupper()})
    django.setup()
    from django.core.mail import send_mail

    sent = send_mail("Hello from Django", "Sent with Django's SMTP backend.", None, ["django@example.com"])
    print("sent", sent)
