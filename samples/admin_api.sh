#!/bin/sh
# Run against a running server (`make run`):  sh samples/admin_api.sh   (needs curl; SES_EMULATOR_URL, SES_EMULATOR_ADMIN_TOKEN optional)
# The admin API with curl: a fresh account, one paid email sent with curl's own SMTP, a day of billing.
set -eu
URL="${SES_EMULATOR_URL:-http://127.0.0.1:8025}"
SMTP="smtp://127.0.0.1:${SES_EMULATOR_SMTP_PORT:-2525}"
api() {  # api METHOD PATH [JSON]
  curl -sS --fail-with-body -X "$1" "$URL/admin$2" -H 'content-type: application/json' \
    ${SES_EMULATOR_ADMIN_TOKEN:+-H "Authorization: Bearer $SES_EMULATOR_ADMIN_TOKEN"} ${3:+-d "$3"}
  echo
}
NAME="curl-$(date +%s)-$$"
SENDER="$NAME@curl.example.com"
api POST /accounts "{\"name\":\"$NAME\",\"free_quota\":0,\"sender\":\"$SENDER\",\"smtp_password\":\"CurlSample2026\"}"
api POST "/accounts/$NAME/clock/freeze" '{"at":"2031-01-05T10:00:00+08:00"}'   # stands still there until moved
api POST "/accounts/$NAME/top-up" '{"amount":"0.01","note":"from curl"}'
printf 'From: %s\r\nTo: curl@example.com\r\nSubject: Hello from curl\r\n\r\nSent with curl over STARTTLS.\r\n' "$SENDER" |
  curl -sS --ssl-reqd --insecure "$SMTP" --user "$SENDER:CurlSample2026" \
    --mail-from "$SENDER" --mail-rcpt curl@example.com --upload-file -     # self-signed cert: --insecure
api GET "/accounts/$NAME/messages?limit=5"                             # the captured email
api GET "/accounts/$NAME"                                              # 1 paid unit, balance 0.01
api POST "/accounts/$NAME/clock/advance" '{"duration":"1d"}'           # past midnight: daily settlement
api GET "/accounts/$NAME/bills"                                        # 1 × 0.00028 USD, paid
api GET "/accounts/$NAME/ledger"
