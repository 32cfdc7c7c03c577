# Helpers for scripts that run inside the lab guest (source after setting nothing; boot.sh's
# guest-init exports LAB_OUT, LAB_LOGS, LAB_DIR and EWOE*). Every check that fails names what
# it saw; the EXIT trap brings the lab down whatever happened.
set -u
. "$LAB_DIR/topology.sh"

LAB_T0=$(date +%s)
LAB_CLEANUPS=""
lab_at_exit() { LAB_CLEANUPS="$1 $LAB_CLEANUPS"; }
lab_cleanup() {
	status=$?
	trap - EXIT
	[ "$status" -eq 0 ] || lab_diag
	for c in $LAB_CLEANUPS; do "$c" || true; done
	lab_down
	echo "lab: finished in $(($(date +%s) - LAB_T0))s, status $status"
	exit "$status"
}
trap lab_cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
step() { echo "== [$(($(date +%s) - LAB_T0))s] $*"; }

# run_logged NAME CMD...: run CMD with its output in $LAB_LOGS/NAME.log (kept for CI) and on
# our stdout; returns CMD's status, also left in $rc.
run_logged() {
	name=$1
	shift
	rc=0
	"$@" >"$LAB_LOGS/$name.log" 2>&1 || rc=$?
	sed "s/^/  [$name] /" "$LAB_LOGS/$name.log"
	return "$rc"
}

# Number of ESP SAs on arm N, from the kernel.
# lab_make_certs N...: in $CREDS, what an operator makes with openssl for arms N...: a CA
# (ca.crt; its key is deleted once it has signed), and per arm a self-signed certificate
# (self-armN.crt/.key) and a CA-signed one (armN.crt/.key), both with subject CN=armN and
# subjectAltName DNS:armN. Output in $LAB_LOGS/openssl.log.
lab_make_certs() {
	mkdir -p "$CREDS" && chmod 700 "$CREDS"
	(
		umask 077
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$CREDS/ca.key" -out "$CREDS/ca.crt" -subj "/CN=ewoe lab CA" -days 2 \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
		for n in "$@"; do
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$CREDS/self-arm$n.key" -out "$CREDS/self-arm$n.crt" \
				-subj "/CN=arm$n" -days 2 -addext "subjectAltName=DNS:arm$n"
			openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$CREDS/arm$n.key" -out "$CREDS/arm$n.csr" -subj "/CN=arm$n"
			printf 'subjectAltName=DNS:arm%s\n' "$n" >"$CREDS/arm$n.ext"
			openssl x509 -req -in "$CREDS/arm$n.csr" -CA "$CREDS/ca.crt" \
				-CAkey "$CREDS/ca.key" -CAcreateserial -days 2 \
				-extfile "$CREDS/arm$n.ext" -out "$CREDS/arm$n.crt"
		done
	) >"$LAB_LOGS/openssl.log" 2>&1 || { cat "$LAB_LOGS/openssl.log"; return 1; }
	# The CA's key stays with the CA; each arm only ever sees its own key.
	rm -f "$CREDS/ca.key"
}

esp_sa_count() { in_arm "$1" ip xfrm state | grep -c '^[[:space:]]*proto esp'; }

# assert_arm_clean N [WHEN]: nothing of ewoe's left on arm N: SA, tunnel policy, VXLAN port,
# bridge $BRIDGE, strongSwan connection or IKE SA, or a file ewoe wrote under its root
# (etc/ewoe there is the operator's input: config and credentials).
assert_arm_clean() {
	n=$1
	when=${2:-after teardown}
	c=$(esp_sa_count "$n")
	[ "$c" -eq 0 ] || fail "arm$n: $c ESP SAs left $when"
	# charon's own per-socket bypass policies stay while it runs; tunnel policies must go.
	c=$(in_arm "$n" ip xfrm policy | grep -Ec '^[[:space:]]*dir (in|out|fwd) ')
	[ "$c" -eq 0 ] || fail "arm$n: $c xfrm policies left $when"
	ports=$(lab_vsctl "$n" --bare --columns=name find Interface type=vxlan)
	[ -z "$ports" ] || fail "arm$n: VXLAN interface(s) left in OVS $when: $ports"
	! lab_vsctl "$n" br-exists "$BRIDGE" || fail "arm$n: bridge $BRIDGE left $when"
	conns=$(lab_swanctl "$n" --list-conns 2>/dev/null | grep -E '^[^ ].*:' || true)
	[ -z "$conns" ] || fail "arm$n: strongSwan connections left $when: $conns"
	sas=$(lab_swanctl "$n" --list-sas 2>/dev/null | grep -E '^[^ ].*:' || true)
	[ -z "$sas" ] || fail "arm$n: IKE SAs left $when: $sas"
	root=$(lab_root "$n")
	files=$(find "$root" -path "$root/etc/ewoe" -prune -o -type f -print 2>/dev/null)
	[ -z "$files" ] || fail "arm$n: ewoe files left $when: $files"
}
xfrm_policy_count() { in_arm "$1" ip xfrm policy | grep -c '^src'; }

