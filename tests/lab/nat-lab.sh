#!/usr/bin/env bash
# The NAT lab (docs/nat-lab.md): real `meshhost` processes behind real nftables NATs, built from
# network namespaces on this machine. Each scenario gets fresh namespaces (conntrack state lives per
# namespace and survives `nft flush ruleset`), and everything is torn down on exit, error or Ctrl+C.
#
#   tests/lab/nat-lab.sh [--attempts N] [--scenario NAME]... [--results FILE] [--list]
#
# --attempts: fresh pairs per figure (default 5, which keeps the lab to a few minutes; the figures in
# docs/benchmarks.md use 20). LAB_DEBUG=1 logs the nodes at Debug; KEEP_WORK=1 keeps their logs.
# Needs root, `ip` (iproute2), `nft` (nftables), `jq`, and a Release build of src/MeshHost.
# Exit code: 0 when every check of every scenario passed, 1 when one failed, 2 on bad usage,
# 77 when the machine cannot run the lab (the reason is printed on one SKIPPED line).
set -uo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_DIR/../.." && pwd)
DLL=${MESHHOST_DLL:-$REPO/src/MeshHost/bin/Release/net10.0/meshhost.dll}
PREFIX="mhl$$"        # every namespace this run creates starts with this: unique per run
ATTEMPTS=${LAB_ATTEMPTS:-5}
RESULTS=""
SCENARIOS=()
ALL_SCENARIOS=(public port-preserving symmetric-one symmetric-both same-lan loss upgrade fileshare)

# Addresses: documentation ranges only, and only inside namespaces this script creates.
INTERNET=203.0.113          # the "internet" segment (a bridge in the internet namespace)
PUBLIC_IP=$INTERNET.1       # the public bootstrap/relay node
PUBLIC2_IP=$INTERNET.2      # a second public node: NAT classification compares what different peers report
PORT=47800

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --attempts) ATTEMPTS=$2; shift 2 ;;
    --scenario) SCENARIOS+=("$2"); shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --list) printf '%s\n' "${ALL_SCENARIOS[@]}"; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "nat-lab: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ ${#SCENARIOS[@]} -eq 0 ] && SCENARIOS=("${ALL_SCENARIOS[@]}")
for s in "${SCENARIOS[@]}"; do
  [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || { echo "nat-lab: unknown scenario '$s' (--list shows them)" >&2; exit 2; }
done
[[ "$ATTEMPTS" =~ ^[1-9][0-9]*$ ]] && [ "$ATTEMPTS" -le 50 ] || { echo "nat-lab: --attempts is 1 to 50" >&2; exit 2; }

skip() { echo "SKIPPED: NAT lab: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces and nftables)"
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
command -v nft >/dev/null || skip "nft (nftables) is not installed"
command -v jq >/dev/null || skip "jq is not installed"
command -v dotnet >/dev/null || skip "dotnet is not on PATH"
[ -f "$DLL" ] || skip "no meshhost build at $DLL (dotnet build src/MeshHost -c Release)"
ip netns add "${PREFIX}probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "${PREFIX}probe"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshhost-lab.XXXXXX")
[ -n "$RESULTS" ] || RESULTS=$WORK/results.jsonl
: > "$RESULTS"
ROOT_LINKS=$(ip -o link show | awk -F': ' '{print $2}' | sort)
declare -a NAMESPACES=() PIDS=()
declare -A NODE_NS=() NODE_DIR=() NODE_PID=() ROUTER_HOSTS=() ROUTER_LAN=() ROUTER_WAN=() ROUTER_MODE=() HOST_IP=()
SCENARIO=""; SCENARIO_FAILED=0; INET=""; NODE_ENV=(DOTNET_NOLOGO=1)
declare -a SUMMARY=()
FAILED=0

log() { printf '[lab %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# ---------------------------------------------------------------- teardown (always runs)

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
}

teardown_scenario() {
  local pid ns
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; wait "$pid" 2>/dev/null; done
  # Anything else still inside a lab namespace was started by this script: end it by its id.
  for ns in "${NAMESPACES[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  PIDS=(); NAMESPACES=(); NODE_NS=(); NODE_DIR=(); NODE_PID=(); ROUTER_HOSTS=(); ROUTER_LAN=(); ROUTER_WAN=(); ROUTER_MODE=(); HOST_IP=()
}

on_exit() {
  local status=$?
  trap - EXIT INT TERM
  teardown_scenario
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" ); do ip netns del "$ns" 2>/dev/null; done
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$status" -ne 0 ]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- topology

# ns_new SHORT: creates $PREFIX-SHORT (not in a subshell: the list of namespaces to delete must see it).
ns_new() {
  local ns="$PREFIX-$1"
  ip netns add "$ns" || return 1
  NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
}

# The internet: one bridge, 203.0.113.0/24, no route anywhere else.
make_internet() {
  ns_new inet || return 1
  INET="$PREFIX-inet"
  ip -n "$INET" link add br0 type bridge
  ip -n "$INET" addr add "$PUBLIC_IP/24" dev br0
  ip -n "$INET" addr add "$PUBLIC2_IP/24" dev br0
  ip -n "$INET" link set br0 up
}

# The ruleset of a home router. MODE: port-preserving | random | fully-random. LOSS: percent dropped each way on the WAN.
router_rules() {
  local mode=$1 loss=${2:-0} flags=""
  case "$mode" in port-preserving) flags="" ;; random) flags="random" ;; fully-random) flags="fully-random" ;; esac
  cat <<EOF
