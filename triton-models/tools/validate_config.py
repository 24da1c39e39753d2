"""Parses Triton config.pbtxt files with Triton's own ModelConfig protobuf message (from tritonclient).

Usage: python validate_config.py FILE [FILE ...]   ("-" reads standard input)
Prints one JSON object per file on stdout: {"file", "ok", "config"} or {"file", "ok": false, "error"}.
Exits 1 when any file fails to parse, e.g. on a misspelled field or enum value.
"""

import json
import sys


def main() -> int:
    try:
        from google.protobuf import json_format, text_format
        from tritonclient.grpc import model_config_pb2
    except ImportError as error:
        print(
            f"validate_config: {error}; run scripts/setup.d/10-python.sh and use .venv/bin/python",
            file=sys.stderr,
        )
        return 2
    if len(sys.argv) < 2:
        print("validate_config: usage: validate_config.py FILE [FILE ...]", file=sys.stderr)
        return 2

    failed = False
    for path in sys.argv[1:]:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        try:
            message = text_format.Parse(text, model_config_pb2.ModelConfig())
            config = json_format.MessageToDict(message, preserving_proto_field_name=True)
            print(json.dumps({"file": path, "ok": True, "config": config}))
        except text_format.ParseError as error:
            failed = True
            print(json.dumps({"file": path, "ok": False, "error": str(error)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
