"""Lints IAM policy documents with parliament (duo-labs), the way its CLI does, and prints the findings as JSON.

  .venv/bin/python test/support/iam_lint.py < documents.json

Input: a JSON list of {"name": ..., "document": {...}}. Output: a JSON list of {"name", "findings": [{"issue",
"severity", "title", "detail", "location"}]}, every finding at INFO severity or above, after parliament's own
ignore rules (its config.yaml), with the community auditors on. Exits 2 when parliament is not installed.
"""

from __future__ import annotations

import json
import pathlib
import sys


def main() -> int:
    try:
        import parliament
        from parliament import analyze_policy_string, enhance_finding, override_config
        from parliament.cli import is_finding_filtered
    except ImportError as error:
        print(f"iam_lint: {error}; run `npm run setup` (requirements-dev.txt installs parliament)", file=sys.stderr)
        return 2
    # As `parliament --include-community-auditors` does: their findings are described in an override file.
    override_config(pathlib.Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml")
    documents = json.load(sys.stdin)
    results = []
    for entry in documents:
        policy = analyze_policy_string(json.dumps(entry["document"]), include_community_auditors=True)
        findings = []
        for finding in policy.findings:
            finding = enhance_finding(finding)
            if is_finding_filtered(finding, minimum_severity="INFO"):
                continue
            findings.append(
                {
                    "issue": finding.issue,
                    "severity": finding.severity,
                    "title": finding.title,
                    "detail": finding.detail,
                    "location": finding.location,
                }
            )
        results.append({"name": entry["name"], "findings": findings})
    json.dump(results, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