table ip nat {
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "wan" masquerade $flags; }
}
table inet filter {
  chain input { type filter hook input priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }
  chain forward { type filter hook forward priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }
}
EOF
  if [ "$loss" -gt 0 ]; then
    cat <<EOF
table inet loss {
  chain inbound { type filter hook prerouting priority -300; policy accept; iifname "wan" numgen random mod 100 < $loss drop; }
  chain outbound { type filter hook postrouting priority 300; policy accept; oifname "wan" numgen random mod 100 < $loss drop; }
}
EOF
  fi
}

# make_router TAG WAN_IP LAN_PREFIX(e.g. 10.0.1) MODE [LOSS]
make_router() {
  local tag=$1 wan=$2 lan=$3 mode=$4 loss=${5:-0} r="$PREFIX-r$1"
  ns_new "r$tag" || return 1
  ip -n "$r" link add wan type veth peer name "w$tag" netns "$INET"
  ip -n "$INET" link set "w$tag" master br0 up
  ip -n "$r" addr add "$wan/24" dev wan
  ip -n "$r" link set wan up
  ip -n "$r" link add lan type bridge
  ip -n "$r" addr add "$lan.1/24" dev lan
  ip -n "$r" link set lan up
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
  router_rules "$mode" "$loss" | ip netns exec "$r" nft -f - || return 1
  ROUTER_WAN[$tag]=$wan; ROUTER_LAN[$tag]=$lan; ROUTER_MODE[$tag]="$mode $loss"; ROUTER_HOSTS[$tag]=""
}

# attach_host HOST_TAG ROUTER_TAG HOST_NUMBER: a LAN host behind the router, routed to the internet through it (no default route).
attach_host() {
  local h="$PREFIX-h$1" r="$PREFIX-r$2" lan=${ROUTER_LAN[$2]} ip
  ip="$lan.$3"
  ip -n "$h" link add eth0 type veth peer name "l$1" netns "$r"
  ip -n "$r" link set "l$1" master lan up
  ip -n "$h" addr add "$ip/24" dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" route add "$INTERNET.0/24" via "$lan.1"
  HOST_IP[$1]=$ip
}

make_host() {
  ns_new "h$1" || return 1
  attach_host "$1" "$2" "$3"
  ROUTER_HOSTS[$2]="${ROUTER_HOSTS[$2]} $1:$3"
}