# Packets the ESP SAs of arm N have carried, summed over all its SAs.
esp_packets() {
	in_arm "$1" ip -s xfrm state | awk '
		/lifetime current:/ { cur = 1; next }
		cur && /\(packets\)/ { gsub(/[^0-9,]/, ""); split($0, v, ","); sum += v[2]; cur = 0 }
		END { print sum + 0 }'
}

assert_sas() {
	for n in 1 2; do
		c=$(esp_sa_count "$n")
		[ "$c" -eq "$1" ] || {
			in_arm "$n" ip xfrm state >&2
			fail "arm$n has $c ESP SAs, expected $1"
		}
	done
}

assert_ping() {
	# The first packets wait for ARP and for ovs-vswitchd to install datapath flows.
	lab_wait 15 "a first ping host1 -> host2" in_host 1 ping -c 1 -W 1 "$(lab_overlay_ip 2)" ||
		fail "host1 cannot ping host2 ($(lab_overlay_ip 2)) across the overlay"
	in_host 1 ping -c 3 -i 0.2 -W 2 "$(lab_overlay_ip 2)" ||
		fail "host1 cannot ping host2 ($(lab_overlay_ip 2)) across the overlay"
	in_host 2 ping -c 1 -W 2 "$(lab_overlay_ip 1)" ||
		fail "host2 cannot ping host1 ($(lab_overlay_ip 1)) across the overlay"
}

assert_no_ping() {
	! in_host 1 ping -c 2 -i 0.2 -W 1 "$(lab_overlay_ip 2)" >/dev/null 2>&1 ||
		fail "host1 still reaches host2: $*"
}

capture_start() {
	rm -f "$LAB_RUN/p0.pcap" "$LAB_RUN/tcpdump.err"
	in_arm 1 tcpdump -i p0 -nn -U -w "$LAB_RUN/p0.pcap" 2>"$LAB_RUN/tcpdump.err" &
	LAB_TCPDUMP=$!
	lab_wait 10 "tcpdump on p0" grep -q 'listening on' "$LAB_RUN/tcpdump.err" ||
		fail "tcpdump did not start: $(cat "$LAB_RUN/tcpdump.err")"
}
capture_stop() {
	sleep 0.5
	# Background jobs of a script ignore SIGINT; tcpdump flushes its file on SIGTERM too.
	kill -TERM "$LAB_TCPDUMP" 2>/dev/null
	wait "$LAB_TCPDUMP" 2>/dev/null || true
	cp "$LAB_RUN/p0.pcap" "$LAB_LOGS/p0-$1.pcap" 2>/dev/null || true
}
# The wire between the DPUs carried ESP and not one plaintext VXLAN packet.
assert_capture_encrypted() {
	esp=$(tcpdump -nn -r "$LAB_RUN/p0.pcap" esp 2>/dev/null | wc -l)
	vxlan=$(tcpdump -nn -r "$LAB_RUN/p0.pcap" 'udp port 4789' 2>/dev/null | wc -l)
	echo "  capture on p0: $esp ESP packets, $vxlan plaintext VXLAN packets"
	[ "$esp" -gt 0 ] || fail "no ESP on p0 during the transfer"
	[ "$vxlan" -eq 0 ] || fail "$vxlan plaintext VXLAN (udp 4789) packets on p0"
}

