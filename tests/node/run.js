// Calls one SES action with the official Node SDK and prints the outcome as one JSON line:
//   node run.js '{"endpoint": "127.0.0.1:8025", "secretId": "...", "secretKey": "...", "action": "SendEmail", "params": {...}}'
// -> {"ok": true, "result": {...}} or {"ok": false, "code": "...", "message": "...", "requestId": "..."}
const { ses } = require("tencentcloud-sdk-nodejs");

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const client = new ses.v20201002.Client({
    credential: { secretId: spec.secretId, secretKey: spec.secretKey },
    region: spec.region || "ap-guangzhou",
    profile: { httpProfile: { endpoint: spec.endpoint, protocol: "http://", reqTimeout: 30 } },
  });
  try {
    const result = await client[spec.action](spec.params || {});
    console.log(JSON.stringify({ ok: true, result }));
  } catch (err) {
    console.log(JSON.stringify({ ok: false, code: err.code, message: err.message, requestId: err.requestId }));
  }
}

main();
