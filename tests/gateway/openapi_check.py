#!/usr/bin/env python3
"""api.openapi's checks of docs/openapi.yaml (openapi.sh runs them).

  openapi_check.py static DOC ROUTES   the document alone: it parses, every $ref resolves,
                                       every example validates against its schema, and its
                                       routes and roles are the gateway's (ROUTES: the
                                       output of `eo_routes_dump --roles`)
  openapi_check.py live DOC            against a running `eonjena serve` (EO_API, EO_KEY_<role>,
                                       EO_LOGIN_ID/EO_LOGIN_PASSWORD): every request body
                                       example is sent to its route in the order of a day's
                                       work, every answer's status must be documented for its
                                       operation and its body must validate against the
                                       schema of that status; every operation must be called.
Exit status 1 with every fault listed, 0 when all hold."""

import copy
import json
import re
import sys
import time
import urllib.error
import urllib.request

import jsonschema
import yaml

METHODS = ("get", "put", "post", "delete", "patch")
FAULTS = []
QUIET = [False]  # the mutants' faults are expected: not printed


def fault(text):
    FAULTS.append(text)
    if not QUIET[0]:
        print("  FAULT: " + text, file=sys.stderr)


def finish(what):
    if FAULTS:
        print("api.openapi %s: %d faults" % (what, len(FAULTS)), file=sys.stderr)
        sys.exit(1)
    print("api.openapi %s: ok" % what)


# --- the document ---------------------------------------------------------------------


def pointer(doc, ref):
    """The object a local $ref names, or None."""
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def deref(doc, obj):
    while isinstance(obj, dict) and "$ref" in obj:
        obj = pointer(doc, obj["$ref"])
    return obj


def to_json_schema(node):
    """OpenAPI 3.0 schema objects -> JSON Schema (2020-12): `nullable: true` becomes a null
    type (or an anyOf with null when there is no type)."""
    if isinstance(node, list):
        return [to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items()}
    if out.pop("nullable", False) is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class Doc:
    def __init__(self, path=None, raw=None):
        if raw is None:
            with open(path, encoding="utf-8") as f:
                raw = yaml.safe_load(f)
        self.raw = raw
        self.components = to_json_schema(self.raw.get("components", {}))

    def validator(self, schema):
        """A validator of one (OpenAPI) schema, whose $refs resolve in this document."""
        root = {"components": self.components, "allOf": [to_json_schema(schema)]}
        return jsonschema.Draft202012Validator(root)

    def errors(self, schema, value):
        v = self.validator(schema)
        return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message)
                for e in sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))]

    def operations(self):
        """(METHOD, template, operation, path item) of every documented route."""
        for template, item in self.raw.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    yield method.upper(), template, item[method], item

    def find(self, method, path):
        """The operation of a concrete path (no query), or None."""
        segs = path.split("/")
        for m, template, op, item in self.operations():
            t = template.split("/")
            if m == method and len(t) == len(segs) and all(
                    a == b or (a.startswith("{") and b and "/" not in b) for a, b in zip(t, segs)):
                return template, op
        return None, None


def pattern(template):
    return re.sub(r"\{[^}/]+\}", "*", template)


# --- static checks -----------------------------------------------------------------------