# replace_router TAG MODE: the router is deleted and built again with another NAT (a firmware change):
# its conntrack table and mappings go with it, so the new behaviour is what the hosts really get.
replace_router() {
  local tag=$1 mode=$2 hosts=${ROUTER_HOSTS[$1]} wan=${ROUTER_WAN[$1]} lan=${ROUTER_LAN[$1]} ns entry
  ns="$PREFIX-r$tag"
  ip netns del "$ns"
  # The kernel destroys a namespace asynchronously: its WAN veth's peer in the internet namespace
  # lingers for a moment, and creating the new router's veth under that name would fail.
  local wait_until=$((SECONDS + 20))
  while ip -n "$INET" link show "w$tag" >/dev/null 2>&1 && [ $SECONDS -lt $wait_until ]; do sleep 0.1; done
  for entry in $hosts; do
    while ip -n "$PREFIX-h${entry%%:*}" link show eth0 >/dev/null 2>&1 && [ $SECONDS -lt $wait_until ]; do sleep 0.1; done
  done
  local kept=(); for entry in "${NAMESPACES[@]}"; do [ "$entry" != "$ns" ] && kept+=("$entry"); done; NAMESPACES=("${kept[@]}")
  make_router "$tag" "$wan" "$lan" "$mode" || return 1
  for entry in $hosts; do attach_host "${entry%%:*}" "$tag" "${entry##*:}"; done
  ROUTER_HOSTS[$tag]=$hosts
}

# Nothing this lab builds may touch the machine's own interfaces.
check_root_untouched() {
  local now
  now=$(ip -o link show | awk -F': ' '{print $2}' | sort)
  check "the root namespace's interfaces are unchanged (nothing routes to real interfaces)" test "$now" = "$ROOT_LINKS"
}

# ---------------------------------------------------------------- nodes

# start_node NAME NS_SHORT PORT BEACON [BOOTSTRAP|-] [MORE RUN ARGUMENTS...]
start_node() {
  local name=$1 ns="$PREFIX-$2" port=$3 beacon=$4 bootstrap=${5:-} dir="$WORK/$SCENARIO/$1" args=()
  shift 5 2>/dev/null || shift $#
  mkdir -p "$dir"
  args=(run --data-dir "$dir" --port "$port" --lan-beacon "$beacon")
  if [ "$bootstrap" = public ]; then args+=(--bootstrap "$PUBLIC_IP:$PORT" --bootstrap "$PUBLIC2_IP:$PORT");
  elif [ -n "$bootstrap" ] && [ "$bootstrap" != - ]; then args+=(--bootstrap "$bootstrap"); fi
  # A node keeps only the sessions it needs (the two public nodes), so that a ping measures its own dial.
  ip netns exec "$ns" env MESHHOST_Mesh__TargetConnections=2 DOTNET_CLI_TELEMETRY_OPTOUT=1 ${LAB_DEBUG:+MESHHOST_Logging__LogLevel__MeshHost=Debug} "${NODE_ENV[@]}" \
    dotnet "$DLL" "${args[@]}" "$@" >"$dir/node.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid"); NODE_NS[$name]=$ns; NODE_DIR[$name]=$dir; NODE_PID[$name]=$pid
}

mh() { local name=$1; shift; ip netns exec "${NODE_NS[$name]}" dotnet "$DLL" "$@" --data-dir "${NODE_DIR[$name]}"; }

node_id() { mh "$1" id 2>/dev/null; }

# wait_ready NAME MIN_PEERS SECONDS: the node answers and has at least MIN_PEERS sessions.
wait_ready() {
  local name=$1 min=$2 deadline=$((SECONDS + $3)) peers
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "${NODE_PID[$name]}" 2>/dev/null || { log "node $name exited:"; tail -n 20 "${NODE_DIR[$name]}/node.log"; return 1; }
    peers=$(mh "$name" status --json 2>/dev/null | jq -r '.connectedPeers' 2>/dev/null)
    [ -n "$peers" ] && [ "$peers" -ge "$min" ] && return 0
    sleep 0.2
  done
  log "node $name not ready (wanted $min peers) within $3 s"; return 1
}

# The path a node's peers table reports for a peer ("none" without a session).
# "no-session" when there is no session, "unknown" when the table does not say.
peer_field() {
  mh "$1" peers --json 2>/dev/null | jq -r --arg id "$2" --arg f "$3" '[.peers[] | select(.id == $id)][0] | if . == null then "no-session" else (.[$f] // "unknown") end'
}