# A TCP transfer of SIZE KiB from host1 to host2 arrives intact.
assert_tcp_transfer() {
	kib=$1
	head -c "${kib}K" /dev/urandom >"$LAB_RUN/payload"
	rm -f "$LAB_RUN/received"
	in_host 2 timeout 60 socat -u TCP-LISTEN:5001,reuseaddr \
		"CREATE:$LAB_RUN/received" 2>"$LAB_RUN/socat-rx.err" &
	rx=$!
	lab_wait 10 "the TCP listener on host2" sh -c \
		"ip netns exec host2 ss -Hltn 'sport = :5001' | grep -q ." ||
		fail "socat did not listen on host2"
	in_host 1 timeout 60 socat -u "OPEN:$LAB_RUN/payload" \
		"TCP:$(lab_overlay_ip 2):5001,connect-timeout=10" ||
		fail "TCP transfer host1 -> host2 failed"
	wait "$rx" || fail "receiver on host2 failed: $(cat "$LAB_RUN/socat-rx.err")"
	sent=$(sha256sum <"$LAB_RUN/payload" | cut -d' ' -f1)
	got=$(sha256sum <"$LAB_RUN/received" | cut -d' ' -f1)
	[ "$sent" = "$got" ] ||
		fail "transfer corrupted: sent sha256 $sent, received $got ($(stat -c %s "$LAB_RUN/received") bytes)"
	echo "  ${kib} KiB host1 -> host2 over TCP, sha256 $got"
}

# Traffic across the overlay is encrypted: ping, a 1 MiB transfer, ESP counters
# rising on both arms, and a capture on p0 with ESP and no plaintext VXLAN.
assert_encrypted_traffic() {
	label=$1
	before1=$(esp_packets 1)
	before2=$(esp_packets 2)
	capture_start
	kib=1024
	assert_ping
	assert_tcp_transfer "$kib"
	capture_stop "$label"
	assert_capture_encrypted
	after1=$(esp_packets 1)
	after2=$(esp_packets 2)
	echo "  ESP packets: arm1 $before1 -> $after1, arm2 $before2 -> $after2"
	# The transfer alone is at least one ESP packet per 1500 bytes, one way.
	min=$((kib * 1024 / 1500))
	[ "$((after1 - before1))" -ge "$min" ] ||
		fail "arm1's ESP counters rose by $((after1 - before1)), expected at least $min"
	[ "$((after2 - before2))" -ge "$min" ] ||
		fail "arm2's ESP counters rose by $((after2 - before2)), expected at least $min"
}

# --- a mesh of $ARMS (the mesh and Ansible tests) ------------------------------------------
# others N: every other arm.
others() { for o in $ARMS; do [ "$o" -eq "$1" ] || echo "$o"; done; }
# sa_spis N [IP]: the SPIs of arm N's ESP SAs, leaving out those to or from IP.
sa_spis() {
	in_arm "$1" ip xfrm state | awk -v x="${2:-}" '
		/^src / { skip = x != "" && ($2 == x || $4 == x) }
		/spi 0x/ && !skip { for (i = 1; i < NF; i++) if ($i == "spi") print $(i + 1) }' | sort
}
# no_sas_with N IP: arm N has no SA to or from IP.
no_sas_with() { [ "$(sa_spis "$1")" = "$(sa_spis "$1" "$2")" ]; }
# assert_sa_count N COUNT
assert_sa_count() {
	c=$(esp_sa_count "$1")
	[ "$c" -eq "$2" ] || { in_arm "$1" ip xfrm state >&2; fail "arm$1 has $c ESP SAs, expected $2"; }
}
# assert_pair_ping N O: host N pings host O: 3 answers, no duplicate.
assert_pair_ping() {
	ip=$(lab_overlay_ip "$2")
	lab_wait 20 "a first ping host$1 -> host$2" in_host "$1" ping -c 1 -W 1 "$ip" ||
		fail "host$1 cannot ping host$2 ($ip) across the overlay"
	out=$(in_host "$1" ping -c 3 -i 0.2 -W 2 "$ip" 2>&1) || true
	echo "$out" | grep -q ' 3 received' || fail "host$1 -> host$2: $(echo "$out" | tail -n 2)"
	! echo "$out" | grep -q 'DUP!' || fail "host$1 -> host$2: duplicated replies: $out"
	echo "  host$1 -> host$2: $(echo "$out" | grep received)"
}
# esp_packets_all: ESP packets on every arm's PF, summed.
esp_packets_all() {
	sum=0
	for n in $ARMS; do sum=$((sum + $(esp_packets "$n"))); done
	echo "$sum"
}
