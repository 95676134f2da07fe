#!/usr/bin/env bash
# The quickstart: the main job on the embedded default (SQLite registry, DuckDB engine,
# local files). No server, no database to start. Everything lands in ./quickstart-home
# (or $QUICKSTART_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
qs="${QUICKSTART_DIR:-quickstart-home}"
export MESH_HOME="$(realpath -m "$qs")/.mesh"
# The example products read small CSV extracts of Chinook; published products find their files through the environment.
export CHINOOK_DATA="$PWD/examples/data"
rm -rf "$qs" && mkdir -p "$qs"
mesh() { node bin/mesh.js "$@"; }
step() { printf '\n\033[1m$ mesh %s\033[0m\n' "$*"; mesh "$@"; }

step init orders-daily --domain sales --owner sales-data@company.com --template file --dir "$qs/orders-daily"
step validate "$qs/orders-daily"
step publish "$qs/orders-daily"
step run --path "$qs/orders-daily"      # dry run: extract, transform, conform, audit; publishes nothing
if ls examples/*/*/product.yaml >/dev/null 2>&1; then
  # Upstream first (alphabetically, identity/customers comes before sales/invoices-daily, which reads it): an input
  # naming a product that is not published yet is an error. Then all of them against the registry.
  for p in examples/*/*/; do [ -f "$p/product.yaml" ] && step publish "$p"; done
  step validate examples
  step run --path examples/catalog/tracks          # a dry run of a local folder: publishes nothing
  # Upstream first: sales/invoices-daily consumes identity/customers@1.
  step run identity/customers
  step run catalog/tracks
  step run sales/invoices-daily
  step run identity/customers                      # a second run: row_count_delta now has a baseline
  step runs identity/customers
  step checks identity/customers
fi
step catalog list
step catalog search customer
step show sales/orders-daily
printf '\nDone. The registry is in %s. Try: node bin/mesh.js --help\n' "$MESH_HOME"
