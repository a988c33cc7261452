// Run against a running server (`make run`):  cd samples/node && npm ci && node sdk_send.js
// The official Tencent Cloud Node SDK, pointed at the emulator: a simple (Text) send.
const tencentcloud = require("tencentcloud-sdk-nodejs-ses");

const client = new tencentcloud.ses.v20201002.Client({
  credential: {
    secretId: process.env.TENCENTCLOUD_SECRET_ID || "AKIDSESEMULATORDEFAULT00000000000000",
    secretKey: process.env.TENCENTCLOUD_SECRET_KEY || "SesEmulatorDefaultSecretKey00000",
  },
  region: "ap-guangzhou",
  profile: {
    httpProfile: { endpoint: `127.0.0.1:${process.env.SES_EMULATOR_HTTP_PORT || 8025}`, protocol: "http://" },
  },
});

client
  .SendEmail({
    FromEmailAddress: "noreply@mail.example.com",
    Destination: ["node-sdk@example.com"],
    Subject: "Hello from the Node SDK",
    Simple: { Text: Buffer.from("Sent with tencentcloud-sdk-nodejs-ses.").toString("base64") },
  })
  .then((res) => console.log(`MessageId ${res.MessageId}`))
  .catch((err) => {
    console.error(`${err.code}: ${err.message}`);
    process.exit(1);
  });
