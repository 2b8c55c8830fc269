#!/usr/bin/env bash
# Issue 4's PKCS#11 load test, in one run: SoftHSM2 and libcloudhsm_pkcs11.so (against a fresh local
# node) driven by the same load generator, with `openssl speed` beside them as the roof.
# Results go to $OUT (default bench-results/pkcs11-<time>): the generator's tables, JSON lines and
# openssl's output; a summary is printed at the end. See docs/PERFORMANCE.md.
#
#   bench/pkcs11-load.sh                      # threads 1,2; 10 s per measurement; find among 10,000 and 100,000
#   THREADS=2 SECONDS_EACH=5 OBJECTS=10000 bench/pkcs11-load.sh
#   SKIP_BUILD=1 ...                          # use what is built (Release) and published (artifacts/pkcs11)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
THREADS=${THREADS:-1,2}
SECONDS_EACH=${SECONDS_EACH:-10}
WARMUP=${WARMUP:-2}
OBJECTS=${OBJECTS:-10000,100000}
OPS=${OPS:-rsa-sign,ecdsa-sign,aes-gcm,hmac,random,find}
PORT=${PORT:-2425}
OUT=${OUT:-$ROOT/bench-results/pkcs11-$(date +%Y%m%d-%H%M%S)}
SOFTHSM=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
MODULE=$ROOT/artifacts/pkcs11/libcloudhsm_pkcs11.so
LOAD=$ROOT/bench/CloudHsm.Pkcs11Load/bin/Release/net10.0/CloudHsm.Pkcs11Load.dll
CLI=$ROOT/src/CloudHsm.Cli/bin/Release/net10.0/cloudhsm.dll

mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/pkcs11-load.XXXXXX)
NODE_PID=
cleanup() {
    if [[ -n $NODE_PID ]] && kill -0 "$NODE_PID" 2>/dev/null; then kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [[ ! -f $SOFTHSM ]]; then
    if [[ $(id -u) -eq 0 ]]; then apt-get install -y softhsm2 >/dev/null
    else echo "softhsm2 is not installed (apt-get install softhsm2, as root)" >&2; exit 1; fi
fi

if [[ -z ${SKIP_BUILD:-} ]]; then
    (cd "$ROOT" && dotnet build CloudHsm.slnx -c Release -nologo -v quiet \
        && dotnet publish src/CloudHsm.Pkcs11/CloudHsm.Pkcs11.csproj -r linux-x64 -c Release -o artifacts/pkcs11 -nologo -v quiet)
fi

# How many objects the node must hold: the largest find count plus the bench keys.
MAX_OBJECTS=$(tr ',' '\n' <<<"$OBJECTS" | sort -n | tail -1)
MAX_KEYS=$(( MAX_OBJECTS + 100 ))
(( MAX_KEYS < 3200 )) && MAX_KEYS=3200

{
    echo "date: $(date -u +%FT%TZ)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "softhsm2: $(dpkg-query -W -f='${Version}' softhsm2 2>/dev/null || echo '?'); $(openssl version)"
    echo "module transport: $(grep -l 'class .*ModuleTransport' "$ROOT"/src/CloudHsm.Pkcs11/Transport/*.cs | xargs -n1 basename | tr '\n' ' ')"
    echo "threads $THREADS, $SECONDS_EACH s each after $WARMUP s warm-up; objects $OBJECTS"
} | tee "$OUT/environment.txt"

# --- SoftHSM2: a fresh token in a temporary directory
export SOFTHSM2_CONF=$WORK/softhsm2.conf
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >"$SOFTHSM2_CONF"
SOFTHSM_PIN=87654321
softhsm2-util --init-token --free --label bench --so-pin 12345678 --pin "$SOFTHSM_PIN" >/dev/null

COMMON=(--threads "$THREADS" --seconds "$SECONDS_EACH" --warmup "$WARMUP" --ops "$OPS" --objects "$OBJECTS" --json "$OUT/results.jsonl")

echo "== SoftHSM2 (session objects, as the issue's baseline)"
BENCH_PIN=$SOFTHSM_PIN dotnet "$LOAD" --module "$SOFTHSM" --pin-env BENCH_PIN --token-label bench --name softhsm2 "${COMMON[@]}" \
    | tee "$OUT/softhsm2.md"

# --- our module against a fresh local node
echo "== CloudHSM node on 127.0.0.1:$PORT (max keys $MAX_KEYS)"
dotnet "$CLI" dev up --dir "$WORK/node" --port "$PORT" --max-keys "$MAX_KEYS" >"$OUT/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 120); do
    grep -q 'Press Ctrl+C' "$OUT/node.log" 2>/dev/null && break
    kill -0 "$NODE_PID" 2>/dev/null || { echo "the node stopped:"; cat "$OUT/node.log"; exit 1; }
    sleep 1
done
grep -q 'Press Ctrl+C' "$OUT/node.log" || { echo "the node did not come up in 120 s" >&2; exit 1; }
export CLOUDHSM_CONFIG=$WORK/node/client.json
CU_PIN=$(python3 -c 'import json,sys; u=[u for u in json.load(open(sys.argv[1]))["users"] if u["type"]=="CU"][0]; print(u["name"]+":"+u["password"])' \
    "$WORK/node/credentials.json")
echo "== CloudHSM (token keys and token objects)"
BENCH_PIN=$CU_PIN dotnet "$LOAD" --module "$MODULE" --pin-env BENCH_PIN --name cloudhsm --token-keys --token-objects "${COMMON[@]}" \
    | tee "$OUT/cloudhsm.md"
echo "node CPU seconds (user+system) over the whole run: $(awk '{print ($14+$15)/100}' /proc/$NODE_PID/stat)" | tee -a "$OUT/environment.txt"
kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; NODE_PID=

# --- the roof: openssl speed, two processes as the two threads
echo "== openssl speed (-multi 2)"
{
    openssl speed -seconds 5 -multi 2 rsa2048 ecdsap256 2>/dev/null
    openssl speed -seconds 5 -multi 2 -evp aes-256-gcm -bytes 1024 2>/dev/null
    openssl speed -seconds 5 -multi 2 -hmac sha256 -bytes 1024 2>/dev/null
} >"$OUT/openssl-speed.txt"
awk '
    /^rsa 2048 bits/ { printf "openssl RSA-2048 sign: %.0f/s\n", $6 }
    /^ *256 bits ecdsa \(nistp256\)/ { printf "openssl ECDSA P-256 sign: %.0f/s\n", $7 }
    /^AES-256-GCM/ { v=$2; sub("k","",v); printf "openssl AES-256-GCM 1 KiB: %.0f/s\n", v*1000/1024 }
    # with -multi, openssl 3.0 labels the summed HMAC line hmac(md5); it is the -hmac sha256 run
    /^hmac\(/ { v=$2; sub("k","",v); printf "openssl HMAC-SHA256 1 KiB: %.0f/s\n", v*1000/1024 }
' "$OUT/openssl-speed.txt" | tee "$OUT/openssl.md"

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/environment.txt"
echo "results in $OUT"
