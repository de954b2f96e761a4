#!/usr/bin/env bash
# Fuzzes one target of crates/fuzzing with AFL++ (cargo-afl) for a number of seconds, starting from
# the kept corpus (fuzz/corpus/TARGET/) and the seeds (fuzz/seeds/TARGET/, made by
# fuzz/make-seeds.sh). Findings and the fuzzer's queue go to OUT/TARGET/.
#
#   cargo install cargo-afl            # once: builds AFL++ (stable Rust, without the LLVM plugins)
#   fuzz/run.sh TARGET SECONDS [OUT]   # OUT defaults to $CARGO_TARGET_DIR/afl-out or target/afl-out
#   fuzz/run.sh --list                 # the targets
#
# The CPU time the fuzzer and its target used is printed at the end (and kept in
# OUT/TARGET/cpu-seconds), since on a shared machine it is less than the wall time.
# fuzz/minimise.sh folds a run's queue back into fuzz/corpus/. docs/RELIABILITY.md has the figures.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
targets="table persons hardship contributions deaths certifications bank-return bank-agreements
bank-statement budget fund-arrivals survey worksheet policy scenario framework mortality domain"
if [ "${1:-}" = "--list" ]; then echo $targets; exit 0; fi
target="${1:?target (fuzz/run.sh --list)}"
seconds="${2:?seconds}"
tdir="${CARGO_TARGET_DIR:-$here/../target}"
out="$(realpath -m "${3:-$tdir/afl-out}")/$target"

export CARGO_TARGET_DIR="$tdir/afl"
(cd "$here" && cargo afl build --release -q)
bin="$CARGO_TARGET_DIR/release/yanglao-fuzz"

# The starting inputs: the kept corpus and the seeds, together.
input="$tdir/afl-input/$target"
rm -rf "$input" && mkdir -p "$input"
for d in "$here/corpus/$target" "$here/seeds/$target"; do
  [ -d "$d" ] && cp "$d"/* "$input/" 2>/dev/null
done
[ -n "$(ls "$input")" ] || { echo "no corpus or seeds for $target: run fuzz/make-seeds.sh" >&2; exit 2; }

# A dictionary from the inputs' first lines (column names) and the words the readers look for;
# AFL++ without its LLVM plugins cannot find multi-byte tokens such as 身份证号 by itself.
mkdir -p "$out"
dict="$out/dictionary"
python3 - "$input" "$dict" <<'PY'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
words = set("是 否 成功 失败 评分 扣分 余额 结息 省级 市级 县级 入口补 出口补 满意 一般 不满意 "
            "参保缴费人员 待遇领取人员 人脸识别 actual/360 actual/365 季 月 年 日 \r\n \" , . - / ￥ X x".split(" "))
for f in sorted(os.listdir(src))[:50]:
    b = open(os.path.join(src, f), "rb").read(4096)
    try:
        first = b.decode("utf-8-sig").splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        continue
    for sep in [",", "=", " "]:
        words.update(w.strip() for w in first.split(sep) if 0 < len(w.strip()) <= 40)
with open(dst, "w") as out:
    for w in sorted(words):
        esc = "".join(chr(c) if 32 <= c < 127 and c not in (34, 92) else "\\x%02x" % c
                      for c in w.encode())
        out.write('"%s"\n' % esc)
PY

export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_TMPDIR="/dev/shm/yanglao-afl-$target" TMPDIR=/dev/shm
mkdir -p "$AFL_TMPDIR"
# The books of an import are made before the fork server starts: give them time on a busy machine.
export AFL_FORKSRV_INIT_TMOUT=300000
resume=()
[ -f "$out/default/fuzzer_stats" ] && resume=(-i -) || resume=(-i "$input")
start=$(date +%s)
# The CPU time of the fuzzer and of every process under it, the target included: this process
# adopts the orphans (the target outlives its fork server when the fuzzer stops it) and reaps them.
python3 - "$out/cpu-seconds" "$out/fuzz.log" cargo afl fuzz "${resume[@]}" -o "$out" -x "$dict" \
    -V "$seconds" -t 10000 -- "$bin" "$target" <<'PY'
import ctypes, os, resource, subprocess, sys
cpu_file, log = sys.argv[1], sys.argv[2]
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
with open(log, "w") as f:
    subprocess.run(sys.argv[3:], stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(cpu_file, "w").write("%.0f\n" % (r.ru_utime + r.ru_stime))
PY
stats="$out/default/fuzzer_stats"
echo "$target: wall $(( $(date +%s) - start )) s, CPU $(cat "$out/cpu-seconds") s, $(grep -E '^(execs_done|corpus_count|saved_crashes|saved_hangs)' "$stats" | tr -s ' ' | tr '\n' ' ')"
