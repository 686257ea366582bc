#!/usr/bin/env bash
# Compiles bench/peers/LuceneBench.java against Debian's Lucene jars into
# BUILD_DIR/bench/lucene (once, or when the source is newer) and runs it.
#   bench/peers/lucene.sh BUILD_DIR beir|speed --flag value ...
set -euo pipefail
BUILD=${1:?usage: lucene.sh BUILD_DIR MODE ...}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
JARDIR=${LUCENE_JARS:-/usr/share/java}
CP=""
for name in core analyzers-common analyzers-smartcn queryparser; do
  jar=$(ls "$JARDIR"/lucene-"$name"-[0-9]*.jar 2>/dev/null | head -1 || true)
  [ -n "$jar" ] || { echo "lucene.sh: no lucene-$name jar in $JARDIR (apt-get install liblucene8-java)" >&2; exit 3; }
  CP="$CP:$jar"
done
CP=${CP#:}
OUT="$BUILD/bench/lucene"
mkdir -p "$OUT"
if [ ! -f "$OUT/LuceneBench.class" ] || [ "$HERE/LuceneBench.java" -nt "$OUT/LuceneBench.class" ]; then
  javac -nowarn -cp "$CP" -d "$OUT" "$HERE/LuceneBench.java"
fi
exec java ${LUCENE_JAVA_OPTS:--Xms1g -Xmx6g} -cp "$OUT:$CP" LuceneBench "$@"
