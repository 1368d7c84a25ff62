#!/usr/bin/env bash
# wasm-spec-tests.sh: fetches the WebAssembly core spec tests (the .wast
# files under test/spec/ of Debian's binaryen source package) into a cache
# directory, for tests/wasm/spec.test.
#
#   scripts/wasm-spec-tests.sh DIR     leaves DIR/data/*.wast
#
# The same approach as scripts/libm-test-data.sh: deb-src entries derived
# from the machine's own apt source entries, in a private apt state under
# DIR (the system's apt configuration is never changed); only the orig
# tarball is downloaded and only the .wast files are extracted. A second
# run with the data present does nothing.
set -euo pipefail
dir=${1:?usage: wasm-spec-tests.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
if [ -f "$data/.complete" ]; then
	exit 0
fi
apt="$dir/apt"
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/sources.d" "$apt/src"
: > "$apt/sources.d/src.sources"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed -e 's/^Types:.*$/Types: deb-src/' "$f" >> "$apt/sources.d/src.sources"
	echo >> "$apt/sources.d/src.sources"
done
: > "$apt/sources.d/src.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >> "$apt/sources.d/src.list"
done

opts=(-o "Dir::Etc::SourceList=$apt/sources.d/src.list"
      -o "Dir::Etc::SourceParts=$apt/sources.d"
      -o "Dir::State::Lists=$apt/lists"
      -o "Dir::Cache::Archives=$apt/archives"
      -o "Dir::Cache=$apt/cache" -o "Debug::NoLocking=1"
      -o "APT::Sandbox::User=root" -qq)
mkdir -p "$apt/cache"
apt-get "${opts[@]}" update >&2
tarball=$(ls "$apt/src"/binaryen_*.orig.tar.* 2>/dev/null | head -n1 || true)
if [ -z "$tarball" ]; then
	(cd "$apt/src" && apt-get "${opts[@]}" source --download-only binaryen >&2)
	tarball=$(ls "$apt/src"/binaryen_*.orig.tar.* | head -n1)
fi
rm -rf "$data.tmp"
mkdir -p "$data.tmp"
tar -xf "$tarball" -C "$data.tmp" --strip-components=3 \
	--wildcards '*/test/spec/*.wast'
rm -rf "$data"
mv "$data.tmp" "$data"
touch "$data/.complete"
