#!/usr/bin/env bash
# Makes a throw-away PKI for trying Hatchway's TLS listeners locally, with nothing but openssl:
#
#   app-ca.pem / app-ca.key         the application's CA (the registry's trust anchor for my-app)
#   device1.pem / device1.key       a device certificate, CN=device1, signed by app-ca
#   server-ca.pem / server-ca.key   a separate CA for the server; clients trust it with --cafile
#   server.pem / server.key         the server certificate for localhost, 127.0.0.1 and ::1
#   device1.psk                     a 32-byte pre-shared key for device1, hex
#
# All keys are EC P-256, unencrypted PKCS#8 PEM. At the end it prints the registry snippet and client commands.
#
# Usage: docker/make-certs.sh [--force] [DIR]     (DIR defaults to docker/certs; --force overwrites)
set -euo pipefail

readonly APP=my-app
readonly DEVICE=device1
readonly CA_DAYS=3650
readonly LEAF_DAYS=825

usage() {
    sed -n 's/^# Usage: //p' "$0" >&2
    exit 2
}

force=false
dir=""
while (($#)); do
    case "$1" in
        --force) force=true ;;
        -h | --help) usage ;;
        -*) echo "make-certs.sh: unknown option $1" >&2; usage ;;
        *)
            [[ -z "$dir" ]] || usage
            dir="$1"
            ;;
    esac
    shift
done
dir="${dir:-$(dirname "$0")/certs}"

outputs=(app-ca.pem app-ca.key server-ca.pem server-ca.key server.pem server.key
    "$DEVICE.pem" "$DEVICE.key" "$DEVICE.psk")
if ! $force; then
    existing=()
    for file in "${outputs[@]}"; do
        [[ ! -e "$dir/$file" ]] || existing+=("$dir/$file")
    done
    if ((${#existing[@]})); then
        echo "make-certs.sh: refusing to overwrite ${existing[*]} (use --force)" >&2
        exit 1
    fi
fi
mkdir -p "$dir"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Extensions for each kind of certificate; -subj gives the names.
cat >"$work/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[device]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

new_key() { # name
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key")
}

new_ca() { # name subject
    new_key "$1"
    openssl req -new -x509 -sha256 -days "$CA_DAYS" -config "$work/openssl.cnf" -extensions ca \
        -key "$dir/$1.key" -subj "$2" -out "$dir/$1.pem"
}

new_leaf() { # name subject extensions ca
    new_key "$1"
    openssl req -new -config "$work/openssl.cnf" -key "$dir/$1.key" -subj "$2" -out "$work/$1.csr"
    openssl x509 -req -sha256 -days "$LEAF_DAYS" -in "$work/$1.csr" -CA "$dir/$4.pem" -CAkey "$dir/$4.key" \
        -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/openssl.cnf" -extensions "$3" \
        -out "$dir/$1.pem" 2>/dev/null
}

new_ca app-ca "/O=Hatchway/CN=$APP CA"
new_ca server-ca "/O=Hatchway/CN=Hatchway server CA"
new_leaf server "/O=Hatchway/CN=localhost" server server-ca
new_leaf "$DEVICE" "/CN=$DEVICE" device app-ca

openssl rand 32 >"$work/psk"
(umask 077 && od -An -v -tx1 "$work/psk" | tr -d ' \n' >"$dir/$DEVICE.psk")
psk_hex="$(cat "$dir/$DEVICE.psk")"
psk_base64="$(openssl base64 -A <"$work/psk")"

cat <<EOF
Wrote to $dir: ${outputs[*]}

Registry snippet (paste into registry.yaml):

applications:
  - metadata: { name: $APP }
    spec:
      trustAnchors:
        - certificate: |
$(sed 's/^/            /' "$dir/app-ca.pem")
devices:
  - metadata: { name: $DEVICE, application: $APP }
    spec:
      authentication:
        credentials:
          - psk: { key: "$psk_base64" }

Serve TLS with $dir/server.pem and $dir/server.key, then:

  # X.509: the device presents $DEVICE.pem, issued by the application's trust anchor
  mosquitto_pub --cafile $dir/server-ca.pem --cert $dir/$DEVICE.pem --key $dir/$DEVICE.key \\
      -h localhost -p 8883 -t temp -m '{"t":21}'

  # TLS-PSK: the identity is <device>@<application>, the key is hex on the command line, base64 in the registry
  mosquitto_pub --psk $psk_hex --psk-identity $DEVICE@$APP \\
      -h 127.0.0.1 -p 8884 -t temp -m '{"t":21}'

Another PSK: make one with 'openssl rand -hex 32', give that hex to --psk, and put its base64 form,
'echo <hex> | xxd -r -p | base64', in the registry as - psk: { key: "<base64>" }.
EOF
