# Run against a running server (`make run`):  python samples/flask_mail_app.py   (pip install flask-mail)
"""Flask-Mail pointed at the emulator. Copy the MAIL_* settings into your Flask config."""

import os

from flask import Flask
from flask_mail import Mail, Message

app = Flask(__name__)
app.config.update(
    MAIL_SERVER="127.0.0.1",
    MAIL_PORT=int(os.environ.get("SES_EMULATOR_SMTPS_PORT", 2465)),  # Tencent: smtp.qcloudmail.com:465
    MAIL_USE_SSL=True,  # implicit TLS; or MAIL_PORT=2525 with MAIL_USE_TLS=True (STARTTLS)
    MAIL_USERNAME="noreply@mail.example.com",  # a sender address of the account
    MAIL_PASSWORD="Emulator2026Smtp",  # its SMTP password
    MAIL_DEFAULT_SENDER="noreply@mail.example.com",
)
mail = Mail(app)

if __name__ == "__main__":
    with app.app_context():
        mail.send(
            Message("Hello from Flask-Mail", recipients=["flask@example.com"], body="Sent with Flask-Mail.")
        )
    print("sent")
