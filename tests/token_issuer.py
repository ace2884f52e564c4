#!/usr/bin/env python3
"""token_issuer.py PORT KEY CERT - a Bearer token issuer for test_pull.c.

The registry (auth: token) answers 401 with WWW-Authenticate: Bearer
realm=http://127.0.0.1:PORT/token; clients GET
/token?service=..&scope=repository:NAME:ACTIONS here and receive a JWT
(RS256, signed with KEY by the openssl CLI; the certificate travels in the
x5c header and is the registry's rootcertbundle). Every repository gets what
it asks for, except those under forbidden/, which get no access.
Spec: distribution/distribution docs/spec/auth/jwt.md.
"""
import base64, http.server, json, subprocess, sys, time, urllib.parse

PORT, KEY, CERT = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ISSUER, LIFETIME = "kobako-test-issuer", 300


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der():
    pem = open(CERT).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END")[0]
    return base64.b64encode(base64.b64decode(body)).decode()


def token(service, scopes):
    access = []
    for scope in scopes:
        kind, name, actions = scope.split(":", 2) if scope.count(":") >= 2 else ("", "", "")
        if kind == "repository" and not name.startswith("forbidden/"):
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [cert_der()]}
    claims = {"iss": ISSUER, "sub": "test", "aud": service, "exp": now + LIFETIME,
              "nbf": now - 10, "iat": now, "jti": str(now), "access": access}
    signing = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing.encode(),
                         capture_output=True, check=True).stdout
    return signing + "." + b64(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        print("GET", self.path, flush=True)
        if url.path != "/token":
            self.send_error(404)
            return
        scopes = [s for scope in query.get("scope", []) for s in scope.split(" ")]
        body = json.dumps({"token": token(query.get("service", [""])[0], scopes),
                           "expires_in": LIFETIME}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
