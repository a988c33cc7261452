// Run against a running server (`make run`):  cd samples/node && npm ci && node nodemailer_send.js
// nodemailer over implicit TLS (like Tencent's port 465); the emulator's certificate is self-signed.
const nodemailer = require("nodemailer");

const transport = nodemailer.createTransport({
  host: "127.0.0.1",
  port: Number(process.env.SES_EMULATOR_SMTPS_PORT || 2465),
  secure: true, // implicit TLS; for STARTTLS use port 2525 with secure: false
  auth: { user: "noreply@mail.example.com", pass: "Emulator2026Smtp" },
  tls: { rejectUnauthorized: false },
});

transport
  .sendMail({
    from: "noreply@mail.example.com",
    to: "nodemailer@example.com",
    subject: "Hello from nodemailer",
    text: "Sent with nodemailer.",
  })
  .then((info) => console.log(`accepted ${info.accepted.join(", ")}: ${info.response}`))
  .catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
