#!/usr/bin/env python3
"""Check what api.webhooks' receiver logged, independently of eonjena's code: every
request's X-Eonjena-Signature is t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
and its Idempotency-Key is the event's id. Prints the accepted (200) events, one
"<id> <type> <request_id>" a line, in the order they came.
Usage: webhook_verify.py LOG SECRET"""
import hashlib
import hmac
import json
import sys

log, secret = sys.argv[1], sys.argv[2].encode()
for line in open(log):
    r = json.loads(line)
    parts = dict(p.split("=", 1) for p in r["signature"].split(","))
    want = hmac.new(secret, (parts["t"] + "." + r["body"]).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, parts["v1"]):
        sys.exit("bad signature on " + r["body"])
    event = json.loads(r["body"])
    if event["id"] != r["key"]:
        sys.exit("Idempotency-Key %s is not the event's id %s" % (r["key"], event["id"]))
    if r["status"] == 200:
        print(event["id"], event["type"], event["request_id"])
