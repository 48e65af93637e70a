#!/usr/bin/env python3
"""The fake S3 (tools/sim/fake_s3.py) checks what S3 checks. Uploads signed by libcurl's own
SigV4 (curl --aws-sigv4, what the archiver uses) are taken, with their checksum; a wrong secret,
a wrong checksum, a tampered or expired presigned URL are refused with S3's codes; callstream's
presigned URLs (tests/tools/sigv4_presign) are accepted; multipart uploads signed by botocore
assemble; planned failures happen (500, a connection dropped mid-upload). callstream's own S3
client (libs/s3, through tests/tools/s3_put) uploads path-style and virtual-hosted, in one PUT
and in parts, and its objects are byte for byte the file; a wrong secret is reported."""
import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PRESIGN, S3_PUT = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY, SECRET, REGION = "AKIAFAKES3TEST", "fake/s3+secret", "us-east-1"


def curl(url, *args, secret=SECRET, payload="UNSIGNED-PAYLOAD"):
    claim = ["-H", "x-amz-content-sha256: " + payload] if payload else []
    out = subprocess.run(["curl", "-s", "-o", "/dev/stdout", "-w", "\n%{http_code}", "--aws-sigv4",
                          "aws:amz:%s:s3" % REGION, "--user", "%s:%s" % (KEY, secret), *claim, *args, url],
                         capture_output=True, timeout=30, check=True)
    body, _, status = out.stdout.rpartition(b"\n")
    return int(status), body


def signed(method, url, body=b""):
    """A request signed by botocore, sent as is."""
    request = AWSRequest(method=method, url=url, data=body)
    S3SigV4Auth(Credentials(KEY, SECRET), "s3", REGION).add_auth(request)
    parts = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    c.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body,
              headers=dict(request.headers.items()))
    r = c.getresponse()
    return r.status, r.read()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def presigned(port, path, at, expires):
    return subprocess.run([PRESIGN, KEY, SECRET, "", REGION, "http", "127.0.0.1:%d" % port, path, str(at),
                           str(expires)], check=True, capture_output=True, text=True).stdout.strip()


def start():
    port_file = tempfile.mktemp()
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools/sim/fake_s3.py"), "--port-file", port_file,
                             "--bucket", "archive", "--access-key", KEY, "--secret-key", SECRET])
    for _ in range(100):
        if os.path.exists(port_file):
            return proc, int(open(port_file).read())
        time.sleep(0.05)
    raise AssertionError("the fake S3 did not start")


def check_uploads(base, data):
    sha = base64.b64encode(hashlib.sha256(data).digest()).decode()
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        url = base + "/archive/recordings/2026/12/03/CA1/RE%201.wav"
        status, body = curl(url, "-T", f.name, "-H", "x-amz-checksum-sha256: " + sha)
        assert status == 200, (status, body)
        status, body = curl(url, "-T", f.name, payload=None)  # S3 wants the payload claimed
        assert status == 400 and b"x-amz-content-sha256" in body, (status, body)
        status, body = curl(url, "-T", f.name, secret="not-the-secret")
        assert status == 403 and b"SignatureDoesNotMatch" in body, (status, body)
        wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
        status, body = curl(url, "-T", f.name, "-H", "x-amz-checksum-sha256: " + wrong)
        assert status == 400 and b"BadDigest" in body, (status, body)
    status, body = curl(url)
    assert status == 200 and body == data, status
    status, _ = curl(url, "-I", "-H", "x-amz-checksum-mode: ENABLED")
    assert status == 200


def check_presigned(port, data):
    now = int(time.time())
    url = presigned(port, "/archive/recordings/2026/12/03/CA1/RE 1.wav", now, 300)
    assert get(url) == (200, data)
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    status, body = get(tampered)
    assert status == 403 and b"SignatureDoesNotMatch" in body, (status, body)
    status, body = get(presigned(port, "/archive/recordings/2026/12/03/CA1/RE 1.wav", now - 600, 60))
    assert status == 403 and b"expired" in body, (status, body)


