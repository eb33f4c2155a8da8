#!/usr/bin/env bash
# The operator's first step, without namespaces or daemons: installs what bunri needs,
# builds it, and checks the example city's appliance.cfg and policy.cfg against the
# guard rails (deploy/demo.sh runs the live appliance).
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build

echo
echo "== bunrictl check on the example city (deploy/examples/)"
build/control/cli/bunrictl check \
  --config deploy/examples/appliance.cfg \
  --policy deploy/examples/policy.cfg

echo
echo "== the same check on a policy that breaks every guard rail (refused, exit 1)"
set +e
build/control/cli/bunrictl check \
  --config deploy/examples/appliance.cfg \
  --policy tests/cli/policies/illegal.cfg
echo "exit code: $?"
