#!/usr/bin/env bash
# Starts Hatchway (endpoint/target/hatchway.jar) on 127.0.0.1:PORT in the foreground, for hatchway-bench runs: a
# temporary config with a file sink DIR/events.jsonl and the registry DIR/registry/registry.yaml, written first for
# DEVICES generated devices (dev-0.. with password pass-dev-0..) when missing. Ctrl-C stops it. The registry has a
# directory of its own because Hatchway watches the registry's directory for changes: every batch written to an event
# file beside it would wake the watcher.
#   benchmarks/hatchway.sh 1883 /tmp/bench 50
# Build first: mvn -B -Pshaded -pl benchmarks -am package -DskipTests (builds both jars).
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 || ! "$1" =~ ^[0-9]+$ || "$1" -lt 1 || "$1" -gt 65535 ]]; then
    echo "usage: $0 PORT DIR [DEVICES]" >&2
    exit 2
fi
port=$1
dir=$2
devices=${3:-50}
here=$(cd "$(dirname "$0")" && pwd)
hatchway_jar=${HATCHWAY_JAR:-$here/../endpoint/target/hatchway.jar}
bench_jar=${BENCH_JAR:-$here/target/hatchway-bench.jar}
for jar in "$hatchway_jar" "$bench_jar"; do
    if [[ ! -f "$jar" ]]; then
        echo "$jar not found: build with mvn -B -Pshaded -pl benchmarks -am package -DskipTests" >&2
        exit 1
    fi
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/registry"
if [[ ! -f "$dir/registry/registry.yaml" ]]; then
    java -jar "$bench_jar" --devices "$devices" --registry-out "$dir/registry/registry.yaml" --registry-only
fi

config=$(mktemp -t hatchway-bench-hatchway.XXXXXX.yaml)
trap 'rm -f "$config"' EXIT
cat >"$config" <<CONF
mqtt:
  bind: 127.0.0.1:$port
  maxPacketSize: 262144
  connectTimeout: 10s
  receiveMaximum: 32
http:
  bind: 127.0.0.1:0
  token: null
registry:
  file: $dir/registry/registry.yaml
events:
  sink: file
  path: $dir/events.jsonl
instance: bench-1
CONF

echo "hatchway on 127.0.0.1:$port, events in $dir/events.jsonl (config $config)" >&2
# shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM options
java ${JAVA_OPTS:-} -jar "$hatchway_jar" --config "$config" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$config"' EXIT INT TERM
wait "$pid"
