-- wrk script: every request asks for a new session id (a per-thread random prefix, the thread's number
-- and a counter, so ids never repeat), with a bearer token; `done` prints one machine-readable line.
-- Usage: wrk -s ids.lua URL -- /path/prefix/up/to/sessions/
local threads = {}
local path_prefix = "/v1/agents/bench-agent/sessions/"
local headers = { ["Authorization"] = "Bearer bench-token" }
local counter = 0
local prefix = ""

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  if args[1] then
    path_prefix = args[1]
  end
  local n = tid or 0
  math.randomseed(os.time() + n * 7919)
  local r = math.random
  prefix = string.format("%04x%04x-%04x-4%03x-8%03x-", r(0, 65535), r(0, 65535), n % 65536, r(0, 4095), r(0, 4095))
end

function request()
  counter = counter + 1
  return wrk.format("GET", path_prefix .. prefix .. string.format("%012x", counter), headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
