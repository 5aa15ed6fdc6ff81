#!/usr/bin/env bash
# Vendor the front-end libraries the service serves itself (no CDN at run time, no npm to run it).
# Each package is fetched from the npm registry with `npm pack`, and only its built files and its
# licence are copied under workflow_service/static/vendor/<name>/ (the part after the scope for
# scoped packages: @json-editor/json-editor -> json-editor/). Rerun after changing a version.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/workflow_service/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# name version files...
fetch() {
  local name="$1" version="$2"
  shift 2
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  local tarball
  tarball="$(ls "$work"/*.tgz)"
  mkdir -p "$work/$name"
  tar -xzf "$tarball" -C "$work/$name"
  rm "$tarball"
  local target="$vendor/${name##*/}"
  rm -rf "$target"
  mkdir -p "$target"
  for file in "$@"; do
    cp "$work/$name/package/$file" "$target/"
  done
  cp "$work/$name/package/LICENSE" "$target/LICENSE" 2>/dev/null || cp "$work/$name/package/LICENSE.md" "$target/LICENSE"
  rm -rf "${work:?}/$name"
  echo "$name@$version" >"$target/VERSION"
  echo "vendored $name@$version -> ${target#"$root"/}"
}

# OpenAPI browser at /api/docs
fetch swagger-ui-dist 5.35.0 swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css favicon-32x32.png

# Staff pages: claim / unclaim and inbox refresh without a reload
fetch htmx.org 2.0.11 dist/htmx.min.js
# Task and application forms rendered from their JSON Schema (the .LICENSE.txt lists bundled code)
fetch @json-editor/json-editor 2.17.2 dist/jsoneditor.js dist/jsoneditor.js.LICENSE.txt
# The case page's process diagram (viewer with pan and zoom, no modelling)
fetch bpmn-js 18.31.1 dist/bpmn-navigated-viewer.production.min.js dist/assets/diagram-js.css dist/assets/bpmn-js.css
# The supervisors' dashboard charts (UMD build: one file, no module loader)
fetch chart.js 4.6.1 dist/chart.umd.min.js
# The forms editor: a JSON editor (the standalone ES module, its own dependencies bundled)
fetch vanilla-jsoneditor 3.13.0 standalone.js
# ... and its draft-07 check: Ajv's standalone code, generated and bundled here from the lockfile
# (the pages' Content-Security-Policy forbids the eval Ajv needs when it compiles in the browser).
check="$root/scripts/form_schema_check"
(cd "$check" && npm ci --silent --no-audit --no-fund)
target="$vendor/form-schema-check"
rm -rf "$target"
mkdir -p "$target"
node "$check/build.mjs" "$target/form-schema-check.js"
cp "$check/node_modules/ajv/dist/refs/json-schema-draft-07.json" "$target/"
for package in ajv ajv-formats ajv-i18n fast-deep-equal fast-uri; do
  printf '%s\n\n' "== $package ==" >>"$target/LICENSE"
  cat "$check/node_modules/$package/LICENSE" >>"$target/LICENSE"
  printf '\n' >>"$target/LICENSE"
done
(cd "$check" && node -p 'const l = require("./package-lock.json").packages; ["ajv", "ajv-formats", "ajv-i18n"].map((n) => n + "@" + l["node_modules/" + n].version).join("\n")') >"$target/VERSION"
echo "built form-schema-check -> ${target#"$root"/}"

# The analysts' modeler (bpmn-js Modeler, properties panel, bpmnlint, token simulation) is our own
# entry file bundled with esbuild, not one package's built file: its own script rebuilds it.
"$root/scripts/modeler/build.sh"
