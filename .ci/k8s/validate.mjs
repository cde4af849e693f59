// Validates every Kubernetes object in the YAML files named on the command line against the
// Kubernetes OpenAPI schemas, as compiled into the kubernetes-models package. Prints one line per
// object; exits 1 if any object is invalid or has a kind this package does not know (except the
// kinds listed in SKIP, which are not Kubernetes core APIs).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// CloudNativePG's Cluster is a custom resource: its schema comes with the operator, not Kubernetes.
// A kustomization is read by kustomize, never sent to the API server.
const SKIP = new Set(["postgresql.cnpg.io/v1/Cluster", "kustomize.config.k8s.io/v1beta1/Kustomization"]);

let failed = false;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      console.log(`INVALID ${file}: YAML ${doc.errors[0].message}`);
      failed = true;
      continue;
    }
    const obj = doc.toJS();
    if (obj == null) continue;
    const key = `${obj.apiVersion}/${obj.kind}`;
    if (SKIP.has(key)) {
      console.log(`SKIPPED ${file} ${key}`);
      continue;
    }
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
    const module = `kubernetes-models/${group ? group + "/" : ""}${version}/${obj.kind}`;
    let Model;
    try {
      Model = (await import(module))[obj.kind];
    } catch (e) {
      console.log(`INVALID ${file} ${key}: no schema for this kind (${e.message})`);
      failed = true;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`VALID ${file} ${key} ${obj.metadata?.name}`);
    } catch (e) {
      console.log(`INVALID ${file} ${key} ${obj.metadata?.name}: ${e.message.replace(/\s+/g, " ")}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
