#!/usr/bin/env bash
# Runs fuzz/run.sh over targets one after another in LANES parallel lanes, SECONDS (wall) each,
# and appends each target's figures to OUT/summary.txt.
#
#   fuzz/campaign.sh SECONDS LANES OUT [TARGET...]     (no TARGET: every target)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:?seconds}"; lanes="${2:?lanes}"; out="$(realpath -m "${3:?out}")"; shift 3
targets=("$@")
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<< "$("$here/run.sh" --list | tr '\n' ' ')"
mkdir -p "$out"
lane() {
  local i=0
  for t in "${targets[@]}"; do
    if [ $((i % lanes)) -eq "$1" ]; then
      "$here/run.sh" "$t" "$seconds" "$out" >> "$out/summary.txt" 2>> "$out/errors.txt"
    fi
    i=$((i + 1))
  done
}
for l in $(seq 0 $((lanes - 1))); do lane "$l" & done
wait
