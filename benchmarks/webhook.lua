-- wrk script for bench_webhook.py: POST pre-signed Twilio webhook requests, each once.
-- Arguments after "--": the requests file (signature TAB form body per line), the number
-- of wrk threads, and optionally a pause in ms before each request of a connection (paced
-- load: connections / pause requests a second in all; 0 or absent: as fast as answered). Thread i takes lines i, i+n, i+2n, ... so no two threads send the same
-- MessageSid; it wraps around only if the file runs out (bench_webhook.py warns then).

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() + id)
  local path, threads = args[1], tonumber(args[2])
  pause = tonumber(args[3] or "0")
  requests, position = {}, 0
  local line_number = 0
  for line in io.lines(path) do
    if line_number % threads == id then
      local signature, body = line:match("^([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = signature,
      }, body)
    end
    line_number = line_number + 1
  end
end

-- A random pause averaging `pause`, so that the connections do not move in step: all 64
-- sending at once every `pause` ms would be a burst, not a steady load.
function delay()
  if pause <= 0 then
    return 0
  end
  return math.random(0, 2 * pause)
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("rps %.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("bad %d\n", bad))
  io.write(string.format("p50_ms %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("p99_ms %.2f\n", latency:percentile(99) / 1000))
end
