// Calls one action with the official Node SDK and prints the outcome as one JSON line:
//   node run.js '{"endpoint": "127.0.0.1:8025", "secretId": "...", "secretKey": "...", "action": "SendEmail", "params": {...}}'
// -> {"ok": true, "result": {...}} or {"ok": false, "code": "...", "message": "...", "requestId": "..."}
// The service and version default to SES 2020-10-02; `"service": "billing", "version": "v20180709"` picks
// the billing client; `token` a temporary credential's token (`region` defaults to ap-guangzhou; billing takes "" for none).
const tencentcloud = require("tencentcloud-sdk-nodejs");

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const Client = tencentcloud[spec.service || "ses"][spec.version || "v20201002"].Client;
  const client = new Client({
    credential: { secretId: spec.secretId, secretKey: spec.secretKey, token: spec.token },
    region: spec.region === undefined ? "ap-guangzhou" : spec.region,
    profile: {
      language: spec.language,
      httpProfile: { endpoint: spec.endpoint, protocol: "http://", reqTimeout: 30 },
    },
  });
  try {
    const result = await client[spec.action](spec.params || {});
    console.log(JSON.stringify({ ok: true, result }));
  } catch (err) {
    console.log(JSON.stringify({ ok: false, code: err.code, message: err.message, requestId: err.requestId }));
  }
}

main();