def check_refs(doc):
    def walk(node, where):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and pointer(doc.raw, ref) is None:
                fault("%s: $ref %s does not resolve" % (where, ref))
            for k, v in node.items():
                walk(v, where + "/" + str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s/%d" % (where, i))
    walk(doc.raw, "#")


def check_stray(doc):
    """A key without a value outside examples: a comma in an unquoted YAML text
    (`description: a, b` in braces makes a key "b"), which JSON Schema would ignore."""
    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("example", "examples", "default", "enum"):
                    continue
                if v is None:
                    fault("%s/%s: a key without a value (quote the text before it)" % (where, k))
                walk(v, "%s/%s" % (where, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s/%d" % (where, i))
    walk(doc.raw, "#")


def check_examples(doc):
    """Every example (of a schema, a parameter, a body, an answer) validates against its schema."""
    n = 0

    def media(where, content):
        nonlocal n
        for mt, m in (content or {}).items():
            schema = m.get("schema")
            if schema is None:
                continue
            named = {k: deref(doc.raw, v).get("value") for k, v in (m.get("examples") or {}).items()}
            if "example" in m:
                named["example"] = m["example"]
            for name, value in named.items():
                n += 1
                for e in doc.errors(schema, value):
                    fault("%s %s example %s: %s" % (where, mt, name, e))

    for name, schema in doc.raw.get("components", {}).get("schemas", {}).items():
        if "example" in schema:
            n += 1
            for e in doc.errors(schema, schema["example"]):
                fault("schema %s: its example: %s" % (name, e))
    for name, r in doc.raw.get("components", {}).get("responses", {}).items():
        media("response " + name, r.get("content"))
    for name, p in doc.raw.get("components", {}).get("parameters", {}).items():
        if "example" in p:
            n += 1
            for e in doc.errors(p["schema"], p["example"]):
                fault("parameter %s example: %s" % (name, e))
    for method, template, op, item in doc.operations():
        where = "%s %s" % (method, template)
        for p in (item.get("parameters") or []) + (op.get("parameters") or []):
            p = deref(doc.raw, p)
            if "example" in p:
                n += 1
                for e in doc.errors(p.get("schema", {}), p["example"]):
                    fault("%s parameter %s example: %s" % (where, p["name"], e))
        body = deref(doc.raw, op.get("requestBody"))
        if body:
            media(where + " request", body.get("content"))
            for mt, m in body.get("content", {}).items():
                if not m.get("examples") and not m.get("example"):
                    fault("%s: its request body (%s) has no example" % (where, mt))
        for status, r in (op.get("responses") or {}).items():
            if "$ref" not in r:
                media("%s %s" % (where, status), r.get("content"))
    return n


def check_routes(doc, routes_file):
    """The documented routes and roles are exactly the route table's."""
    served = {}
    with open(routes_file, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                served[(parts[0], parts[1])] = sorted(parts[2].split(","))
            elif parts:
                fault("routes dump: a line without roles: %r" % line)
    documented = {}
    for method, template, op, item in doc.operations():
        key = (method, pattern(template))
        documented[key] = sorted(op.get("x-eonjena-roles") or [])
        if not documented[key]:
            fault("%s %s: no x-eonjena-roles" % key)
        # the security requirements say the same as the roles
        security = op.get("security", doc.raw.get("security", []))
        public = {} in security
        if public != ("public" in documented[key]):
            fault("%s %s: security %s, roles %s (public needs an empty requirement)"
                  % (method, template, security, documented[key]))
        scraper = any("metricsToken" in s for s in security)
        if scraper != ("scraper" in documented[key]):
            fault("%s %s: the metrics token in security and the scraper role disagree"
                  % (method, template))
        # path parameters: each one in the path, each {name} of the path described
        named = [p["name"] for p in (deref(doc.raw, p) for p in
                 (item.get("parameters") or []) + (op.get("parameters") or [])) if p.get("in") == "path"]
        in_path = re.findall(r"\{([^}/]+)\}", template)
        for name in set(named) ^ set(in_path):
            fault("%s %s: path parameter %s is %s" % (method, template, name,
                  "not in the path" if name in named else "not described"))
    for key in sorted(set(served) - set(documented)):
        fault("the gateway serves %s %s: not in docs/openapi.yaml" % key)
    for key in sorted(set(documented) - set(served)):
        fault("docs/openapi.yaml documents %s %s: the gateway has no such route" % key)
    for key in sorted(set(served) & set(documented)):
        if served[key] != documented[key]:
            fault("%s %s: roles in routes.c %s, in docs/openapi.yaml %s"
                  % (key + (served[key], documented[key])))
    return len(served)


def check_meta(doc):
    """The OpenAPI 3.0 meta-schema, when openapi-spec-validator (pip; Debian 12 has no
    package of it) is installed; False when it is not."""
    try:
        from openapi_spec_validator import validate
    except ImportError:
        return False
    try:
        validate(doc.raw)
    except Exception as e:  # its errors are several classes, each naming the place
        fault("not a valid OpenAPI 3.0 document: %s" % str(e).split("\n")[0][:400])
    return True


def check_all(doc, routes_file):
    """Every static check; (routes, examples) counted."""
    if not str(doc.raw.get("openapi", "")).startswith("3.0"):
        fault("not an OpenAPI 3.0 document")
    check_refs(doc)
    check_stray(doc)
    if FAULTS:  # the schemas cannot be used
        return 0, 0
    examples = check_examples(doc)
    return check_routes(doc, routes_file), examples


def mutants(raw):
    """Documents each with one mistake, and the fault each must get: the checks can fail."""
    m = copy.deepcopy(raw)
    del m["paths"]["/v1/sites"]
    yield m, "the gateway serves GET /v1/sites: not in docs/openapi.yaml"
    m = copy.deepcopy(raw)
    m["paths"]["/v1/nothing"] = copy.deepcopy(raw["paths"]["/v1/sites"])
    yield m, "documents GET /v1/nothing: the gateway has no such route"
    m = copy.deepcopy(raw)
    m["paths"]["/metrics"]["get"]["x-eonjena-roles"] = ["admin", "operator", "scraper"]
    yield m, "GET /metrics: roles in routes.c"
    m = copy.deepcopy(raw)
    ex = m["paths"]["/v1/members"]["post"]["requestBody"]["content"]["application/json"]
    next(iter(ex["examples"].values()))["value"]["nickname"] = "x"
    yield m, "'nickname' was unexpected"
    m = copy.deepcopy(raw)
    m["components"]["schemas"]["Case"]["properties"]["winners"]["items"]["$ref"] += "x"
    yield m, "does not resolve"
    m = copy.deepcopy(raw)
    m["components"]["schemas"]["Problem"]["properties"]["code"]["unknown_field"] = None
    yield m, "Problem/properties/code/unknown_field: a key without a value"


def static(doc_path, routes_file):
    try:
        doc = Doc(doc_path)
    except yaml.YAMLError as e:
        fault("%s does not parse: %s" % (doc_path, e))
        finish("static")
    routes, examples = check_all(doc, routes_file)
    meta = check_meta(doc)
    if FAULTS:
        finish("static")
    print("api.openapi static: the OpenAPI 3.0 meta-schema %s"
          % ("holds" if meta else "not checked (pip install openapi-spec-validator to check it)"))
    print("api.openapi static: %d routes, %d operations, %d examples checked"
          % (routes, len(list(doc.operations())), examples))
    # the checks themselves: each mutant must fail with its fault
    n = 0
    for m, want in mutants(doc.raw):
        QUIET[0] = True
        check_all(Doc(raw=m), routes_file)
        QUIET[0] = False
        caught = FAULTS[:]
        FAULTS.clear()
        n += 1
        if not any(want in f for f in caught):
            fault("a document with a mistake passes: want a fault like %r, got %s" % (want, caught))
    print("api.openapi static: %d documents with a mistake each fail" % n)
    finish("static")


# --- live: a day's work against a running server ----------------------------------------


class Client:
    def __init__(self, doc, api, keys):
        self.doc, self.api, self.keys = doc, api, keys
        self.cookie = None
        self.called = set()  # operationIds
        self.sent = set()  # (operationId, example name)

    def example(self, op_id, name):
        for method, template, op, item in self.doc.operations():
            if op.get("operationId") == op_id:
                body = deref(self.doc.raw, op["requestBody"])
                ex = body["content"]["application/json"]["examples"][name]
                self.sent.add((op_id, name))
                return copy.deepcopy(deref(self.doc.raw, ex)["value"])
        raise KeyError(op_id)

    def call(self, who, method, path, body=None, expect=None, headers=None, query="", stream=0):
        """Send one request as who (a role's key, "session", or None); check the answer
        against the document. Returns (status, parsed body or text, headers). stream: an
        event stream's answer is read until that many messages came (then [(type, data)])."""
        url = self.api + path + (("?" + query) if query else "")
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if who == "session":
            req.add_header("Cookie", "eo_session=" + (self.cookie or ""))
        elif who:
            req.add_header("Authorization", "Bearer " + self.keys[who])
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, hdrs = r.status, r.headers
                raw = read_events(r, stream) if stream else r.read()
        except urllib.error.HTTPError as e:
            status, raw, hdrs = e.code, e.read(), e.headers
        text = raw.decode("utf-8")
        where = "%s %s%s as %s -> %d" % (method, path, "?" + query if query else "", who or "anyone", status)
        value = self.check(method, path, status, hdrs, text, where)
        if expect is not None and status not in (expect if isinstance(expect, tuple) else (expect,)):
            fault("%s: want %s (%s)" % (where, expect, text.strip()[:300]))
        return status, value, hdrs

    def check(self, method, path, status, hdrs, text, where):
        template, op = self.doc.find(method, path)
        if op is None:
            fault("%s: no such operation in the document" % where)
            return None
        self.called.add(op["operationId"])
        responses = op.get("responses", {})
        resp = responses.get(str(status)) or responses.get("default")
        if resp is None:
            fault("%s: status %d is not documented for %s %s (%s)"
                  % (where, status, method, template, text.strip()[:200]))
            return None
        resp = deref(self.doc.raw, resp)
        for name, h in (resp.get("headers") or {}).items():  # a documented header, when sent
            schema = deref(self.doc.raw, h).get("schema") or {}
            if hdrs.get(name) is not None and schema.get("type") == "string":
                for e in self.doc.errors(schema, hdrs.get(name)):
                    fault("%s: header %s: %s" % (where, name, e))
        content = resp.get("content") or {}
        mt = (hdrs.get("Content-Type") or "").split(";")[0].strip()
        if not content:
            return text
        if mt not in content:
            fault("%s: Content-Type %s, documented %s" % (where, mt, sorted(content)))
            return text
        if mt == "text/event-stream":
            return self.check_events(content[mt], text, where)
        if mt != "application/json":
            return text
        try:
            value = json.loads(text)
        except ValueError:
            fault("%s: the body is not JSON: %r" % (where, text[:200]))
            return None
        for e in self.doc.errors(content[mt]["schema"], value):
            fault("%s: the body does not match the schema of %d: %s" % (where, status, e))
        return value

    def check_events(self, media, text, where):
        """[(type, data)] of a text/event-stream body; each data checked against the schema
        of its type in x-eonjena-events."""
        schemas = media.get("x-eonjena-events") or {}
        events = []
        for block in text.split("\n\n"):
            fields = {}
            for line in block.split("\n"):
                if line and not line.startswith(":"):
                    k, _, v = line.partition(":")
                    v = v[1:] if v.startswith(" ") else v
                    fields[k] = fields[k] + "\n" + v if k in fields else v
            if "data" not in fields:
                continue
            kind = fields.get("event", "message")
            try:
                data = json.loads(fields["data"])
            except ValueError:
                fault("%s: a %s message's data is not JSON: %r" % (where, kind, fields["data"]))
                continue
            if kind not in schemas:
                fault("%s: a message of type %s, undocumented" % (where, kind))
                continue
            for e in self.doc.errors(schemas[kind], data):
                fault("%s: a %s message does not match its schema: %s" % (where, kind, e))
            events.append((kind, data))
        return events

    def wait(self, what, fn, timeout=30):
        """A bounded wait on a condition of the server's state."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = fn()
            if got:
                return got
            time.sleep(0.1)
        fault("timed out after %ds waiting for %s" % (timeout, what))
        finish("live")


def read_events(r, n, timeout=15):
    """The first n messages of an event stream (bounded by timeout), as its text."""
    out, block, got, deadline = b"", b"", 0, time.time() + timeout
    try:
        while got < n and time.time() < deadline:
            line = r.readline()
            if not line:
                break
            out += line
            if line.strip():
                block += line
            else:  # a message ends: it counts when it had data (not a comment)
                got += (b"\n" + block).find(b"\ndata:") >= 0
                block = b""
    except OSError:  # the socket's timeout: fewer messages came
        pass
    return out


def offered_carers(c, rid, wave=None):
    """Carers offered case rid (in wave, or the last), once an offer was delivered."""
    s, case, _ = c.call("operator", "GET", "/v1/requests/" + rid, expect=200)
    waves = (case or {}).get("waves") or []
    if wave is not None:
        waves = [w for w in waves if w["wave"] == wave]
    offers = waves[-1]["offers"] if waves else []
    if not any(o["state"] == "delivered" for o in offers):
        return None
    return [o["carer_id"] for o in offers if o["state"] in ("sent", "delivered")]


def live(doc_path, env):
    doc = Doc(doc_path)
    keys = {k[len("EO_KEY_"):]: v for k, v in env.items() if k.startswith("EO_KEY_")}
    c = Client(doc, env["EO_API"], keys)

    # the service and reference data, as anyone
    c.call(None, "GET", "/v1/health", expect=200)
    c.call(None, "GET", "/v1/ready", expect=200)
    c.call("admin", "GET", "/v1/ready", expect=200)
    c.call(None, "GET", "/v1/sites", expect=200)
    c.call(None, "GET", "/v1/dongs", query="site=suwon&q=%ED%8C%8C%EC%9E%A5", expect=200)
    c.call(None, "GET", "/v1/quote", query="site=suwon&start=2026-11-27T22:00&end=2026-11-28T00:00",
           expect=200)
    c.call(None, "GET", "/v1/quote", expect=422,  # in the past: the rules' refusal (lead_time)
           query="site=suwon&start=2026-11-27T10:00&end=2026-11-27T12:00&requested=2026-11-27T19:00")
    c.call(None, "GET", "/v1/quote", query="site=suwon&colour=red", expect=400)
    c.call(None, "GET", "/console", expect=200)
    for name in ("app.js", "console.css", "icon.svg", "index.html"):
        c.call(None, "GET", "/console/" + name, expect=200)
    c.call(None, "GET", "/console/nothing.js", expect=404)
    c.call("admin", "GET", "/metrics", expect=200)
    c.call("operator", "GET", "/metrics", expect=403)
    c.call("scraper", "GET", "/metrics", expect=200)
    c.call("scraper", "GET", "/v1/requests", expect=403)  # the token opens /metrics only
    c.call("scraper", "GET", "/v1/sites", expect=200)  # and public routes

    # the change feed from now on: its first message says where it starts
    s, events, _ = c.call("operator", "GET", "/v1/events", expect=200, stream=1)
    feed_start = events[0][1]["cursor"] if events and events[0][0] == "ready" else ""

    # the operator logs in to the console
    login = c.example("sessionLogin", "operator")
    login.update(id=env["EO_LOGIN_ID"], password=env["EO_LOGIN_PASSWORD"])
    s, who, hdrs = c.call(None, "POST", "/v1/session", body=login, expect=200)
    m = re.search(r"eo_session=([0-9a-f]{64})", hdrs.get("Set-Cookie") or "")
    if not m:
        fault("the login set no session cookie")
        finish("live")
    c.cookie = m.group(1)
    c.call(None, "POST", "/v1/session", body={"id": env["EO_LOGIN_ID"], "password": "wrong"},
           expect=401)

    # a member app registers a family; the operator finds and verifies the member
    member = c.example("membersCreate", "family")
    mid = member["id"]
    c.call("member_app", "POST", "/v1/members", body=member, expect=201)
    c.call("member_app", "POST", "/v1/members", body=member, expect=200)  # an update
    c.call("operator", "GET", "/v1/members", query="site=suwon&phone=" + member["phone"], expect=200)
    c.call("member_app", "GET", "/v1/members/" + mid, expect=200)
    c.call("operator", "POST", "/v1/members/%s/verify" % mid, body=c.example("memberVerify", "verified"),
           expect=200)
    c.call("member_app", "GET", "/v1/members/%s/restrictions" % mid, expect=200)
    c.call("member_app", "GET", "/v1/members/nobody", expect=404)

    # the member asks for care tonight, twice (the second with the client's key)
    s, r1, hdrs = c.call("member_app", "POST", "/v1/requests", body=c.example("requestCreate", "visit"),
                         expect=201)
    r1 = r1["id"]
    if hdrs.get("Location") != "/v1/requests/" + r1:
        fault("intake: Location %s" % hdrs.get("Location"))
    second = c.example("requestCreate", "with_client_id")
    s, r2, _ = c.call("member_app", "POST", "/v1/requests", body=second, expect=201)
    r2 = r2["id"]
    s, again, hdrs = c.call("member_app", "POST", "/v1/requests", body=second, expect=201)
    if again["id"] != r2 or hdrs.get("Idempotent-Replayed") != "true":
        fault("the same client id again is not the same case, replayed")
    changed = dict(second, address="다른 주소 2")
    c.call("member_app", "POST", "/v1/requests", body=changed, expect=409)  # idempotency_conflict
    bad = dict(c.example("requestCreate", "visit"), colour="red", dong="4111199999")
    s, err, _ = c.call("operator", "POST", "/v1/requests", body=bad, expect=400)
    if err and len(err["error"].get("details", [])) != 2:
        fault("two faults, want both in error.details: %s" % err)
    c.call("carer_app", "POST", "/v1/requests", body=c.example("requestCreate", "visit"), expect=403)
    c.call(None, "GET", "/v1/requests", expect=401)

    c.call("member_app", "GET", "/v1/requests/" + r1, expect=200)
    c.call("operator", "GET", "/v1/requests/" + r1, expect=200)
    c.call("operator", "GET", "/v1/requests/suwon-000000000000000000000000", expect=404)
    c.call("member_app", "GET", "/v1/requests", query="limit=10", expect=200)
    c.call("operator", "GET", "/v1/requests", query="site=suwon&state=offering,settled&limit=1", expect=200)
    c.call("session", "GET", "/v1/requests/%s/events" % r1, expect=200)

    # the carers: one declines, one accepts; the winner starts and ends the service
    carers = c.wait("case %s offered" % r1, lambda: offered_carers(c, r1))
    winner = carers[0]
    if len(carers) > 1:
        c.call("carer_app", "POST", "/v1/offers/%s:%d/decline" % (r1, carers[1]), expect=200)
    c.call("carer_app", "POST", "/v1/offers/%s:%d/accept" % (r1, winner), expect=200)
    if len(carers) > 2:  # too late: the case is settled
        c.call("carer_app", "POST", "/v1/offers/%s:%d/accept" % (r1, carers[2]), expect=409)
    c.call("carer_app", "POST", "/v1/offers/%s:1/accept" % "suwon-000000000000000000000000", expect=404)
    c.call("carer_app", "GET", "/v1/carers/%d/offers" % winner, expect=200)
    c.call("carer_app", "POST", "/v1/bookings/%s:%d/start" % (r1, winner), expect=200)
    c.call("carer_app", "POST", "/v1/bookings/%s:%d/end" % (r1, winner), expect=200)
    c.call("member_app", "POST", "/v1/requests/%s/payment" % r1,
           body=c.example("requestPayment", "paid"), expect=(200, 422))
    c.call("operator", "GET", "/v1/requests/" + r1, expect=200)

    # the second case: its winner withdraws, the member cancels
    carers = c.wait("case %s offered" % r2, lambda: offered_carers(c, r2))
    c.call("carer_app", "POST", "/v1/offers/%s:%d/accept" % (r2, carers[0]), expect=200)
    c.call("carer_app", "POST", "/v1/bookings/%s:%d/withdraw" % (r2, carers[0]),
           body=c.example("bookingWithdraw", "sick"), expect=200)
    c.call("member_app", "POST", "/v1/requests/%s/cancel" % r2,
           body=c.example("requestCancel", "reason"), expect=200)
    c.call("member_app", "POST", "/v1/requests/%s/cancel" % r2, expect=409)  # not_cancellable
    c.call("operator", "GET", "/v1/requests/" + r2, expect=200)

    # an operator's actions: reoffer, move, assign by hand; close another case
    s, r3, _ = c.call("operator", "POST", "/v1/requests", body=dict(c.example("requestCreate", "visit"),
                      member={"id": "m-1002", "phone": "010-1234-5679", "verified": True}), expect=201)
    r3 = r3["id"]
    carers = c.wait("case %s offered" % r3, lambda: offered_carers(c, r3))
    c.call("operator", "POST", "/v1/requests/%s/reoffer" % r3, expect=(200, 422))  # 422: no_candidates
    c.call("operator", "POST", "/v1/requests/%s/reschedule" % r3,
           body=c.example("requestReschedule", "later"), expect=200)
    assign = c.example("requestAssign", "carer")
    assign["carer_id"] = carers[0]
    c.call("operator", "POST", "/v1/requests/%s/assign" % r3, body=assign, expect=(200, 422))
    s, r4, _ = c.call("operator", "POST", "/v1/requests", body=dict(c.example("requestCreate", "visit"),
                      member={"id": "m-1003", "phone": "010-1234-5670", "verified": True}), expect=201)
    c.call("operator", "POST", "/v1/requests/%s/close" % r4["id"],
           body=c.example("requestClose", "duplicate"), expect=200)
    c.call("operator", "POST", "/v1/requests/%s/close" % r4["id"], body={"reason": ""}, expect=400)

    # carers: list, a new one, their hours and consent, deactivated
    c.call("carer_app", "GET", "/v1/carers", query="site=suwon&limit=3", expect=200)
    c.call("carer_app", "GET", "/v1/carers", expect=400)  # site is required
    carer = c.example("carersCreate", "visit")
    cid = carer["id"]
    s, _, hdrs = c.call("operator", "POST", "/v1/carers", body=carer, expect=201)
    c.call("carer_app", "GET", "/v1/carers/%d" % cid, expect=200)
    c.call("carer_app", "PUT", "/v1/carers/%d/availability" % cid,
           body=c.example("carerAvailability", "nights"), expect=200)
    c.call("carer_app", "PUT", "/v1/carers/%d/consent" % cid,
           body=c.example("carerConsent", "consent"), expect=200)
    c.call("operator", "POST", "/v1/carers/%d/deactivate" % cid,
           body=c.example("carerDeactivate", "left"), expect=200)
    c.call("operator", "GET", "/v1/carers/999999", expect=404)

    # the calendar
    c.call(None, "GET", "/v1/holidays", query="from=2026-12-01&to=2026-12-31", expect=200)
    day = c.example("holidaysAdd", "temporary")
    c.call("admin", "POST", "/v1/holidays", body=day, expect=201)
    c.call("admin", "POST", "/v1/holidays", body=day, expect=409)
    c.call("operator", "POST", "/v1/holidays", body=day, expect=403)
    c.call("admin", "DELETE", "/v1/holidays/" + day["date"], expect=200)
    c.call("admin", "DELETE", "/v1/holidays/" + day["date"], expect=404)

    # the provider's queue
    s, queue, _ = c.call("provider", "GET", "/v1/providers/suwon-provider/handoffs", expect=200)
    items = (queue or {}).get("items") or []
    item = items[0]["id"] if items else "no-such-item"
    c.call("provider", "POST", "/v1/providers/suwon-provider/handoffs/%s/ack" % item,
           expect=200 if items else 404)
    c.call("provider", "GET", "/v1/providers/guri-provider/handoffs", expect=404)

    # the change feed: the stream from where the first one started has the night's changes
    s, events, _ = c.call("operator", "GET", "/v1/events", expect=200, stream=4,
                          headers={"Last-Event-ID": feed_start})
    if not any(e[0] == "message" for e in events or []):
        fault("the change feed resumed from its start has no change: %s" % events)
    c.call("operator", "GET", "/v1/events", query="colour=red", expect=400)
    hook = c.example("webhooksPut", "backend")
    hook["url"] = "http://127.0.0.1:9/feed"  # nothing listens: deliveries fail and retry
    c.call("member_app", "POST", "/v1/webhooks", body=hook, expect=201)
    c.call("member_app", "POST", "/v1/webhooks", body=hook, expect=200)
    c.call("member_app", "GET", "/v1/webhooks", expect=200)
    c.call("member_app", "DELETE", "/v1/webhooks", expect=204)
    c.call("member_app", "GET", "/v1/webhooks", expect=404)
    c.call("member_app", "POST", "/v1/webhooks", body={"url": "ftp://x"}, expect=400)

    # the operator restricts the member; the console session ends
    c.call("operator", "POST", "/v1/members/%s/restrictions" % mid,
           body=c.example("memberRestrict", "noshow"), expect=201)
    c.call("session", "DELETE", "/v1/session", expect=200)
    c.call("session", "GET", "/v1/requests/" + r1, expect=401)

    # every operation was called, every body example sent
    for method, template, op, item in doc.operations():
        if op["operationId"] not in c.called:
            fault("%s %s (%s) was never called" % (method, template, op["operationId"]))
        body = deref(doc.raw, op.get("requestBody"))
        for name in ((body or {}).get("content", {}).get("application/json", {}).get("examples") or {}):
            if (op["operationId"], name) not in c.sent:
                fault("%s %s: request example %s was never sent" % (method, template, name))
    print("api.openapi live: %d operations called" % len(c.called))
    finish("live")


if __name__ == "__main__":
    import os
    if len(sys.argv) == 4 and sys.argv[1] == "static":
        static(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "live":
        live(sys.argv[2], os.environ)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
