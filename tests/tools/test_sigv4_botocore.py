#!/usr/bin/env python3
"""callstream's presigned S3 URLs equal botocore's (Debian's python3-botocore, an independent
implementation) for the same credentials, object and time: virtual-hosted and path-style, a
custom endpoint with a port, keys with spaces, '+', UTF-8 and slashes, temporary credentials."""
import datetime
import subprocess
import sys
import unittest.mock
import urllib.parse

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TOOL = sys.argv[1]
NOW = 1764777600  # 2025-12-03T16:00:00Z


def botocore_url(key, secret, token, region, url, expires):
    auth = S3SigV4QueryAuth(Credentials(key, secret, token or None), "s3", region, expires=expires)
    request = AWSRequest(method="GET", url=url)
    with unittest.mock.patch("botocore.auth.datetime") as clock:
        clock.datetime.utcnow.return_value = datetime.datetime.utcfromtimestamp(NOW)
        auth.add_auth(request)
    return request.url


def ours(key, secret, token, region, scheme, host, path, expires):
    out = subprocess.run([TOOL, key, secret, token, region, scheme, host, path, str(NOW), str(expires)],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def query(url):
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc, parts.path, sorted(urllib.parse.parse_qsl(parts.query))


CASES = [
    ("AKIAEXAMPLE", "secret/with+chars", "", "eu-west-1", "https", "archive.s3.eu-west-1.amazonaws.com",
     "/recordings/2026/12/03/CA0123/RE0456.wav", 900),
    ("AKIAEXAMPLE", "s3cr3t", "", "us-east-1", "http", "127.0.0.1:9000",
     "/bucket/recordings/a b+c/\u00e7\u00e3o.wav", 3600),
    ("ASIAEXAMPLE", "tmpsecret", "FwoGZXIvYXdzEXAMPLE//token+/=", "sa-east-1", "https",
     "archive.s3.sa-east-1.amazonaws.com", "/k/RE1.wav", 604800),
]


def main():
    for key, secret, token, region, scheme, host, path, expires in CASES:
        encoded = urllib.parse.quote(path, safe="/~")
        theirs = botocore_url(key, secret, token, region, "%s://%s%s" % (scheme, host, encoded), expires)
        mine = ours(key, secret, token, region, scheme, host, path, expires)
        assert query(mine) == query(theirs), "\nours:     %s\nbotocore: %s" % (mine, theirs)
        print("same as botocore:", mine[:90] + "...")


if __name__ == "__main__":
    main()
