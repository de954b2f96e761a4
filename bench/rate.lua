-- A fixed rate for wrk: each of the CONNS connections waits CONNS*1000/RATE ms before each
-- request, so that together they send about RATE requests a second (a little less: each waits
-- its request's latency too). wrk's latency figures are of the requests themselves.
-- Environment: RATE (default 200), CONNS (must equal wrk's -c), METHOD, BODY, CTYPE, COOKIE.
local rate = tonumber(os.getenv("RATE") or "200")
local conns = tonumber(os.getenv("CONNS") or "8")
local gap = conns * 1000 / rate
local method = os.getenv("METHOD") or "GET"
local body = os.getenv("BODY")
local headers = {}
if os.getenv("CTYPE") then headers["Content-Type"] = os.getenv("CTYPE") end
if os.getenv("COOKIE") then headers["Cookie"] = os.getenv("COOKIE") end

function delay()
  return gap
end

function request()
  return wrk.format(method, nil, headers, body)
end

local codes = {}
function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("achieved %.1f req/s; p50 %.2f ms, p99 %.2f ms, max %.2f ms; errors %d (connect %d, read %d, write %d, status %d, timeout %d)\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
