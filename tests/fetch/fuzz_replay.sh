#!/bin/sh
# fuzz_replay.sh: replays the allow-list fuzz target over its seed corpus.
exec "${GLINT_BUILDDIR:-.}/tests/fetch/replay_fetch_policy" \
	"${GLINT_SRCDIR:-..}/tests/fetch/fuzz-corpus"
