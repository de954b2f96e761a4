#!/bin/bash
# The web benchmark (docs/BENCHMARKS.md): a register of 1,000,000 people, an operator signed in,
# then `wrk` on loopback at a fixed rate (bench/rate.lua) against a person lookup by citizen ID, the
# home page and sign-ins.
# Usage: bench/web.sh DB_URL LABEL PORT   (DB_URL an empty database; YANGLAO = the release binary)
#   bench/web.sh sqlite:///dev/shm/wb/y.db sqlite 18081
#   bench/web.sh postgres://postgres@127.0.0.1:5432/yanglao_webbench postgres 18083
# Needs wrk, curl and bc (Debian packages).
set -e
Y=${YANGLAO:-target/release/yanglao}
DB=$1; L=$2; PORT=$3
$Y --db "$DB" init --illustrative-policy > /dev/null
$Y --db "$DB" bench recipients --count 1000000 > /dev/null
echo '经办-长密码-2026' | $Y --db "$DB" users add op302 --role 经办员 --county 140302 --password-stdin > /dev/null
$Y --db "$DB" serve --addr 127.0.0.1:$PORT > /tmp/wb-$L.log 2>&1 &
SP=$!
sleep 2
J=/tmp/wb-$L.jar
rm -f $J
FT=$(curl -s -c $J http://127.0.0.1:$PORT/sign-in | grep -o 'name="form_token" value="[^"]*"' | sed 's/.*value="//; s/"//')
curl -s -b $J -c $J -o /dev/null -w "sign-in %{http_code} %{time_total}s\n" --data-urlencode "name=op302" --data-urlencode "password=经办-长密码-2026" --data-urlencode "form_token=$FT" http://127.0.0.1:$PORT/sign-in
TOKEN=$(grep yanglao_session $J | awk '{print $7}')
ID=$($Y --db "$DB" --json person list --county 140302 --per-page 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["citizen_id"])')
echo "lookup id: ${ID:0:6}…"
curl -s -o /dev/null -w "lookup %{http_code} %{time_total}s\n" -H "Cookie: yanglao_session=$TOKEN" "http://127.0.0.1:$PORT/people?q=$ID"
# 200 requests a second for 60 s (fixed rate, bench/rate.lua): the lookup, the home page, sign-ins.
D=${DURATION:-60s}
for target in "/people?q=$ID" "/"; do
  echo "== $L $target at 200/s for $D"
  RATE=200 CONNS=8 COOKIE="yanglao_session=$TOKEN" wrk -t2 -c8 -d$D -s bench/rate.lua "http://127.0.0.1:$PORT$target" | tail -1
done
# Sign-in: each an argon2 verification and a new session. The form's double-submit token is a
# fixed pair here (cookie and field).
FORM="name=op302&password=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("经办-长密码-2026"))')&form_token=benchbenchbenchbenchbenchbench00"
for r in 200 50; do
  echo "== $L sign-in at $r/s for $D"
  RATE=$r CONNS=32 METHOD=POST BODY="$FORM" CTYPE=application/x-www-form-urlencoded COOKIE="yanglao_sign_in=benchbenchbenchbenchbenchbench00" \
    wrk -t2 -c32 -d$D -s bench/rate.lua "http://127.0.0.1:$PORT/sign-in" | tail -1
done
kill -INT $SP; wait $SP 2>/dev/null || true
