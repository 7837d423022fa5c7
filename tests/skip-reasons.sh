#!/usr/bin/env bash
# Prints why tests were skipped, from a TRX report: one line per distinct reason, most frequent first
# ("  12 × reason"), so that a missing prerequisite shows in ./run-tests' output and not only in the TRX. No XML tool
# needed: the file is written by the test host (each skipped result's <Message>, unescaped). Prints nothing when no
# test was skipped. Usage: tests/skip-reasons.sh TRX
set -euo pipefail
tr '\n' ' ' <"$1" | sed 's/<UnitTestResult /\n&/g' | grep 'outcome="NotExecuted"' \
  | sed -n 's:.*<Message>\(.*\)</Message>.*:\1:p' \
  | sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g; s/^ *//; s/ *$//' \
  | sort | uniq -c | sort -rn | sed 's/^ *\([0-9]*\) /  \1 × /' || true
