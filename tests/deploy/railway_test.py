#!/usr/bin/env python3
"""deploy/railway, checked offline: each service's config-as-code file builds its Dockerfile,
starts the binary on Railway's $PORT, is health-checked on /readyz with a restart policy, drains
longer than the ingress's DRAIN_TIMEOUT_MS, and the projector migrates before each deploy; each
variables file names every variable the service requires, holds no secret value (references and
<placeholders> only) and names no variable the service does not know."""
import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
RAILWAY = os.path.join(ROOT, "deploy/railway")
SECRET = re.compile(r"TOKEN|PASSWORD|SECRET|API_KEY|OPERATOR_KEY|DATABASE_URL|WEBHOOK_URL|KAFKA_PROPERTIES")
SERVICES = {"ingress": ("services/ingress/src/ingress_config.cpp", "callstream-ingress"),
            "projector": ("services/projector/src/projector_config.cpp", "callstream-projector")}


def known_variables(config_source):
    """The variables a service's table declares, and those it requires (the 4th field true)."""
    text = open(os.path.join(ROOT, config_source)).read()
    known = set(re.findall(r'\{"([A-Z][A-Z0-9_]+)",', text))
    required = set(re.findall(r'\{"([A-Z][A-Z0-9_]+)",\s*"",\s*"[^"]*",\s*true', text))
    return known, required


def variables(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            out[name] = value
    return out


def check_config(railway, service, binary, problems):
    cfg = json.load(open(os.path.join(railway, service + ".json")))
    build, deploy = cfg["build"], cfg["deploy"]
    if build.get("builder") != "DOCKERFILE" or not os.path.exists(os.path.join(ROOT, build.get("dockerfilePath", "-"))):
        problems.append("%s: not built from an existing Dockerfile" % service)
    if binary not in deploy.get("startCommand", "") or "$PORT" not in deploy.get("startCommand", "").replace("{", ""):
        problems.append("%s: the start command does not run %s on Railway's PORT" % (service, binary))
    if deploy.get("healthcheckPath") != "/readyz":
        problems.append("%s: no health check on /readyz" % service)
    if deploy.get("restartPolicyType") not in ("ON_FAILURE", "ALWAYS"):
        problems.append("%s: no restart policy" % service)
    if service == "ingress" and not deploy.get("drainingSeconds", 0) > 20:
        problems.append("ingress: drainingSeconds must exceed DRAIN_TIMEOUT_MS (20 s)")
    if service == "projector" and not any("migrate" in c for c in deploy.get("preDeployCommand", [])):
        problems.append("projector: the migrations are not the pre-deploy command")


def holds_secret(name, value):
    """A secret's value written out, not a ${{reference}} or a <placeholder>."""
    literal = re.sub(r"\$\{\{[^}]*\}\}|<[^>]*>", "", value)
    if name == "KAFKA_PROPERTIES":
        return re.search(r"(password|secret)=[^,]", literal) is not None
    return bool(SECRET.search(name)) and literal not in ("", "https://", "http://")


def check_variables(railway, service, source, problems):
    known, required = known_variables(source)
    given = variables(os.path.join(railway, service + ".env"))
    for name in sorted(required - set(given)):
        problems.append("%s.env: %s is required and missing" % (service, name))
    for name, value in given.items():
        if name not in known:
            problems.append("%s.env: %s is not a variable of the service" % (service, name))
        if holds_secret(name, value):
            problems.append("%s.env: %s holds a value, not a reference or placeholder" % (service, name))
    if service == "projector" and given.get("DATABASE_URL") != "${{Postgres.DATABASE_URL}}":
        problems.append("projector.env: DATABASE_URL is not Railway's ${{Postgres.DATABASE_URL}}")


def check(railway):
    problems = []
    for service, (source, binary) in SERVICES.items():
        check_config(railway, service, binary, problems)
        check_variables(railway, service, source, problems)
    return problems


def refused_when_broken():
    """Broken copies of the files are refused, naming the problem: the check can fail."""
    import shutil
    import tempfile
    missed = []
    breaks = [("ingress.json", '"/readyz"', '"/"', "no health check"),
              ("projector.json", "callstream-projector migrate", "true", "pre-deploy"),
              ("ingress.env", "TWILIO_AUTH_TOKEN=<your auth token>", "TWILIO_AUTH_TOKEN=3f9a8c", "holds a value"),
              ("projector.env", "sasl.password=${{shared.KAFKA_PASSWORD}}", "sasl.password=hunter2", "holds a value"),
              ("projector.env", "DATABASE_URL=${{Postgres.DATABASE_URL}}\n", "", "DATABASE_URL is required")]
    for name, old, new, expect in breaks:
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(RAILWAY, d, dirs_exist_ok=True)
            path = os.path.join(d, name)
            text = open(path).read()
            assert old in text, (name, old)
            open(path, "w").write(text.replace(old, new))
            if not any(expect in p for p in check(d)):
                missed.append("%s with %r: not refused (%s)" % (name, new, expect))
    return missed


if __name__ == "__main__":
    found = check(RAILWAY) + refused_when_broken()
    for p in found:
        print(p)
    print("railway: %d problem(s)" % len(found))
    sys.exit(1 if found else 0)
