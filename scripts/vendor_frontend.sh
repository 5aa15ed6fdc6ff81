#!/usr/bin/env bash
# Vendor the front-end libraries the service serves itself (no CDN at run time, no npm to run it).
# Each package is fetched from the npm registry with `npm pack`, and only its built files and its
# licence are copied under workflow_service/static/vendor/<name>/. Rerun after changing a version.
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
  local target="$vendor/$name"
  rm -rf "$target"
  mkdir -p "$target"
  for file in "$@"; do
    cp "$work/$name/package/$file" "$target/"
  done
  cp "$work/$name/package/LICENSE" "$target/LICENSE" 2>/dev/null || cp "$work/$name/package/LICENSE.md" "$target/LICENSE"
  echo "$name@$version" >"$target/VERSION"
  echo "vendored $name@$version -> ${target#"$root"/}"
}

# OpenAPI browser at /api/docs
fetch swagger-ui-dist 5.35.0 swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css favicon-32x32.png
