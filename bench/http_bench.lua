-- http_bench.lua: wrk script for glint's HTTP benchmark: POST a 200-byte JSON body
-- (or GET when GLINT_BENCH_METHOD=GET) and print one machine-readable line.
local method = os.getenv("GLINT_BENCH_METHOD") or "POST"
wrk.method = method
if method == "POST" then
	local pad = string.rep("x", 200 - string.len('{"name":""}'))
	wrk.body = '{"name":"' .. pad .. '"}'
	wrk.headers["Content-Type"] = "application/json"
end

-- GLINT_BENCH_HEADERS=1: ten request headers on top (the metadata a
-- function sees), for the row with a query string.
if os.getenv("GLINT_BENCH_HEADERS") == "1" then
	wrk.headers["User-Agent"] = "wrk/4"
	wrk.headers["Accept"] = "application/json"
	wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
	wrk.headers["Authorization"] = "Bearer 0123456789abcdef0123456789abcdef"
	wrk.headers["X-Request-Source"] = "bench"
	wrk.headers["X-Forwarded-For"] = "203.0.113.7"
	wrk.headers["Cookie"] = "session=abcdef0123456789; theme=dark"
	wrk.headers["Cache-Control"] = "no-cache"
	wrk.headers["X-Trace"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	wrk.headers["Accept-Language"] = "en-GB,en;q=0.9"
end

done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
		summary.requests, summary.duration,
		latency:percentile(50), latency:percentile(99),
		e.status, e.connect + e.read + e.write + e.timeout))
end
