-- POST /api/sync bodies for wrk, shaped like a tracker's: sessions of 5 requests of BENCH_BATCH
-- events each, every event with its own client id. Used by bench/ingest.mjs; prints one JSON line.
local batch = tonumber(os.getenv("BENCH_BATCH") or "1")
local site = os.getenv("BENCH_SITE")
local month = os.getenv("BENCH_MONTH")
local origin = os.getenv("BENCH_ORIGIN")
local ua = os.getenv("BENCH_UA")
local kinds = {
  '"ec":"pageview","ea":"view"',
  '"ec":"scroll","ea":"depth","ev":50',
  '"ec":"interaction","ea":"click","el":"a.cta"',
  '"ec":"hover_intent","ea":"hover"',
  '"ec":"scroll","ea":"depth","ev":90',
}
local sid, req, seq = nil, 5, 0

local function r16() return math.random(0, 0xffff) end
local function uuid()
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    r16(), r16(), r16(), math.random(0, 0xfff), 0x8000 + math.random(0, 0x3fff), r16(), r16(), r16())
end

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919 + math.floor(os.clock() * 1e6))
end

function request()
  if req == 5 then
    sid, req = uuid(), 0
  end
  req = req + 1
  local now = os.time() * 1000
  local fp = string.sub(sid, 1, 8)
  local events = {}
  for n = 1, batch do
    local k = seq
    seq = seq + 1
    events[n] = string.format(
      '{"s":"%s","u":"https://bench.example/page/%d","sid":"%s","sm":"%s",%s,"meta":{"fp":"fp-%s","vw":1280,"vh":720},"i":"e%d","t":%d}',
      site, k % 7, sid, month, kinds[(k % 5) + 1], fp, k, now)
  end
  return wrk.format("POST", "/api/sync", {
    ["Content-Type"] = "text/plain;charset=UTF-8",
    ["Origin"] = origin,
    ["User-Agent"] = ua,
  }, "[" .. table.concat(events, ",") .. "]")
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"statusErrors":%d,"connectErrors":%d,"readErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
