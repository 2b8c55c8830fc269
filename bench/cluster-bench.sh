#!/usr/bin/env bash
# Issue 5's cluster benchmark, in one run, against real `cloudhsm node` processes on loopback:
#   1. write latency and throughput (AES-256 token key as the CU, CU creation as the CO), one client
#      and several at once, on a standalone node (`dev up --nodes 1`), a one-node Raft cluster (a
#      founder alone: `dev up --nodes 2`, node 2 removed) and three nodes (to the leader, and to a
#      follower, which forwards to the leader);
#   2. failover: a client writing in a loop, the leader killed (SIGKILL), time to the next write;
#   3. catch-up: a follower of a partition with CATCHUP_KEYS keys wiped, removed, re-admitted and
#      restarted with --join; time until its applied index reaches the leader's commit index.
# The generator is bench/CloudHsm.ClusterLoad (HsmClient, the .NET SDK). Results go to $OUT (default
# bench-results/cluster-<time>): the tables, JSON lines, the environment; node logs stay in $WORK
# when KEEP_WORK=1. See docs/PERFORMANCE.md, "Issue 5: the cluster".
#
#   bench/cluster-bench.sh                              # defaults: about 8 to 10 minutes on 2 shared cores
#   CLIENTS=1,2,4 KEYS=500 USERS=50 FAILOVERS=10 CATCHUP_KEYS=100000 bench/cluster-bench.sh
#   SETUPS=cluster-3 PHASES=failover bench/cluster-bench.sh   # one setup, one phase
#   SKIP_BUILD=1 ...                                    # use what is built (Release)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-2525}
SETUPS=${SETUPS:-standalone,cluster-1,cluster-3}
PHASES=${PHASES:-latency,failover,catchup}
CLIENTS=${CLIENTS:-1,4}
KEYS=${KEYS:-200}
USERS=${USERS:-25}
FAILOVERS=${FAILOVERS:-5}
CLIENT_ON=${CLIENT_ON:-leader}
CATCHUP_KEYS=${CATCHUP_KEYS:-10000}
OUT=${OUT:-$ROOT/bench-results/cluster-$(date +%Y%m%d-%H%M%S)}
CLI=$ROOT/src/CloudHsm.Cli/bin/Release/net10.0/cloudhsm.dll
LOAD=$ROOT/bench/CloudHsm.ClusterLoad/bin/Release/net10.0/CloudHsm.ClusterLoad.dll
# Room for every key the run makes (latency keys per setup, the catch-up fill) under the partition's limit.
MAX_KEYS=$(( CATCHUP_KEYS + 20000 ))

mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/cluster-bench.XXXXXX)
DEV_PID=
cleanup() {
    if [[ -n $DEV_PID ]] && kill -0 "$DEV_PID" 2>/dev/null; then kill "$DEV_PID"; wait "$DEV_PID" 2>/dev/null || true; fi
    if [[ -z ${KEEP_WORK:-} ]]; then rm -rf "$WORK"; else echo "node data and logs kept in $WORK"; fi
}
trap cleanup EXIT

if [[ -z ${SKIP_BUILD:-} ]]; then
    (cd "$ROOT" && dotnet build CloudHsm.slnx -c Release -nologo -v quiet)
fi

{
    echo "date: $(date -u +%FT%TZ)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "setups $SETUPS; phases $PHASES; clients $CLIENTS; $KEYS keys and $USERS users per client; $FAILOVERS failovers (client on the $CLIENT_ON); $CATCHUP_KEYS keys for catch-up"
} | tee "$OUT/environment.txt"

# dev_up DIR PORT NODES: `cloudhsm dev up` in the background until it says it is ready.
dev_up() {
    dotnet "$CLI" dev up --dir "$1" --port "$2" --nodes "$3" --max-keys "$MAX_KEYS" >"$1.log" 2>&1 &
    DEV_PID=$!
    for _ in $(seq 1 300); do
        grep -q 'Press Ctrl+C' "$1.log" 2>/dev/null && return 0
        kill -0 "$DEV_PID" 2>/dev/null || { echo "dev up stopped:"; cat "$1.log"; exit 1; }
        sleep 1
    done
    echo "dev up did not come up in 300 s" >&2; exit 1
}
dev_down() { kill "$DEV_PID"; wait "$DEV_PID" 2>/dev/null || true; DEV_PID=; }

has() { [[ ",$1," == *",$2,"* ]]; }
only() { # the phases of $PHASES among the given ones, comma-separated
    local picked=() p
    for p in "$@"; do has "$PHASES" "$p" && picked+=("$p"); done
    (IFS=,; echo "${picked[*]}")
}
COMMON=(--clients "$CLIENTS" --keys "$KEYS" --users "$USERS" --json "$OUT/results.jsonl")

if has "$SETUPS" standalone && has "$PHASES" latency; then
    echo "== standalone node (dev up --nodes 1, no Raft)"
    dev_up "$WORK/standalone" "$PORT" 1
    dotnet "$LOAD" --dir "$WORK/standalone" --name standalone --phases latency --targets any "${COMMON[@]}" | tee -a "$OUT/latency.md"
    dev_down
fi

if has "$SETUPS" cluster-1 && has "$PHASES" latency; then
    echo "== one-node Raft cluster (dev up --nodes 2, node 2 removed, the founder restarted alone)"
    dev_up "$WORK/solo" $((PORT + 100)) 2
    export CLOUDHSM_CONFIG=$WORK/solo/client.json CLOUDHSM_CREDENTIALS=$WORK/solo/credentials.json
    SECOND=$(dotnet "$CLI" cluster info --json | python3 -c 'import json,sys; print([n["id"] for n in json.load(sys.stdin)["nodes"] if n["endpoint"].endswith(":'$((PORT + 110))'")][0])')
    dotnet "$CLI" cluster remove-node --node-id "$SECOND"
    # remove-node returns once the partition has recorded it; the leader takes the node out of the Raft
    # membership in its next round (every second). Stopped before that, the founder would restart
    # as one of two voters and never elect itself.
    sleep 5
    unset CLOUDHSM_CONFIG CLOUDHSM_CREDENTIALS
    dev_down
    dotnet "$LOAD" --dir "$WORK/solo" --name cluster-1 --start 1 --port $((PORT + 100)) --cli "$CLI" --phases latency --targets leader "${COMMON[@]}" \
        | tee -a "$OUT/latency.md"
fi

if has "$SETUPS" cluster-3; then
    PICKED=$(only latency failover catchup)
    if [[ -n $PICKED ]]; then
        echo "== three-node Raft cluster (dev up --nodes 3, then the nodes run as this benchmark's processes)"
        dev_up "$WORK/three" $((PORT + 200)) 3
        dev_down
        dotnet "$LOAD" --dir "$WORK/three" --name cluster-3 --start 3 --port $((PORT + 200)) --cli "$CLI" --phases "$PICKED" --targets leader,follower \
            --failovers "$FAILOVERS" --client-on "$CLIENT_ON" --catchup-keys "$CATCHUP_KEYS" "${COMMON[@]}" | tee -a "$OUT/cluster-3.md"
    fi
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/environment.txt"
echo "results in $OUT"
