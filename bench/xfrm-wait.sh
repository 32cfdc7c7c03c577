#!/bin/sh
# Waits, event by event, until the kernel holds what a way's bring-up must install (runs inside
# an arm's netns). `ip xfrm monitor` reports changes only, so the caller starts this first and
# makes its changes once READY_FILE exists: by then the monitor has seen a probe policy that
# this script added and deleted (selector 192.0.2.250 -> 192.0.2.251, protocol 254, which no
# packet carries). No polling of the kernel: the timed run holds one idle process.
#
# usage: xfrm-wait.sh policies N TIMEOUT READY_FILE [DONE_FIFO]
#            N remotes with an out policy to their VXLAN port (what charon installs once a
#            connection is routed or a CHILD_SA is up)
#        xfrm-wait.sh sas N TIMEOUT READY_FILE [DONE_FIFO]
#            N ESP SAs installed at once
# Exits 0 once there, 1 after TIMEOUT seconds. With DONE_FIFO, it also writes its exit status
# there: a timed command started later reads it (a blocking read, no polling), so that the
# harness starts the wait outside the timed interval.
set -u
[ $# -eq 4 ] || [ $# -eq 5 ] ||
	{ echo "usage: xfrm-wait.sh policies|sas N TIMEOUT READY_FILE [DONE_FIFO]" >&2; exit 2; }
kind=$1 want=$2 secs=$3 ready=$4 done=${5:-}
case $kind in policies | sas) ;; *) echo "xfrm-wait.sh: policies or sas" >&2; exit 2 ;; esac
rm -f "$ready"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/events" || exit 1
# stdbuf: ip writes through stdio, which would hold the last events in its buffer.
timeout "$secs" stdbuf -oL ip xfrm monitor SA policy >"$tmp/events" &
ipid=$!
# mawk (Debian's awk) reads a pipe in blocks and would sit on the last events until more come:
# -W interactive makes it take them line by line.
awkflags=
! awk -W version 2>/dev/null | grep -q mawk || awkflags="-W interactive"
# shellcheck disable=SC2086
awk $awkflags -v kind="$kind" -v want="$want" -v ready="$ready" '
	/^(Deleted |Updated )?src / {
		del = ($1 == "Deleted")
		sub(/^(Deleted|Updated) /, "")
		cur = $0
		dst = $4
		if ($0 ~ /^src 192\.0\.2\.250\/32 dst 192\.0\.2\.251\/32 proto 254/) {
			cur = ""
			if (!seen_probe) { seen_probe = 1; printf "" >ready; close(ready) }
		}
		next
	}
	/^[^[:space:]]/ { cur = ""; next }
	kind == "policies" && /^[[:space:]]*dir out/ && cur ~ /dport 4789/ {
		if (del && (dst in seen)) { delete seen[dst]; n-- }
		else if (!del && !(dst in seen)) { seen[dst] = 1; n++ }
	}
	kind == "sas" && cur != "" && /^[[:space:]]*proto esp spi/ {
		if (del && ($4 in live)) { delete live[$4]; n-- }
		else if (!del && !($4 in live)) { live[$4] = 1; n++ }
	}
	n >= want + 0 { found = 1; exit 0 }
	END {
		printf "xfrm-wait.sh: %d of %d %s\n", n, want, kind >"/dev/stderr"
		exit found ? 0 : 1
	}' <"$tmp/events" &
awkpid=$!
probe="src 192.0.2.250/32 dst 192.0.2.251/32 proto 254 dir out"
tries=0
while [ ! -e "$ready" ] && [ "$tries" -lt 100 ]; do
	# shellcheck disable=SC2086
	ip xfrm policy add $probe priority 1 action allow 2>/dev/null
	# shellcheck disable=SC2086
	ip xfrm policy delete $probe 2>/dev/null
	[ -e "$ready" ] || sleep 0.1
	tries=$((tries + 1))
done
rc=0
wait "$awkpid" || rc=$?
kill "$ipid" 2>/dev/null
wait "$ipid" 2>/dev/null
[ -z "$done" ] || echo "$rc" >"$done"
exit "$rc"