# The beacon address must be loopback or this namespace's own LAN broadcast.
check_beacon() {
  local name=$1 allowed=$2 got
  got=$(mh "$name" status --json | jq -r '.lanBeaconAddress // "off"')
  check "$name beacons only inside its namespace ($got)" test "$got" = off -o "$got" = 127.0.0.1 -o "$got" = "$allowed"
}

# ---------------------------------------------------------------- checks and records

# nat_check NAME JQ_TEST DESCRIPTION: waits up to 20 s for the node's `status --json` .nat to pass the jq test.
nat_check() {
  local name=$1 test=$2 what=$3 deadline=$((SECONDS + 20)) nat=""
  while [ $SECONDS -lt $deadline ]; do
    nat=$(mh "$name" status --json 2>/dev/null | jq -c '.nat // {}')
    [ "$(echo "$nat" | jq -r "$test" 2>/dev/null)" = true ] && break
    sleep 0.5
  done
  check "$name: $what (nat $(echo "$nat" | jq -c '{class, reflexiveEndPoint, publiclyReachable, relayServing, relays}'))" test "$(echo "$nat" | jq -r "$test" 2>/dev/null)" = true
}

check() {
  local what=$1; shift
  if "$@"; then log "PASS  $SCENARIO: $what"; else log "FAIL  $SCENARIO: $what"; SCENARIO_FAILED=1; fi
}

