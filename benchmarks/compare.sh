#!/usr/bin/env bash
# Runs the load measurements of benchmarks/README.md ("Results") against Hatchway and Mosquitto side by side,
# alternating the two servers, each started fresh for every run on a loopback port:
#   throughput  QoS 1 and QoS 0, 50 connections, 64 B, as fast as a window of 16 allows, ROUNDS rounds each;
#   latency     QoS 1 at a fixed 20,000 msg/s after a 15 s warm-up, ROUNDS rounds;
#   connect     10,000 connections at once (Hatchway with password authentication, Mosquitto without), ROUNDS rounds,
#               each a first (cold) ramp and a second one measured on the same server process;
#   idle        10,000 and 18,000 idle connections: heap (Hatchway, after a full GC) and RSS per connection, and the
#               QoS 1 latency of 50 other connections at 5,000 msg/s before and while they are connected.
# Prints the summary lines of every run and writes each run's JSON summary to OUT. Takes about 25 minutes with
# ROUNDS=3; the machine should be otherwise idle. Only loopback traffic; every run ends by itself.
#   benchmarks/compare.sh /tmp/compare              # everything
#   benchmarks/compare.sh /tmp/compare idle         # some parts: throughput latency connect idle
# Build first: mvn -B -Pshaded -pl benchmarks -am package -DskipTests. Needs Debian's mosquitto.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 OUT [throughput|latency|connect|idle ...]" >&2
    exit 2
fi
out=$1
shift
parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(throughput latency connect idle)
rounds=${ROUNDS:-3}
duration=${DURATION:-20s}
hatchway_port=${HATCHWAY_PORT:-18850}
mosquitto_port=${MOSQUITTO_PORT:-18851}
here=$(cd "$(dirname "$0")" && pwd)
bench_jar=${BENCH_JAR:-$here/target/hatchway-bench.jar}
bench=(java -jar "$bench_jar")
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/hatchway
mkdir -p "$work"
# One registry for every run: the idle connections are dev-0.., the 50 others dev-18000..
mkdir -p "$work/registry"
[[ -f "$work/registry/registry.yaml" ]] \
    || "${bench[@]}" --devices 18050 --registry-out "$work/registry/registry.yaml" --registry-only

server_pid=
server_job=

wait_for_port() {
    for _ in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

start() { # hatchway|mosquitto
    if [[ $1 == hatchway ]]; then
        rm -f "$work/events.jsonl"
        "$here/hatchway.sh" "$hatchway_port" "$work" >>"$out/hatchway.log" 2>&1 &
        server_job=$!
        wait_for_port "$hatchway_port"
        server_pid=$(pgrep -P "$server_job" java)
    else
        "$here/mosquitto.sh" "$mosquitto_port" >>"$out/mosquitto.log" 2>&1 &
        server_job=$!
        wait_for_port "$mosquitto_port"
        server_pid=$(pgrep -P "$server_job" mosquitto)
    fi
}

stop() {
    kill -TERM "$server_job" 2>/dev/null || true
    wait "$server_job" 2>/dev/null || true
    server_job=
}
trap stop EXIT

target() { # hatchway|mosquitto -> the tool's options for that server
    if [[ $1 == hatchway ]]; then
        echo "--port $hatchway_port"
    else
        echo "--port $mosquitto_port --no-auth"
    fi
}

measure() { # NAME SERVER OPTIONS... : one run against the running server, its summary lines printed
    local name=$1 server=$2
    shift 2
    # shellcheck disable=SC2046 # target's words are options
    "${bench[@]}" $(target "$server") --server-pid "$server_pid" --summary-json "$out/$name.json" "$@" \
        >"$out/$name.txt" 2>"$out/$name.progress" || true
    echo "== $name"
    grep -E '^(connections|publishing|latency|cpu|errors)' "$out/$name.txt" | sed 's/^/   /' || true
}

run() { # NAME SERVER OPTIONS... : one run against a fresh server
    start "$2"
    measure "$@"
    stop
}

heap_used_kib() { # PID -> used heap in KiB after a full GC
    jcmd "$1" GC.run >/dev/null
    jcmd "$1" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub("K", "", $(i + 1)); print $(i + 1); exit } }'
}

rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

idle() { # SERVER CONNECTIONS
    local server=$1 n=$2 name="idle-$1-$2"
    start "$server"
    local others=(--first-device 18000 --devices 50 --qos 1 --rate 5000 --warmup 5s --duration 20s)
    # shellcheck disable=SC2046
    "${bench[@]}" $(target "$server") "${others[@]}" --summary-json "$out/$name-others-before.json" \
        >"$out/$name-others-before.txt" 2>/dev/null || true
    local heap0=0 rss0
    [[ $server == hatchway ]] && heap0=$(heap_used_kib "$server_pid")
    rss0=$(rss_kib "$server_pid")
    # The idle connections: a ramp of 2,000/s, then held; long enough for the measurements below.
    # shellcheck disable=SC2046
    "${bench[@]}" $(target "$server") --devices "$n" --connect-rate 2000 --connect-timeout 30s --rate 0 \
        --duration 120s --summary-json "$out/$name.json" >"$out/$name.txt" 2>"$out/$name.progress" &
    local idle_job=$!
    sleep $((n / 2000 + 15))
    # shellcheck disable=SC2046
    "${bench[@]}" $(target "$server") "${others[@]}" --summary-json "$out/$name-others-during.json" \
        >"$out/$name-others-during.txt" 2>/dev/null || true
    local heap1=0 rss1
    [[ $server == hatchway ]] && heap1=$(heap_used_kib "$server_pid")
    rss1=$(rss_kib "$server_pid")
    local connected
    connected=$(tail -c 300 "$out/$name.progress" | tr '\r' '\n' | grep -o 'connected [0-9]*' | tail -1 || true)
    wait "$idle_job" || true
    stop
    echo "== $name: $connected idle connections at the measurement"
    if [[ $server == hatchway ]]; then
        echo "   heap after full GC: $heap0 KiB before, $heap1 KiB with them: $(((heap1 - heap0) * 1024 / n)) B each"
    fi
    echo "   RSS: $rss0 KiB before, $rss1 KiB with them: $(((rss1 - rss0) * 1024 / n)) B each"
    echo "   50 others at 5,000 msg/s before:  $(grep -E '^latency' "$out/$name-others-before.txt" || true)"
    echo "   50 others at 5,000 msg/s during:  $(grep -E '^latency' "$out/$name-others-during.txt" || true)"
    grep -E '^connections' "$out/$name.txt" | sed 's/^/   /' || true
}

for part in "${parts[@]}"; do
    case $part in
    throughput)
        for qos in 1 0; do
            for round in $(seq 1 "$rounds"); do
                for server in hatchway mosquitto; do
                    run "qos$qos-$server-$round" "$server" --devices 50 --qos "$qos" --warmup 5s --duration "$duration"
                done
            done
        done
        ;;
    latency)
        for round in $(seq 1 "$rounds"); do
            for server in hatchway mosquitto; do
                run "rate20k-$server-$round" "$server" --devices 50 --qos 1 --rate 20000 --warmup 15s \
                    --duration "$duration"
            done
        done
        ;;
    connect)
        for round in $(seq 1 "$rounds"); do
            for server in hatchway mosquitto; do
                # The first ramp warms the server up (for Hatchway: the JIT compiles the connect path), the second
                # is measured; both are recorded.
                start "$server"
                measure "connect-$server-$round-cold" "$server" --devices 10000 --connect-rate 0 --duration 0s
                measure "connect-$server-$round" "$server" --devices 10000 --connect-rate 0 --duration 0s
                stop
            done
        done
        ;;
    idle)
        for n in 10000 18000; do
            for server in hatchway mosquitto; do
                idle "$server" "$n"
            done
        done
        ;;
    *)
        echo "unknown part '$part': throughput latency connect idle" >&2
        exit 2
        ;;
    esac
done
