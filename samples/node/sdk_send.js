// Run against a running server (`make run`):  cd samples/node && npm ci && node sdk_send.js
// The official Tencent Cloud Node SDK, pointed at the emulator: a simple (Text) send.
// A production-profile account (docs/profiles.md) is template-only, like a new real Tencent account:
// Simple gets FailedOperation.WithOutPermission until simple sending is granted (here through the admin
// API, which this sample then does once, and says so).
const tencentcloud = require("tencentcloud-sdk-nodejs-ses");

const secretId = process.env.TENCENTCLOUD_SECRET_ID || "AKIDSESEMULATORDEFAULT00000000000000";
const client = new tencentcloud.ses.v20201002.Client({
  credential: {
    secretId,
    secretKey: process.env.TENCENTCLOUD_SECRET_KEY || "SesEmulatorDefaultSecretKey00000",
  },
  region: "ap-guangzhou",
  profile: {
    httpProfile: { endpoint: `127.0.0.1:${process.env.SES_EMULATOR_HTTP_PORT || 8025}`, protocol: "http://" },
  },
});

const request = {
  FromEmailAddress: "noreply@mail.example.com",
  Destination: ["node-sdk@example.com"],
  Subject: "Hello from the Node SDK",
  Simple: { Text: Buffer.from("Sent with tencentcloud-sdk-nodejs-ses.").toString("base64") },
};

async function grantSimpleSending() {
  const url = `${process.env.SES_EMULATOR_URL || "http://127.0.0.1:8025"}/admin/accounts`;
  const token = process.env.SES_EMULATOR_ADMIN_TOKEN;
  const headers = { "content-type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  const accounts = await (await fetch(url, { headers })).json();
  const { name } = accounts.find((a) => a.secret_id === secretId);
  const body = JSON.stringify({ simple_sending: true });
  const r = await fetch(`${url}/${name}/limits`, { method: "PATCH", headers, body });
  if (!r.ok) throw new Error(`admin API ${r.status}: ${await r.text()}`);
  console.log(`account ${name} is template-only (production profile): granted simple sending`);
}

async function main() {
  try {
    return await client.SendEmail(request);
  } catch (err) {
    if (err.code !== "FailedOperation.WithOutPermission") throw err;
    await grantSimpleSending();
    return client.SendEmail(request);
  }
}

main()
  .then((res) => console.log(`MessageId ${res.MessageId}`))
  .catch((err) => {
    console.error(`${err.code}: ${err.message}`);
    process.exit(1);
  });
