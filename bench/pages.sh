#!/bin/bash
# The pages benchmark (docs/BENCHMARKS.md): the full demo database (Yangquan, 2021–2023), a county
# operator and an evaluator signed in, then `wrk` on loopback at a fixed rate (bench/rate.lua)
# against the dashboard, a person's page, a month's payroll page and the evaluation page; and the
# county payroll run from the page beside the same run from the command line.
# Usage: bench/pages.sh DIR PORT   (YANGLAO = the release binary; DIR is emptied)
#   bench/pages.sh /dev/shm/pb 18090
# Needs wrk, curl and python3.
set -e
Y=${YANGLAO:-target/release/yanglao}
DIR=$1; PORT=$2
RATE=${RATE:-50}; D=${DURATION:-60s}
DB="sqlite://$DIR/demo.db"
# REUSE=1 keeps a demo database made by an earlier run (RUN_MONTH then names a month not yet run).
if [ -z "$REUSE" ]; then
  rm -rf "$DIR"; mkdir -p "$DIR"
  /usr/bin/time -f "demo %e s, %M KB" $Y --db "$DB" demo --out "$DIR/out" > /dev/null
  for u in "op302 经办员 --county 140302" "evaluator 评价机构"; do
    set -- $u
    echo '经办-长密码-2026' | $Y --db "$DB" users add $1 --role $2 ${3:+$3 $4} --password-stdin > /dev/null
  done
fi
M=${RUN_MONTH:-2024-01}
$Y --db "$DB" serve --addr 127.0.0.1:$PORT > "$DIR/serve.log" 2>&1 &
SP=$!
trap 'kill -INT $SP 2>/dev/null || true' EXIT
sleep 2
sign_in() {
  local J="$DIR/$1.jar"
  local FT=$(curl -s -c $J http://127.0.0.1:$PORT/sign-in | grep -o 'name="form_token" value="[^"]*"' | sed 's/.*value="//; s/"//')
  curl -s -b $J -c $J -o /dev/null --data-urlencode "name=$1" --data-urlencode "password=经办-长密码-2026" --data-urlencode "form_token=$FT" http://127.0.0.1:$PORT/sign-in
  grep yanglao_session $J | awk '{print $7}'
}
OP=$(sign_in op302); EV=$(sign_in evaluator)
PID=$($Y --db "$DB" --json person list --county 140302 --per-page 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["person_id"])')
PAY=$($Y --db "$DB" --json payroll list --month 2023-12 | python3 -c 'import json,sys; print([p["id"] for p in json.load(sys.stdin) if p["county"]=="140302"][0])')
echo "people: $($Y --db "$DB" --json person list --per-page 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'); person $PID; payroll $PAY"
for t in "op:/" "op:/people/$PID" "op:/payroll/$PAY" "op:/payroll?month=2023-12" "ev:/evaluation?year=2023"; do
  who=${t%%:*}; path=${t#*:}
  if [ $who = op ]; then C=$OP; else C=$EV; fi
  curl -s -o /dev/null -w "first $path: %{http_code} %{time_total}s\n" -H "Cookie: yanglao_session=$C" "http://127.0.0.1:$PORT$path"
  echo "== $path at $RATE/s for $D"
  RATE=$RATE CONNS=8 COOKIE="yanglao_session=$C" wrk -t2 -c8 -d$D -s bench/rate.lua "http://127.0.0.1:$PORT$path" | tail -1
done
# The county payroll run of month M: 城区's from the page, 矿区's from the command line.
CSRF=$(curl -s -H "Cookie: yanglao_session=$OP" http://127.0.0.1:$PORT/payroll | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
curl -s -o /dev/null -w "page run 140302 $M: %{http_code} %{time_total}s\n" -H "Cookie: yanglao_session=$OP" \
  --data-urlencode "csrf=$CSRF" --data-urlencode "month=$M" --data-urlencode "county=140302" --data-urlencode "what=run" --data-urlencode "kind=regular" \
  http://127.0.0.1:$PORT/payroll/run
/usr/bin/time -f "cli run 140303 $M: %e s" $Y --db "$DB" payroll run --month $M --county 140303 > /dev/null
/usr/bin/time -f "cli run 140302 $M again (exists): %e s" $Y --db "$DB" payroll run --month $M --county 140302 > /dev/null
$Y --db "$DB" --json payroll list --month $M | python3 -c 'import json,sys; [print(p["county"], p["lines"], "lines") for p in json.load(sys.stdin)]'
