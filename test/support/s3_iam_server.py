"""An S3 API server on loopback with IAM enforcement on (moto), holding one bucket and one role, for tests.

  .venv/bin/python test/support/s3_iam_server.py <manifest.json> <decisions.jsonl>

The manifest names the bucket, the objects to put (key + local file or inline content) and the role (trust
policy, inline policy). No bucket policy: moto applies a bucket policy's Deny statements to object requests with
their conditions ignored, so the stack's TLS-only policy (Deny unless aws:SecureTransport) would deny every read;
the tests decide the bucket policy with a real IAM evaluator instead. Set-up runs with authentication off; then the server assumes the role
through AssumeRoleWithWebIdentity (as IRSA does), turns moto's IAM enforcement on (POST /moto-api/reset-auth,
the server-mode form of INITIAL_NO_AUTH_ACTION_COUNT), checks that enforcement really denies a call the role's
policy does not grant, and prints one line, `READY <json>`, with the endpoint and the session credentials.

Every S3 authorisation moto makes after that is appended to decisions.jsonl (method, IAM action, resource,
s3:prefix/delimiter of listings, moto's verdict), so a test can also evaluate the exact calls with a real IAM
evaluator: moto 5.2.5 evaluates Action and Resource only (it ignores conditions such as s3:prefix and
aws:SecureTransport, and resource policies).

One correction to moto: it authorises HeadBucket as `s3:HeadBucket`, an action IAM does not have. S3
authorises HeadBucket as `s3:ListBucket` (AWS S3 API reference, HeadBucket: "you must have permissions to
perform the s3:ListBucket action"), which is the call defect #1 is about, so the server maps it that way.

Stops on SIGTERM/SIGINT, or when its parent process is gone.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import sys
import threading
import urllib.parse
import urllib.request

PROBE_KEY = "probe/not-granted"


def fail(message: str) -> None:
    print(f"s3_iam_server: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def main() -> None:
    if len(sys.argv) != 3:
        fail("usage: s3_iam_server.py <manifest.json> <decisions.jsonl>")
    manifest = json.loads(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
    decisions_path = pathlib.Path(sys.argv[2])
    try:
        import boto3
        from botocore.exceptions import ClientError
        from moto.iam.access_control import S3IAMRequest
        from moto.s3.responses import ACTION_MAP
        from moto.server import ThreadedMotoServer
    except ImportError as error:
        fail(f"{error}; run `npm run setup` (requirements-dev.txt installs moto[server] into .venv)")

    ACTION_MAP["BUCKET"]["HEAD"]["DEFAULT"] = "ListBucket"
    recording = threading.Event()
    decisions = decisions_path.open("a", encoding="utf-8")
    original_check = S3IAMRequest.check_action_permitted

    def recorded_check(self, resource: str) -> None:
        if not recording.is_set():
            return original_check(self, resource)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self._path).query, keep_blank_values=True)
        entry = {
            "method": self._method,
            "path": urllib.parse.urlsplit(self._path).path,
            "action": self._action,
            "resource": resource,
            "prefix": query["prefix"][0] if "prefix" in query else None,
            "delimiter": query["delimiter"][0] if "delimiter" in query else None,
        }
        try:
            original_check(self, resource)
        except Exception:
            entry["motoAllowed"] = False
            raise
        else:
            entry["motoAllowed"] = True
        finally:
            decisions.write(json.dumps(entry) + "\n")
            decisions.flush()

    S3IAMRequest.check_action_permitted = recorded_check

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    region = manifest["region"]
    setup = {"endpoint_url": endpoint, "region_name": region, "aws_access_key_id": "setup", "aws_secret_access_key": "setup"}

    s3 = boto3.client("s3", **setup)
    bucket = manifest["bucket"]
    s3.create_bucket(Bucket=bucket)
    for obj in manifest["objects"]:
        body = pathlib.Path(obj["file"]).read_bytes() if "file" in obj else obj["content"].encode("utf-8")
        s3.put_object(Bucket=bucket, Key=obj["key"], Body=body)

    iam = boto3.client("iam", **setup)
    role = manifest["role"]
    arn = iam.create_role(RoleName=role["name"], AssumeRolePolicyDocument=json.dumps(role["trustPolicy"]))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role["name"], PolicyName=role["policyName"], PolicyDocument=json.dumps(role["policy"]))
    sts = boto3.client("sts", **setup)
    credentials = sts.assume_role_with_web_identity(
        RoleArn=arn, RoleSessionName="triton", WebIdentityToken="projected-service-account-token"
    )["Credentials"]

    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()

    session = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    try:
        session.put_object(Bucket=bucket, Key=PROBE_KEY, Body=b"")
        fail("IAM enforcement is off: the role wrote an object its policy does not grant")
    except ClientError as error:
        probe = error.response["Error"]["Code"]
    recording.set()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ready = {
        "endpoint": endpoint,
        "region": region,
        "roleArn": arn,
        "accessKeyId": credentials["AccessKeyId"],
        "secretAccessKey": credentials["SecretAccessKey"],
        "sessionToken": credentials["SessionToken"],
        "probe": {"action": "s3:PutObject", "key": PROBE_KEY, "error": probe},
    }
    print(f"READY {json.dumps(ready)}", flush=True)
    # A test runner that dies without stopping the server must not leave it running: exit when orphaned.
    parent = os.getppid()
    while not stop.wait(1.0) and os.getppid() == parent:
        pass
    server.stop()
    decisions.close()


if __name__ == "__main__":
    main()
