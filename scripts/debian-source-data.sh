#!/usr/bin/env bash
# debian-source-data.sh: test data taken from a Debian source package, at
# test time, into a cache directory; the project carries no copy of it.
#
#   scripts/debian-source-data.sh DIR PACKAGE STRIP PATTERN
#
# leaves the members of PACKAGE's orig tarball that match PATTERN (tar
# --wildcards) in DIR/data, their first STRIP path components removed.
# Used for glibc's libm test data (tests/guests/libm_conformance.test) and
# the WebAssembly core spec tests in binaryen (tests/wasm/spec.test).
#
# The source list is derived from the machine's own apt source entries
# (deb822 or one-line format), turned into deb-src entries in a private apt
# state under DIR, so the system's apt configuration is never changed and no
# host is named here. Only the orig tarball is downloaded and only the
# matching members are extracted. A second run with the data present does
# nothing.
set -euo pipefail
dir=${1:?usage: debian-source-data.sh DIR PACKAGE STRIP PATTERN}
pkg=${2:?usage: debian-source-data.sh DIR PACKAGE STRIP PATTERN}
strip=${3:?usage: debian-source-data.sh DIR PACKAGE STRIP PATTERN}
pattern=${4:?usage: debian-source-data.sh DIR PACKAGE STRIP PATTERN}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
if [ -f "$data/.complete" ]; then
	exit 0
fi
apt="$dir/apt"
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/sources.d" \
	"$apt/src" "$apt/cache"

# deb822 files: each stanza with Types: deb becomes Types: deb-src.
: >"$apt/sources.d/src.sources"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed -e 's/^Types:.*$/Types: deb-src/' "$f" >>"$apt/sources.d/src.sources"
	echo >>"$apt/sources.d/src.sources"
done
# One-line entries: deb ... becomes deb-src ...
: >"$apt/sources.d/src.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$apt/sources.d/src.list"
done

opts=(-o "Dir::Etc::SourceList=$apt/sources.d/src.list"
	-o "Dir::Etc::SourceParts=$apt/sources.d"
	-o "Dir::State::Lists=$apt/lists"
	-o "Dir::Cache::Archives=$apt/archives"
	-o "Dir::Cache=$apt/cache" -o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=root" -qq)
apt-get "${opts[@]}" update >&2
tarball=$(ls "$apt/src/${pkg}"_*.orig.tar.* 2>/dev/null | head -n1 || true)
if [ -z "$tarball" ]; then
	(cd "$apt/src" && apt-get "${opts[@]}" source --download-only "$pkg" >&2)
	tarball=$(ls "$apt/src/${pkg}"_*.orig.tar.* | head -n1)
fi
rm -rf "$data.tmp"
mkdir -p "$data.tmp"
tar -xf "$tarball" -C "$data.tmp" --strip-components="$strip" \
	--wildcards "$pattern"
rm -rf "$data"
mv "$data.tmp" "$data"
touch "$data/.complete"
