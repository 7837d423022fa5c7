// Validates every document of deploy/k8s/*.yaml against the Kubernetes JSON schema of its apiVersion/kind
// (kubernetes-models: the OpenAPI definitions compiled to ajv validators: types, enums, required fields; unlike
// kubeconform -strict it does not flag unknown fields).
// Then checks that the validator does catch errors: a few broken copies of the Indexed Job must fail.
//   cd deploy/validate && npm ci && node validate.mjs
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import * as batch from "kubernetes-models/batch/v1";

const models = { "batch/v1": batch };
const k8s = join(dirname(fileURLToPath(import.meta.url)), "..", "k8s");

function validate(doc) {
  const group = models[doc.apiVersion];
  const Model = group?.[doc.kind];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

let failures = 0;
const valid = [];
for (const file of readdirSync(k8s).filter((f) => f.endsWith(".yaml")).sort()) {
  for (const parsed of parseAllDocuments(readFileSync(join(k8s, file), "utf8"))) {
    if (parsed.errors.length) { console.log(`FAIL ${file}: YAML ${parsed.errors[0].message}`); failures++; continue; }
    const doc = parsed.toJS();
    try {
      validate(doc);
      valid.push(doc);
      console.log(`ok   ${file}: ${doc.apiVersion} ${doc.kind} ${doc.metadata.name}`);
    } catch (e) {
      console.log(`FAIL ${file}: ${doc.kind} ${doc.metadata?.name}: ${e.message}`);
      failures++;
    }
  }
}

// The validator must reject these; otherwise the "ok" lines above prove nothing.
const job = valid.find((d) => d.spec?.completionMode === "Indexed");
const broken = {
  "completionMode misspelt": (j) => { j.spec.completionMode = "Indexd"; },
  "completions as a string": (j) => { j.spec.completions = "eight"; },
  "env value not a string": (j) => { j.spec.template.spec.containers[0].env[0].value = 8; },
  "container without a name": (j) => { delete j.spec.template.spec.containers[0].name; },
};
for (const [what, breakIt] of Object.entries(broken)) {
  const copy = structuredClone(job);
  breakIt(copy);
  try {
    validate(copy);
    console.log(`FAIL negative check "${what}": accepted`);
    failures++;
  } catch (e) {
    console.log(`ok   negative check "${what}": rejected (${e.message.split("\n")[0].slice(0, 100)})`);
  }
}
console.log(failures ? `${failures} problem(s)` : "all manifests valid");
process.exit(failures ? 1 : 0);
