// The forms editor's check of a form against the JSON Schema draft-07 meta-schema, built once here
// so that the browser runs plain code: Ajv compiles validators with `new Function`, which the
// pages' Content-Security-Policy forbids, so its standalone output is generated at build time and
// bundled (with ajv-formats and ajv-i18n's Chinese messages) into one ES module.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import standaloneCode from "ajv/dist/standalone/index.js";
import { _ } from "ajv/dist/compile/codegen/index.js";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const target = process.argv[2];
const ajv = new Ajv({
  allErrors: true,
  strict: false,
  code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
});
addFormats(ajv);
// The meta-schema Ajv ships, compiled afresh under its own id: Ajv's built-in copy was compiled
// before the formats were added and would not check "regex" or "uri-reference".
const meta = JSON.parse(readFileSync(join(here, "node_modules/ajv/dist/refs/json-schema-draft-07.json"), "utf8"));
const validate = ajv.compile({ ...meta, $id: "urn:form-schema-check:draft-07" });
const work = mkdtempSync(join(tmpdir(), "form-schema-check-"));
try {
  writeFileSync(join(work, "meta-validate.cjs"), standaloneCode(ajv, validate));
  writeFileSync(
    join(work, "entry.mjs"),
    `import validate from ${JSON.stringify(join(work, "meta-validate.cjs"))};
import localizeZh from "ajv-i18n/localize/zh/index.js";
${readFileSync(join(here, "entry.mjs"), "utf8")}`,
  );
  await build({
    entryPoints: [join(work, "entry.mjs")],
    bundle: true,
    format: "esm",
    minify: true,
    legalComments: "none",
    nodePaths: [join(here, "node_modules")],
    outfile: target,
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
