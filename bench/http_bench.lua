-- http_bench.lua: wrk script for glint's HTTP benchmark: POST a 200-byte JSON body
-- (or GET when GLINT_BENCH_METHOD=GET) and print one machine-readable line.
local method = os.getenv("GLINT_BENCH_METHOD") or "POST"
wrk.method = method
if method == "POST" then
	local pad = string.rep("x", 200 - string.len('{"name":""}'))
	wrk.body = '{"name":"' .. pad .. '"}'
	wrk.headers["Content-Type"] = "application/json"
end

done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
		summary.requests, summary.duration,
		latency:percentile(50), latency:percentile(99),
		e.status, e.connect + e.read + e.write + e.timeout))
end
