#!/usr/bin/env python3
"""A client's webhook receiver for api.webhooks: answers 503 to the first FAIL requests
(a receiver that is down), then 200; logs every request it got, one JSON line each:
{"status": what it answered, "signature", "key": Idempotency-Key, "body": the raw body}.
Usage: webhook_receiver.py PORT LOG FAIL"""
import http.server
import json
import sys

PORT, LOG, FAIL = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
seen = 0


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        seen += 1
        status = 503 if seen <= FAIL else 200
        with open(LOG, "a") as f:
            f.write(json.dumps({"status": status,
                                "signature": self.headers.get("X-Eonjena-Signature"),
                                "key": self.headers.get("Idempotency-Key"),
                                "body": body.decode()}, ensure_ascii=False) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Hook).serve_forever()
