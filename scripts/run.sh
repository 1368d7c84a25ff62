#!/usr/bin/env bash
# run.sh: installs what is missing, builds, and runs glintd on 127.0.0.1:8080
# with the example functions deployed. State lives in ./var/glint under the
# source tree. Ctrl-C stops the daemon cleanly.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/deps.sh
bash scripts/build.sh

listen=${GLINT_LISTEN:-127.0.0.1:8080}
state=${GLINT_STATE_DIR:-$top/var/glint}
mkdir -p "$state"

./_build/glintd --listen "$listen" --state-dir "$state" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' INT TERM

url="http://$listen"
for _ in $(seq 100); do
	curl -fs "$url/readyz" >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { echo "run.sh: glintd exited" >&2; exit 1; }
	sleep 0.1
done

for img in _build/guest/examples/*.elf; do
	name=$(basename "$img" .elf)
	code=$(curl -sS -X PUT --data-binary "@$img" "$url/functions/$name" \
		-o /dev/null -w '%{http_code}')
	echo "run.sh: deployed $name (HTTP $code)"
done
cat <<EOT
run.sh: glintd is serving on $url (state in $state); try:
  curl -s -X POST $url/invoke/hello -d '{"name":"Ada"}'
  curl -s $url/functions
  curl -s $url/metrics
EOT
wait $pid
