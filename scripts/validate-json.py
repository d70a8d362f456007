#!/usr/bin/env python3
"""Validate a `--json` output against its schema in docs/json: validate-json.py SCHEMA FILE.

FILE holds one JSON document, or JSON lines (one document per line). Exit 0 if every document is valid,
1 with one line per error otherwise, 2 on bad usage or unreadable input."""
import json
import sys

import jsonschema


def documents(text):
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    if len(sys.argv) != 3:
        print("usage: validate-json.py SCHEMA FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    with open(sys.argv[2]) as f:
        docs = documents(f.read())
    if not docs:
        print("no JSON document", file=sys.stderr)
        return 1
    errors = [f"document {i}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
              for i, doc in enumerate(docs) for e in validator.iter_errors(doc)]
    print("\n".join(errors) if errors else f"{len(docs)} valid")
    return 1 if errors else 0


sys.exit(main())
