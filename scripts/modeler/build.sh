#!/usr/bin/env bash
# Rebuild the analysts' modeler bundle (workflow_service/static/vendor/bpmn-modeler/) from the npm
# registry: the exact versions of package-lock.json, then esbuild. Running the service needs none of it.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node build.mjs
