#!/usr/bin/env bash
# The 10-million-record run: audit_bench at 1M and at 10M records, so the peak memory of
# verify and export can be compared between the two (it must not grow with the log).
# Needs about 6 GB free in DIR (default /tmp) and several minutes; not a CI test.
#   audit_10m.sh BUILD_DIR [DIR]
set -euo pipefail
build=${1:?usage: audit_10m.sh BUILD_DIR [DIR]}
dir=${2:-/tmp}
bench=$build/tests/audit/audit_bench
for n in 1000000 10000000; do
	"$bench" --records "$n" --dir "$dir/audit_10m.$n"
	echo
done
