-- wrk script: the same request every time (list and start endpoints), with a bearer token.
-- Usage: wrk -s fixed.lua URL -- METHOD /path [BODY]
local method, path, body = "GET", "/", nil
local headers = { ["Authorization"] = "Bearer bench-token", ["Content-Type"] = "application/json" }

function init(args)
  method, path, body = args[1] or method, args[2] or path, args[3]
end

function request()
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