def check_multipart(base):
    url = base + "/archive/big/RE2.wav"
    status, body = signed("POST", url + "?uploads")
    assert status == 200, (status, body)
    upload = body.decode().split("<UploadId>")[1].split("</UploadId>")[0]
    parts, etags = [b"a" * (5 << 20), b"b" * 1000], []
    for n, part in enumerate(parts, 1):
        status, _ = signed("PUT", url + "?partNumber=%d&uploadId=%s" % (n, upload), part)
        assert status == 200
        etags.append('"%s"' % hashlib.md5(part).hexdigest())
    done = "<CompleteMultipartUpload>%s</CompleteMultipartUpload>" % "".join(
        "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>" % (n, e) for n, e in enumerate(etags, 1))
    status, body = signed("POST", url + "?uploadId=" + upload, done.encode())
    assert status == 200 and b"-2" in body, (status, body)
    assert signed("GET", url) == (200, b"".join(parts))


def check_failures(base, port):
    data = b"retry me"
    urllib.request.urlopen(urllib.request.Request(base + "/_fake/plan", data=json.dumps(
        {"responses": [{"status": 500}, {"drop": True}]}).encode()), timeout=10).read()
    url = base + "/archive/flaky.wav"
    assert signed("PUT", url, data)[0] == 500
    try:
        signed("PUT", url, data * 1000)
        raise AssertionError("the planned drop did not happen")
    except (ConnectionError, http.client.HTTPException):
        pass
    assert signed("PUT", url, data)[0] == 200
    objects = json.loads(urllib.request.urlopen(base + "/_fake/objects", timeout=10).read())
    assert objects["archive/flaky.wav"]["sha256"] == hashlib.sha256(data).hexdigest(), objects


def ours_put(endpoint, path_style, key, data, threshold=64 << 20, secret=SECRET):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = subprocess.run([S3_PUT, endpoint, "archive", "1" if path_style else "0", KEY, secret, key, f.name,
                              str(threshold), str(5 << 20)], capture_output=True, text=True, timeout=60)
    return out.returncode, out.stdout.split()


def check_our_client(base, port):
    objects = lambda: json.loads(urllib.request.urlopen(base + "/_fake/objects", timeout=10).read())
    small = os.urandom(200_000)
    rc, words = ours_put(base, True, "recordings/2026/12/03/CA2/RE 2.wav", small)
    sha = base64.b64encode(hashlib.sha256(small).digest()).decode()
    assert rc == 0 and words[2:] == ["head", str(len(small)), sha], words
    assert objects()["archive/recordings/2026/12/03/CA2/RE 2.wav"]["sha256"] == hashlib.sha256(small).hexdigest()
    # Virtual-hosted: bucket.localhost resolves to loopback.
    rc, words = ours_put("http://localhost:%d" % port, False, "vh/RE3.wav", small)
    assert rc == 0, words
    big = os.urandom(12 << 20)  # three parts of 5 MiB, 5 MiB and 2 MiB
    rc, words = ours_put(base, True, "big/RE4.wav", big, threshold=8 << 20)
    assert rc == 0 and words[1].endswith('-3"') and words[3] == str(len(big)), words
    assert objects()["archive/big/RE4.wav"]["sha256"] == hashlib.sha256(big).hexdigest()
    rc, words = ours_put(base, True, "x/RE5.wav", small, secret="wrong")
    assert rc == 1 and words == ["error", "403", "SignatureDoesNotMatch"], words


def main():
    proc, port = start()
    base = "http://127.0.0.1:%d" % port
    try:
        data = os.urandom(300_000)
        check_uploads(base, data)
        check_presigned(port, data)
        check_multipart(base)
        check_failures(base, port)
        check_our_client(base, port)
        print("the fake S3 checks signatures and checksums, and fails on demand")
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
