// Checks rendered Kubernetes objects (YAML on stdin, `kubectl kustomize` output) offline: each
// against the Kubernetes API schema (kubernetes-models; KEDA's for its objects), then the rules
// callstream's manifests keep. Prints one line per problem; exits 1 if there is any.
//   kubectl kustomize deploy/kubernetes/overlays/production | node check_kubernetes.mjs [partitions]
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const partitions = Number(process.argv[2] ?? 6);
const problems = [];
const problem = (obj, what) => problems.push(`${obj.kind}/${obj.metadata?.name}: ${what}`);

async function model(obj) {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
  const path = group === "keda.sh" ? `@kubernetes-models/keda/keda.sh/${version}`
    : group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  const module = await import(path);
  if (!module[obj.kind]) throw new Error(`no model of ${obj.apiVersion} ${obj.kind}`);
  return module[obj.kind];
}

// The pod template of a workload, or null.
function podSpec(obj) {
  if (["Deployment", "StatefulSet", "Job"].includes(obj.kind)) return obj.spec?.template?.spec ?? null;
  return null;
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|API_KEY|OPERATOR_KEY|DATABASE_URL|WEBHOOK_URL|KAFKA_PROPERTIES/;

function checkContainer(obj, c) {
  const where = `container ${c.name}`;
  if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) problem(obj, `${where} has no CPU and memory requests`);
  if (!c.resources?.limits?.memory) problem(obj, `${where} has no memory limit`);
  if (c.securityContext?.readOnlyRootFilesystem !== true) problem(obj, `${where} may write its root filesystem`);
  if (c.securityContext?.allowPrivilegeEscalation !== false) problem(obj, `${where} may escalate privileges`);
  for (const e of c.env ?? [])
    if (SECRET_NAME.test(e.name) && e.value !== undefined) problem(obj, `${where}: ${e.name} is inline, not a secret reference`);
  if (obj.kind === "Deployment" || obj.kind === "StatefulSet") {
    if (c.readinessProbe?.httpGet?.path !== "/readyz") problem(obj, `${where} has no readiness probe on /readyz`);
    if (c.livenessProbe?.httpGet?.path !== "/healthz") problem(obj, `${where} has no liveness probe on /healthz`);
    checkMetricsPort(obj, c);
  }
}

// Metrics are served on a listener of their own (METRICS_PORT), scraped by Prometheus from the pod
// and never behind the Service that the public reaches.
function checkMetricsPort(obj, c) {
  const port = (c.ports ?? []).find((p) => p.name === "metrics")?.containerPort;
  const metricsEnv = (c.env ?? []).find((e) => e.name === "METRICS_PORT")?.value;
  if (!port || String(port) !== metricsEnv) problem(obj, `container ${c.name}: its metrics port is not METRICS_PORT`);
  const scrape = obj.spec.template.metadata?.annotations ?? {};
  if (scrape["prometheus.io/port"] !== String(port)) problem(obj, "Prometheus does not scrape the metrics port");
}

function checkServicePorts(obj) {
  for (const p of obj.spec.ports ?? [])
    if (p.targetPort === "metrics" || [9464, 9465].includes(p.targetPort))
      problem(obj, "the Service exposes the metrics port: metrics are for the platform only");
}

// The grace period outlasts the drain and the preStop pause, so SIGKILL never cuts a request.
function checkIngressGrace(obj, spec) {
  const c = spec.containers[0];
  const drain = Number((c.env ?? []).find((e) => e.name === "DRAIN_TIMEOUT_MS")?.value ?? 20000) / 1000;
  const pause = Number(c.lifecycle?.preStop?.exec?.command?.at(-1) ?? 0);
  if (!c.lifecycle?.preStop) problem(obj, "the ingress has no preStop pause");
  if (!(spec.terminationGracePeriodSeconds > drain + pause))
    problem(obj, `terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} is not longer than DRAIN_TIMEOUT_MS (${drain} s) + preStop (${pause} s)`);
}

function checkRules(obj) {
  if (obj.kind === "Secret") problem(obj, "secrets are referenced by name, never shipped in the manifests");
  if (obj.kind === "ScaledObject" && obj.spec.maxReplicaCount > partitions)
    problem(obj, `maxReplicaCount ${obj.spec.maxReplicaCount} is more than the ${partitions} partitions a topic has`);
  if (obj.kind === "Service") checkServicePorts(obj);
  const spec = podSpec(obj);
  if (!spec) return;
  if (spec.securityContext?.runAsNonRoot !== true) problem(obj, "the pod may run as root");
  for (const c of spec.containers ?? []) checkContainer(obj, c);
  if (obj.metadata.name.endsWith("-projector") && (obj.spec.replicas ?? 1) > partitions)
    problem(obj, `${obj.spec.replicas} replicas is more than the ${partitions} partitions a topic has`);
  if (obj.metadata.name.endsWith("-ingress")) checkIngressGrace(obj, spec);
}

const docs = parseAllDocuments(readFileSync(0, "utf8"));
let count = 0;
for (const doc of docs) {
  if (doc.errors.length) { problems.push(`YAML: ${doc.errors[0].message}`); continue; }
  const obj = doc.toJS();
  if (!obj) continue;
  count += 1;
  try {
    const Model = await model(obj);
    new Model(obj).validate();
  } catch (e) {
    problem(obj, `not a valid object: ${e.message.split("\n").slice(0, 3).join(" ")}`);
  }
  checkRules(obj);
}
for (const p of problems) console.log(p);
console.log(`${count} objects, ${problems.length} problems`);
process.exit(problems.length || count === 0 ? 1 : 0);
