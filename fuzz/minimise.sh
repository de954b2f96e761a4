#!/usr/bin/env bash
# Folds a fuzzing run's queue into the kept corpus: fuzz/corpus/TARGET/, fuzz/seeds/TARGET/ and
# OUT/TARGET/default/queue/ are reduced by afl-cmin (-e: edges, not hit counts) to the smallest set
# of inputs that keeps every edge any of them reaches, and each kept file is named by its content's
# hash. The result replaces fuzz/corpus/TARGET/. To keep the corpus small, spreadsheets (zip or OLE
# files) are kept only for the `table` target, which owns the spreadsheet reader, and only up to
# 8 kB; text inputs up to 64 kB. Inputs that crashed the run (OUT/TARGET/default/crashes/) are kept
# whatever they are, as crash-HASH, once their defect is fixed: the replay test then guards the fix. An import's kept corpus is therefore its CSV inputs: its row
# checks; fuzz/run.sh starts an import from its corpus and its seeds, spreadsheets included.
#
#   fuzz/minimise.sh OUT TARGET...      (OUT as given to fuzz/run.sh or fuzz/campaign.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(realpath -m "${1:?out}")"; shift
tdir="${CARGO_TARGET_DIR:-$here/../target}"
bin="$tdir/afl/release/yanglao-fuzz"
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=300000 TMPDIR=/dev/shm
for target in "$@"; do
  # Not under /dev/: afl-showmap takes any output path there for a device.
  mkdir -p "$tdir/cmin"
  work="$(mktemp -d "$tdir/cmin/$target-XXXXXX")"
  mkdir -p "$work/all" "$work/min"
  for src in "$here/corpus/$target" "$here/seeds/$target" "$out/$target/default/queue"; do
    [ -d "$src" ] || continue
    find "$src" -maxdepth 1 -type f -size -64k -exec cp {} "$work/all/" \; 2>/dev/null || true
  done
  for f in "$work/all"/*; do
    magic="$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')"
    if [ "$magic" = 504b0304 ] || [ "$magic" = d0cf11e0 ]; then
      if [ "$target" != table ] || [ "$(stat -c %s "$f")" -gt 8192 ]; then rm -f "$f"; continue; fi
    fi
    # queue names hold colons and commas; the kept name is the content's hash
    h="$(sha1sum "$f" | cut -c1-16)"
    [ "$f" = "$work/all/$h" ] || mv -f "$f" "$work/all/$h"
  done
  AFL_TMPDIR="$work" cargo afl cmin -e -i "$work/all" -o "$work/min" -t 10000 -- "$bin" "$target" \
    > "$work/cmin.log" 2>&1 || { tail -20 "$work/cmin.log" >&2; exit 1; }
  mkdir -p "$work/crashes"
  cp "$here/corpus/$target"/crash-* "$work/crashes/" 2>/dev/null || true
  for f in "$out/$target/default/crashes"/id*; do
    [ -f "$f" ] && cp "$f" "$work/crashes/crash-$(sha1sum "$f" | cut -c1-16)"
  done
  rm -rf "$here/corpus/$target"
  mkdir -p "$here/corpus/$target"
  cp "$work/min"/* "$here/corpus/$target/"
  cp "$work/crashes"/* "$here/corpus/$target/" 2>/dev/null || true
  echo "$target: $(ls "$work/all" | wc -l) inputs -> $(ls "$here/corpus/$target" | wc -l) kept, $(du -sb "$here/corpus/$target" | cut -f1) bytes"
  rm -rf "$work"
done
