#!/usr/bin/env python3
"""The event contract may grow, never break: every JSON Schema of proto/schemas is compared with
the same file at the last tagged version (git describe --tags). Incompatible: a schema removed,
a field removed, a field retyped (its type no longer accepts what it did), a new required field.
Events are kept forever on the topics, so a consumer must read the old ones with the new schema
and the new ones with its old code. New optional fields and new schemas are fine.
  tests/deploy/schema_compat.py [REF]     (REF: the version to compare with; default the last tag)"""
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))


def types(schema):
    t = schema.get("type")
    return None if t is None else set([t] if isinstance(t, str) else t)


def compare(old, new, path, problems):
    """Appends what `new` breaks of `old` at `path`."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    old_t, new_t = types(old), types(new)
    # "number" accepts every integer; no "type" at all accepts everything.
    accepted = (new_t | ({"integer"} if "number" in new_t else set())) if new_t is not None else old_t
    if old_t is not None and not old_t <= accepted:
        problems.append("%s: retyped from %s to %s" % (path, sorted(old_t), sorted(new_t)))
    for name, sub in old.get("properties", {}).items():
        if name not in new.get("properties", {}):
            problems.append("%s.%s: removed" % (path, name))
        else:
            compare(sub, new["properties"][name], "%s.%s" % (path, name), problems)
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append("%s.%s: newly required" % (path, name))
    for key in ("items", "additionalProperties"):
        compare(old.get(key), new.get(key), "%s[%s]" % (path, key), problems)


def last_tag():
    r = subprocess.run(["git", "-C", ROOT, "describe", "--tags", "--abbrev=0"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def schemas_at(ref):
    out = subprocess.run(["git", "-C", ROOT, "ls-tree", "--name-only", ref, "proto/schemas/"],
                         check=True, capture_output=True, text=True).stdout.split()
    return {os.path.basename(p): json.loads(subprocess.run(["git", "-C", ROOT, "show", "%s:%s" % (ref, p)],
                                                            check=True, capture_output=True, text=True).stdout)
            for p in out if p.endswith(".json")}


def breaks(old_schemas, new_dir):
    problems = []
    for name, old in sorted(old_schemas.items()):
        path = os.path.join(new_dir, name)
        if not os.path.exists(path):
            problems.append("%s: removed" % name)
            continue
        compare(old, json.load(open(path)), name, problems)
    return problems


def self_test():
    """Each rule catches what it should, and a compatible change passes: the check can fail."""
    base = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "n": {"type": "integer"},
                                                               "o": {"type": "object", "properties": {"x": {"type": "string"}}}}}
    def changed(edit):
        new = json.loads(json.dumps(base))
        edit(new)
        problems = []
        compare(base, new, "s", problems)
        return problems
    cases = [(lambda s: s["properties"].pop("a"), "s.a: removed"),
             (lambda s: s["properties"]["n"].update(type="string"), "s.n: retyped"),
             (lambda s: s["required"].append("n"), "s.n: newly required"),
             (lambda s: s["properties"]["o"]["properties"].pop("x"), "s.o.x: removed")]
    missed = ["the rule for %r caught nothing" % expect for edit, expect in cases
              if not any(p.startswith(expect) for p in changed(edit))]
    if changed(lambda s: s["properties"].update(b={"type": "string"})):
        missed.append("a new optional field was called incompatible")
    if changed(lambda s: s["properties"]["n"].update(type=["integer", "null"])):
        missed.append("a widened type was called incompatible")
    return missed


if __name__ == "__main__":
    problems = self_test()
    ref = sys.argv[1] if len(sys.argv) > 1 else last_tag()
    if ref:
        problems += breaks(schemas_at(ref), os.path.join(ROOT, "proto/schemas"))
        print("schemas compared with %s" % ref)
    else:
        print("no tagged version to compare with (a clone without tags): the rules' self-test only")
    for p in problems:
        print(p)
    print("schema compatibility: %d problem(s)" % len(problems))
    sys.exit(1 if problems else 0)