# ping_check FROM TO_ID EXPECT_PATH COUNT SIZE [WINDOW] [KIND]: every echo intact and the path as expected; records the ping.
ping_check() {
  local from=$1 id=$2 expect=$3 count=$4 size=$5 window=${6:-1} kind=${7:-check} out rc path
  out=$(mh "$from" ping "$id" --count "$count" --size "$size" --window "$window" --timeout 45 --json 2>"$WORK/ping.err"); rc=$?
  if [ -z "$out" ]; then out=$(jq -cn --arg e "$(tr '\n' ' ' < "$WORK/ping.err")" '{error: $e, path: "none", echoed: 0}'); fi
  echo "$out" | jq -c --arg s "$SCENARIO" --arg k "$kind" --arg x "$expect" --argjson rc "$rc" '. + {scenario: $s, kind: $k, expect: $x, exitCode: $rc}' >> "$RESULTS"
  path=$(echo "$out" | jq -r '.path')
  [ "$kind" = check ] || { [ "$rc" -eq 0 ] && [ "$path" = "$expect" ]; return; }
  check "ping $from -> ${id:0:8}: $count x $size bytes echoed intact (exit $rc: $(echo "$out" | jq -r '"\(.echoed // 0)/\(.count // '"$count"') echoed, \(.corrupted // 0) corrupted, p50 \(.rttP50Ms // "-") ms, \(.throughputBytesPerSecond // 0 | floor) B/s\(if .error then ", " + .error else "" end)"'))" test "$rc" -eq 0
  check "ping $from -> ${id:0:8} path is $expect (got $path)" test "$path" = "$expect"
}

# connect_check FROM TO_ID EXPECT_PATH: meshhost connect, then the peers table's path.
connect_check() {
  local from=$1 id=$2 expect=$3 out rc path
  out=$(mh "$from" connect "$id" --json 2>&1); rc=$?
  check "connect $from -> ${id:0:8} ($(echo "$out" | tr '\n' ' ' | cut -c1-160))" test "$rc" -eq 0
  path=$(peer_field "$from" "$id" path)
  check "$from's peers table shows ${id:0:8} as $expect (got $path)" test "$path" = "$expect"
}

# attempts KIND FROM TARGET_NS TARGET_BEACON EXPECT: ATTEMPTS fresh nodes in TARGET_NS, each pinged once by FROM, which
# has never dialled them: the ping's first reply is the time to first message over a new path. Targets start in
# batches of 5, so that a loaded machine still starts them within the timeouts.
attempts() {
  local kind=$1 from=$2 tns=$3 beacon=$4 expect=$5 i first last ok=0 id
  log "$SCENARIO: $ATTEMPTS attempts ($kind) with fresh nodes in $tns"
  for ((first = 1; first <= ATTEMPTS; first += 5)); do
    last=$((first + 4 > ATTEMPTS ? ATTEMPTS : first + 4))
    for ((i = first; i <= last; i++)); do start_node "t$i" "$tns" $((PORT + 10 + i)) "$beacon" public; done
    for ((i = first; i <= last; i++)); do
      if wait_ready "t$i" 1 120 && id=$(node_id "t$i") && [ -n "$id" ]; then
        ping_check "$from" "$id" "$expect" 4 4096 1 "$kind" && ok=$((ok + 1))
      else
        echo "{\"scenario\": \"$SCENARIO\", \"kind\": \"$kind\", \"expect\": \"$expect\", \"exitCode\": -1, \"path\": \"none\", \"error\": \"target t$i did not start\"}" >> "$RESULTS"
      fi
    done
    for ((i = first; i <= last; i++)); do stop_pid "${NODE_PID[t$i]}"; done
  done
  check "$kind: $ok/$ATTEMPTS fresh pairs connected over a $expect path with every echo intact" test "$ok" -eq "$ATTEMPTS"
}

begin() {
  SCENARIO=$1; SCENARIO_FAILED=0; SCENARIO_STARTED=$SECONDS
  log "=== scenario $SCENARIO"
  make_internet || { check "build the internet namespace" false; return 1; }
  # Both at once: the second one's dial is retried until the first listens. In symmetric-both the
  # relays' per-circuit bandwidth cap (1 MiB/s by default) is lifted, to measure what a relay can carry.
  NODE_ENV=(DOTNET_NOLOGO=1)
  [ "$SCENARIO" = symmetric-both ] && NODE_ENV+=(MESHHOST_Mesh__Relay__MaxBytesPerSecondPerCircuit=1073741824)
  start_node pub inet "$PORT" off - --listen "$PUBLIC_IP"
  start_node pub2 inet "$PORT" off "$PUBLIC_IP:$PORT" --listen "$PUBLIC2_IP"
  NODE_ENV=(DOTNET_NOLOGO=1)
  wait_ready pub 0 60 || { check "public node started" false; return 1; }
  wait_ready pub2 1 60 || { check "second public node started" false; return 1; }
  PUB_ID=$(node_id pub)
}

finish() {
  check_root_untouched
  local took=$((SECONDS - SCENARIO_STARTED)) verdict=PASS
  if [ "$SCENARIO_FAILED" -ne 0 ]; then
    verdict=FAIL; FAILED=1
    for n in "${!NODE_DIR[@]}"; do
      [[ "$n" == t* ]] && continue
      log "--- $n: nat $(mh "$n" status --json 2>/dev/null | jq -c '.nat // "no status"'); peers $(mh "$n" peers --json 2>/dev/null | jq -c '[.peers[]? | {id: .id[:8], path, relay: (.relay // "" | .[:8]), endPoint}]')"
      log "--- last log lines of $n (all in ${NODE_DIR[$n]}/node.log)"; tail -n 8 "${NODE_DIR[$n]}/node.log" | cut -c1-300
    done
  fi
  SUMMARY+=("$(printf '%-16s %s  (%ss)' "$SCENARIO" "$verdict" "$took")")
  teardown_scenario
}

# Two homes, each one host behind its own router: A in 10.0.1.0/24, B in 192.168.2.0/24.
two_homes() {
  local mode_a=$1 mode_b=$2 loss_a=${3:-0}
  make_router a "$INTERNET.10" 10.0.1 "$mode_a" "$loss_a" && make_router b "$INTERNET.20" 192.168.2 "$mode_b" || return 1
  make_host a a 2 && make_host b b 2 || return 1
  start_node A ha "$PORT" 10.0.1.255 public
  start_node B hb "$PORT" 192.168.2.255 public
  wait_ready A 1 90 && wait_ready B 1 90 || return 1
  A_ID=$(node_id A); B_ID=$(node_id B)
  check_beacon A 10.0.1.255; check_beacon B 192.168.2.255
}

# ---------------------------------------------------------------- scenarios

scenario_public() {
  # Home to public node through a port-preserving NAT: works without any traversal.
  two_homes port-preserving port-preserving || { check "build two homes" false; return; }
  nat_check pub '.class == "public" and .publiclyReachable == true and .relayServing == true' "classed public, reachable, relaying (Mesh:Relay:Serve auto)"
  ping_check A "$PUB_ID" direct 20 16384
  ping_check A "$PUB_ID" direct 200 65536 8 throughput-direct-public
  attempts direct A inet off direct
}

scenario_port_preserving() {
  two_homes port-preserving port-preserving || { check "build two homes" false; return; }
  nat_check A '.class == "port-preserving" or .class == "endpoint-independent"' "classed port-preserving or endpoint-independent"
  connect_check A "$B_ID" direct
  ping_check A "$B_ID" direct 50 16384
  ping_check A "$B_ID" direct 200 65536 8 throughput-direct
  attempts punched A hb 192.168.2.255 direct
}

scenario_symmetric_one() {
  two_homes random port-preserving || { check "build two homes" false; return; }
  nat_check A '.class == "symmetric"' "classed symmetric"
  nat_check B '.class == "port-preserving" or .class == "endpoint-independent"' "classed port-preserving or endpoint-independent"
  connect_check A "$B_ID" relayed
  ping_check A "$B_ID" relayed 50 16384
  ping_check B "$A_ID" relayed 20 16384
  ping_check A "$B_ID" relayed 100 65536 8 throughput-relayed-capped
}

scenario_symmetric_both() {
  two_homes fully-random random || { check "build two homes" false; return; }
  nat_check A '.class == "symmetric"' "classed symmetric"
  nat_check B '.class == "symmetric" and (.relays | length) > 0' "classed symmetric, with a relay"
  connect_check A "$B_ID" relayed
  ping_check A "$B_ID" relayed 50 16384
  ping_check A "$B_ID" relayed 200 65536 8 throughput-relayed-uncapped
  attempts relayed A hb 192.168.2.255 relayed
}

scenario_fileshare() {
  # The file-sharing plugin end to end (issue 8): a file shared behind a port-preserving NAT is
  # fetched from behind a symmetric one, so through a relay, and every byte is compared.
  local plugin dir file link out rc want got
  plugin="$(dirname "$DLL")/plugins/meshhost.fileshare/plugin.json"
  [ -f "$plugin" ] || { check "the file-sharing plugin is built next to meshhost ($plugin; build the solution in Release)" false; return; }
  two_homes random port-preserving || { check "build two homes" false; return; }
  file="${NODE_DIR[B]}/shared.bin"
  head -c $((6 * 1024 * 1024)) /dev/urandom > "$file"
  want=$(sha256sum "$file" | cut -d' ' -f1)
  link=$(mh B share "$file" 2>"$WORK/share.err" | grep '^mesh://')
  check "B shares a 6 MiB file (${link:0:60}...)" test -n "$link"
  [ -n "$link" ] || return
  dir="${NODE_DIR[A]}/downloads"
  out=$(timeout 180 ip netns exec "${NODE_NS[A]}" dotnet "$DLL" get "$link" -o "$dir" --data-dir "${NODE_DIR[A]}" 2>&1); rc=$?
  check "A fetches it across both NATs (exit $rc: $(echo "$out" | tail -n 2 | tr '\r\n' '  ' | cut -c1-200))" test "$rc" -eq 0
  got=$(sha256sum "$dir/shared.bin" 2>/dev/null | cut -d' ' -f1)
  check "the fetched file is byte for byte the shared one (sha256 ${got:0:16}, want ${want:0:16})" test "$got" = "$want"
  check "A reached B through a relay (path $(peer_field A "$B_ID" path))" test "$(peer_field A "$B_ID" path)" = relayed
}

scenario_same_lan() {
  make_router a "$INTERNET.10" 10.0.1 port-preserving && make_host a a 2 && make_host a2 a 3 || { check "build one LAN" false; return; }
  start_node A ha "$PORT" 10.0.1.255 public
  start_node B ha2 "$PORT" 10.0.1.255 public
  wait_ready A 1 90 && wait_ready B 1 90 || { check "both LAN nodes up" false; return; }
  A_ID=$(node_id A); B_ID=$(node_id B)
  check_beacon A 10.0.1.255; check_beacon B 10.0.1.255
  connect_check A "$B_ID" direct
  local ep
  ep=$(peer_field A "$B_ID" endPoint)
  check "A reaches B at its LAN address 10.0.1.3 (got $ep)" test "${ep%:*}" = 10.0.1.3
  ping_check A "$B_ID" direct 50 16384
  # LAN discovery itself: a beacon to 10.0.1.255 must reach the other host (beacons go every 5 s).
  local found=0 deadline=$((SECONDS + 15))
  while [ $SECONDS -lt $deadline ]; do
    found=$(mh A status --json 2>/dev/null | jq -r '.counters.lanPeersDiscovered // 0')
    [ "${found:-0}" -ge 1 ] && break
    sleep 1
  done
  check "A found B through a LAN beacon to 10.0.1.255 (lanPeersDiscovered $found)" test "${found:-0}" -ge 1
}

scenario_loss() {
  two_homes port-preserving port-preserving 10 || { check "build two homes with 10% loss on A's WAN" false; return; }
  connect_check A "$B_ID" direct
  ping_check A "$B_ID" direct 100 16384
  ping_check A "$PUB_ID" direct 100 16384
}

scenario_upgrade() {
  two_homes random fully-random || { check "build two symmetric homes" false; return; }
  connect_check A "$B_ID" relayed
  ping_check A "$B_ID" relayed 20 16384
  log "$SCENARIO: both routers replaced by port-preserving ones (fresh conntrack)"
  replace_router a port-preserving && replace_router b port-preserving || { check "replace the routers" false; return; }
  local deadline=$((SECONDS + 60)) path=relayed lost=0 out
  while [ $SECONDS -lt $deadline ]; do
    # The application keeps using the pair while it moves; no echo may be lost or corrupted.
    # The same 45 s echo timeout as every other ping here: replacing a router takes the mappings
    # away, and nothing reaches a host until it sends again (its keepalive, at most 15 s later).
    out=$(mh A ping "$B_ID" --count 5 --size 16384 --timeout 45 --json 2>"$WORK/ping.err") || { lost=1; log "$SCENARIO: a ping during the move failed: $(echo "$out" | jq -c '{echoed, count, corrupted, timedOut, error}' 2>/dev/null) $(tr '\n' ' ' < "$WORK/ping.err")"; }
    path=$(peer_field A "$B_ID" path)
    [ "$path" = direct ] && break
    sleep 1
  done
  check "the pair moved to a direct path within 60 s of the NAT change (got $path)" test "$path" = direct
  check "no echo was lost or corrupted while it moved" test "$lost" -eq 0
  ping_check A "$B_ID" direct 50 16384
}

# ---------------------------------------------------------------- run

log "NAT lab: scenarios ${SCENARIOS[*]}; $ATTEMPTS attempts per figure; namespaces $PREFIX-*; work $WORK"
for s in "${SCENARIOS[@]}"; do
  begin "$s" && "scenario_${s//-/_}"
  finish
done

# ---------------------------------------------------------------- figures

log "=== figures (results in $RESULTS)"
jq -rs '
  def pct(p): sort | if length == 0 then null else .[((p * length) | ceil) - 1] end;
  def r: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
  (map(select(.kind == "direct" or .kind == "punched" or .kind == "relayed")) | group_by(.kind)[] |
    (map(select(.exitCode == 0 and .path == .expect))) as $ok |
    ($ok | map(select(.alreadyConnected | not) | .firstReplyMs)) as $t |
    "time to first message  \(.[0].kind | . + " " * (8 - length))  \($ok | length)/\(length) ok   p50 \($t | pct(0.5) | r) ms   max \($t | max | r) ms   over the \($t | length) attempts with no earlier session (connect p50 \($ok | map(select(.alreadyConnected | not) | .connectMs) | pct(0.5) | r) ms)"),
  (map(select(.kind | startswith("throughput"))) | .[] |
    "\(.kind | . + " " * (26 - length))  \((.throughputBytesPerSecond // 0) / 1048576 * 100 | round / 100) MiB/s  (\(.echoed // 0)/\(.count // 0) x \(.size // 0) B, window \(.window // 0), path \(.path), rtt p50 \(.rttP50Ms | r) ms)")
' "$RESULTS"

log "=== summary"
printf '%s\n' "${SUMMARY[@]}"
[ "$FAILED" -eq 0 ] && log "NAT lab passed" || log "NAT lab FAILED"
exit "$FAILED"
