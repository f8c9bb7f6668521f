#!/usr/bin/env bash
# Starts Debian's mosquitto on 127.0.0.1:PORT in the foreground, for side-by-side runs with hatchway-bench:
# anonymous clients, no persistence, a temporary config removed on exit. Ctrl-C stops it.
#   benchmarks/mosquitto.sh 1884
set -euo pipefail

if [[ $# -ne 1 || ! "$1" =~ ^[0-9]+$ || "$1" -lt 1 || "$1" -gt 65535 ]]; then
    echo "usage: $0 PORT" >&2
    exit 2
fi
port=$1
mosquitto=${MOSQUITTO:-/usr/sbin/mosquitto}
if [[ ! -x "$mosquitto" ]]; then
    echo "$mosquitto not found: install Debian's mosquitto (apt-get install mosquitto)" >&2
    exit 1
fi

config=$(mktemp -t hatchway-bench-mosquitto.XXXXXX.conf)
trap 'rm -f "$config"' EXIT
cat >"$config" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
# QoS 1/2 messages in flight per client, both directions; matches Hatchway's default receiveMaximum
max_inflight_messages 32
max_queued_messages 1000
max_connections -1
# The load tool publishes to topics nobody subscribes to: nothing is queued for delivery
log_dest stderr
log_type error
log_type warning
log_type notice
connection_messages false
# Like Hatchway (and most servers): no Nagle delay on small packets such as PUBACK
set_tcp_nodelay true
CONF

echo "mosquitto on 127.0.0.1:$port (config $config)" >&2
"$mosquitto" -c "$config" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$config"' EXIT INT TERM
wait "$pid"
