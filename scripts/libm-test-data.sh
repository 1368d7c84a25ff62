#!/usr/bin/env bash
# libm-test-data.sh: fetches glibc's published libm test data (the
# math/auto-libm-test-out-* files of Debian's glibc source package) into a
# cache directory, for tests/guests/libm_conformance.test.
#
#   scripts/libm-test-data.sh DIR    prints DIR/auto-libm-test-out-... count
#
# The source list is derived from the machine's own apt source entries
# (deb822 or one-line format), turned into deb-src entries in a private apt
# state under DIR, so the system's apt configuration is never changed. Only
# the orig tarball is downloaded (about 18 MB) and only the test data is
# extracted from it. A second run with the data present does nothing.
set -euo pipefail
dir=${1:?usage: libm-test-data.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
if [ -f "$data/.complete" ]; then
	exit 0
fi
apt="$dir/apt"
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/sources.d" "$apt/src"
: > "$apt/sources.d/src.sources"

# deb822 files: each stanza with Types: deb becomes Types: deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed -e 's/^Types:.*$/Types: deb-src/' "$f" >> "$apt/sources.d/src.sources"
	echo >> "$apt/sources.d/src.sources"
done
# One-line entries: deb ... becomes deb-src ...
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
tarball=$(ls "$apt/src"/glibc_*.orig.tar.* 2>/dev/null | head -n1 || true)
if [ -z "$tarball" ]; then
	(cd "$apt/src" && apt-get "${opts[@]}" source --download-only glibc >&2)
	tarball=$(ls "$apt/src"/glibc_*.orig.tar.* | head -n1)
fi
rm -rf "$data.tmp"
mkdir -p "$data.tmp"
tar -xf "$tarball" -C "$data.tmp" --strip-components=2 \
	--wildcards '*/math/auto-libm-test-out-*'
rm -rf "$data"
mv "$data.tmp" "$data"
touch "$data/.complete"
