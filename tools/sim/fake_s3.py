#!/usr/bin/env python3
"""A fake of Amazon S3 on loopback, for tests and the local stack, that checks what S3 checks.

Every request's SigV4 signature is verified with botocore (Debian's python3-botocore: an
implementation independent of callstream's), whether it is signed in the Authorization header
(as libcurl's CURLOPT_AWS_SIGV4 signs uploads) or in the query (a presigned URL, which also
expires). Header-signed requests must claim their payload (x-amz-content-sha256: its SHA-256,
or UNSIGNED-PAYLOAD), as S3 requires, and a hash must match the body; x-amz-checksum-sha256 and Content-MD5 must
match it too. Objects are kept in memory, path-style (/bucket/key) or virtual-hosted
(Host: bucket.<anything>).

    PUT    /bucket/key                   store (ETag, the checksum echoed)
    HEAD   /bucket/key                   size, ETag; the SHA-256 with x-amz-checksum-mode: ENABLED
    GET    /bucket/key                   the bytes; Range answered 206
    DELETE /bucket/key                   204
    POST   /bucket/key?uploads           CreateMultipartUpload
    PUT    /bucket/key?partNumber=N&uploadId=U   UploadPart
    POST   /bucket/key?uploadId=U        CompleteMultipartUpload (the parts' ETags checked)
    DELETE /bucket/key?uploadId=U        AbortMultipartUpload

Errors are S3's XML: SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied (an expired URL),
BadDigest, XAmzContentSHA256Mismatch, NoSuchKey, NoSuchBucket, NoSuchUpload, InvalidPart.

Failures on demand, for the retry paths:
    POST /_fake/plan     {"responses": [{"status": 500}, {"delay": 3}, {"drop": true},
                         {"tamper": true}]} scripts the next requests in order ("drop": the
                         connection closes halfway through the body, as a crash or a cut network
                         would; "tamper": a HEAD or GET answers for other bytes than stored, as
                         if the object had been replaced)
    GET  /_fake/requests every request so far: [{"method", "path", "query", "status", "time"}]
    GET  /_fake/objects  {"bucket/key": {"size", "sha256", "etag"}}
    POST /_fake/reset    forgets requests, objects, uploads and the plan

    tools/sim/fake_s3.py --port 0 --port-file /tmp/port --bucket archive \\
        --access-key AKIA... --secret-key ... [--region us-east-1]
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import loopback

AUTH = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
                  r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


class S3Error(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class State:
    def __init__(self, buckets, access_key, secret_key, region):
        self.buckets, self.access_key, self.secret_key, self.region = set(buckets), access_key, secret_key, region
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.objects, self.uploads, self.requests, self.plan = {}, {}, [], []


def timestamp_of(amz_date):
    return datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def verify_header_auth(state, method, host, raw_path, raw_query, headers, body):
    """The Authorization header's signature, recomputed by botocore over the signed headers."""
    m = AUTH.match(headers.get("Authorization", ""))
    if not m:
        raise S3Error(403, "AccessDenied", "a SigV4 Authorization header is required")
    key, day, region, signed, signature = m.groups()
    if key != state.access_key:
        raise S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    amz_date = headers.get("X-Amz-Date", "")
    if not amz_date.startswith(day) or region != state.region:
        raise S3Error(403, "SignatureDoesNotMatch", "the credential scope does not match the request")
    if abs((timestamp_of(amz_date) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) > 900:
        raise S3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
    content_sha = headers.get("X-Amz-Content-SHA256", "")
    if not content_sha:  # S3 signs its payload claim: no claim, no request
        raise S3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
    if re.fullmatch(r"[0-9a-f]{64}", content_sha) and hashlib.sha256(body).hexdigest() != content_sha:
        raise S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
    names = signed.split(";")
    signed_headers = {n: (host if n == "host" else headers.get(n, "")) for n in names}
    request = AWSRequest(method=method, url="http://%s%s%s" % (host, raw_path, "?" + raw_query if raw_query else ""),
                         headers=signed_headers)
    request.context["timestamp"] = amz_date
    auth = S3SigV4Auth(Credentials(state.access_key, state.secret_key), "s3", state.region)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    if not hmac.compare_digest(expected, signature):
        raise S3Error(403, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you provided.")


def verify_query_auth(state, method, host, raw_path, raw_query):
    """A presigned URL: botocore recomputes the signature over the query without it; not expired."""
    pairs = [p.partition("=") for p in raw_query.split("&")]
    fields = {urllib.parse.unquote(k): urllib.parse.unquote(v) for k, _, v in pairs}
    credential = fields.get("X-Amz-Credential", "").split("/")
    if len(credential) != 5 or credential[0] != state.access_key:
        raise S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    amz_date, expires = fields.get("X-Amz-Date", ""), int(fields.get("X-Amz-Expires", "0") or 0)
    if (datetime.datetime.now(datetime.timezone.utc) - timestamp_of(amz_date)).total_seconds() > expires:
        raise S3Error(403, "AccessDenied", "Request has expired")
    unsigned = "&".join(k + "=" + v for k, _, v in pairs if k != "X-Amz-Signature")
    names = fields.get("X-Amz-SignedHeaders", "host").split(";")
    request = AWSRequest(method=method, url="http://%s%s?%s" % (host, raw_path, unsigned),
                         headers={n: host for n in names if n == "host"})
    request.context["timestamp"] = amz_date
    auth = S3SigV4QueryAuth(Credentials(state.access_key, state.secret_key), "s3", credential[2], expires=expires)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    if not hmac.compare_digest(expected, fields.get("X-Amz-Signature", "")):
        raise S3Error(403, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you provided.")


def check_digests(headers, body):
    sha = headers.get("x-amz-checksum-sha256")
    if sha and base64.b64encode(hashlib.sha256(body).digest()).decode() != sha:
        raise S3Error(400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.")
    md5 = headers.get("Content-MD5")
    if md5 and base64.b64encode(hashlib.md5(body).digest()).decode() != md5:
        raise S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
    return sha


def xml(root, **fields):
    inner = "".join("<%s>%s</%s>" % (k, v, k) for k, v in fields.items())
    return ('<?xml version="1.0" encoding="UTF-8"?><%s xmlns="http://s3.amazonaws.com/doc/2006-03-01/">%s</%s>'
            % (root, inner, root)).encode()


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body=b"", headers=(), content_type="application/xml"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.status = status

        def fake(self, path, body):
            with state.lock:
                if path == "/_fake/requests":
                    return self.answer(200, json.dumps(state.requests).encode(), content_type="application/json")
                if path == "/_fake/objects":
                    objects = {k: {"size": len(o["body"]), "sha256": hashlib.sha256(o["body"]).hexdigest(),
                                   "etag": o["etag"]} for k, o in state.objects.items()}
                    return self.answer(200, json.dumps(objects).encode(), content_type="application/json")
                if path == "/_fake/plan":
                    state.plan.extend(json.loads(body)["responses"])
                elif path == "/_fake/reset":
                    state.reset()
            self.answer(200, b'{"ok": true}', content_type="application/json")

        def read_body(self, step):
            n = int(self.headers.get("Content-Length", "0") or 0)
            if step.get("drop"):
                self.rfile.read(n // 2)
                self.close_connection = True
                raise ConnectionAbortedError("dropped halfway through the body, as planned")
            return self.rfile.read(n) if n else b""

        def locate(self, raw_path):
            """(bucket, key) from the path (path-style) or the Host header (virtual-hosted)."""
            host = self.headers.get("Host", "")
            first, _, rest = raw_path.lstrip("/").partition("/")
            if first in state.buckets:
                return first, urllib.parse.unquote(rest)
            bucket = host.split(".", 1)[0]
            if "." in host and bucket in state.buckets:
                return bucket, urllib.parse.unquote(raw_path.lstrip("/"))
            raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist")

        def handle_any(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path.startswith("/_fake/"):
                n = int(self.headers.get("Content-Length", "0") or 0)
                return self.fake(url.path, self.rfile.read(n) if n else b"")
            with state.lock:
                step = state.plan.pop(0) if state.plan else {}
            entry = {"method": self.command, "path": url.path, "query": url.query, "status": None,
                     "time": time.time()}
            self.step = step
            with state.lock:
                state.requests.append(entry)
            self.status = 0
            try:
                body = self.read_body(step)
                if step.get("delay"):
                    time.sleep(step["delay"])
                if step.get("status"):
                    raise S3Error(step["status"], "InternalError" if step["status"] >= 500 else "Planned",
                                  "We encountered an internal error. Please try again.")
                host = self.headers.get("Host", "")
                if "X-Amz-Signature=" in url.query:
                    verify_query_auth(state, self.command, host, url.path, url.query)
                else:
                    verify_header_auth(state, self.command, host, url.path, url.query, self.headers, body)
                self.operate(url, body)
            except S3Error as e:
                self.answer(e.status, xml("Error", Code=e.code, Message=e.message))
            except ConnectionAbortedError:
                pass
            entry["status"] = self.status

        def operate(self, url, body):
            bucket, key = self.locate(url.path)
            name = bucket + "/" + key
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if "uploads" in query or "uploadId" in query:
                return self.multipart(name, query, body)
            if self.command == "PUT":
                sha = check_digests(self.headers, body)
                etag = '"%s"' % hashlib.md5(body).hexdigest()
                with state.lock:
                    state.objects[name] = {"body": body, "etag": etag}
                return self.answer(200, headers=[("ETag", etag)] + ([("x-amz-checksum-sha256", sha)] if sha else []))
            with state.lock:
                obj = state.objects.get(name)
            if self.command == "DELETE":
                with state.lock:
                    state.objects.pop(name, None)
                return self.answer(204)
            if obj is None:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
            self.serve(obj)

        def serve(self, obj):
            data = obj["body"] + (b"tampered" if self.step.get("tamper") else b"")
            headers = [("ETag", obj["etag"]), ("Accept-Ranges", "bytes")]
            if self.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED":
                headers.append(("x-amz-checksum-sha256", base64.b64encode(hashlib.sha256(data).digest()).decode()))
            m = re.match(r"^bytes=(\d+)-(\d*)$", self.headers.get("Range", ""))
            if m and self.command == "GET":
                start = int(m.group(1))
                end = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
                headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end, len(data))))
                return self.answer(206, data[start:end + 1], headers, content_type="audio/wav")
            if self.command == "HEAD":
                self.send_response(200)
                for k, v in headers + [("Content-Length", str(len(data))), ("Content-Type", "audio/wav")]:
                    self.send_header(k, v)
                self.end_headers()
                self.status = 200
                return
            self.answer(200, data, headers, content_type="audio/wav")

        def multipart(self, name, query, body):
            if "uploads" in query and self.command == "POST":
                upload = uuid.uuid4().hex
                with state.lock:
                    state.uploads[upload] = {"name": name, "parts": {}}
                return self.answer(200, xml("InitiateMultipartUploadResult", Bucket=name.split("/")[0],
                                            Key=name.split("/", 1)[1], UploadId=upload))
            upload_id = query.get("uploadId", [""])[0]
            with state.lock:
                upload = state.uploads.get(upload_id)
            if upload is None or upload["name"] != name:
                raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.")
            if self.command == "PUT":
                sha = check_digests(self.headers, body)
                etag = '"%s"' % hashlib.md5(body).hexdigest()
                with state.lock:
                    upload["parts"][int(query["partNumber"][0])] = (body, etag)
                return self.answer(200, headers=[("ETag", etag)] + ([("x-amz-checksum-sha256", sha)] if sha else []))
            if self.command == "DELETE":
                with state.lock:
                    state.uploads.pop(upload_id, None)
                return self.answer(204)
            return self.complete(name, upload_id, upload, body)

        def complete(self, name, upload_id, upload, body):
            listed = [(int(n), e) for n, e in re.findall(
                r"<PartNumber>(\d+)</PartNumber>\s*<ETag>([^<]+)</ETag>", body.decode())]
            parts = upload["parts"]
            if not listed or any(n not in parts or parts[n][1] != e.replace("&quot;", '"') for n, e in listed):
                raise S3Error(400, "InvalidPart", "One or more of the specified parts could not be found.")
            data = b"".join(parts[n][0] for n, _ in sorted(listed))
            digest = hashlib.md5(b"".join(bytes.fromhex(parts[n][1].strip('"')) for n, _ in sorted(listed)))
            etag = '"%s-%d"' % (digest.hexdigest(), len(listed))
            with state.lock:
                state.objects[name] = {"body": data, "etag": etag}
                state.uploads.pop(upload_id, None)
            self.answer(200, xml("CompleteMultipartUploadResult", Key=name.split("/", 1)[1], ETag=etag))

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--bucket", action="append", required=True)
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--region", default="us-east-1")
    args = ap.parse_args()
    state = State(args.bucket, args.access_key, args.secret_key, args.region)
    loopback.serve(make_handler(state), args.port, args.port_file, "fake S3")


if __name__ == "__main__":
    sys.exit(main())
