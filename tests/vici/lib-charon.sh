# Real charon instances for the vici tests. Source after tests/lib.sh.
# Each charon runs in its own mount namespace with a tmpfs /run (charon's pid file is fixed)
# and its own strongswan.conf naming a VICI socket in $T, reachable from outside.
need_root
need_cmd unshare
need_cmd swanctl
need_cmd openssl
CHARON=${CHARON:-/usr/lib/ipsec/charon}
[ -x "$CHARON" ] || skip "needs strongSwan's charon ($CHARON)"
VICI_DRIVER="$EWOE_BUILD/tests/vici_driver"

CHARON_PIDS=""
stop_charons() {
	for p in $CHARON_PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $CHARON_PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
	done
	CHARON_PIDS=""
}
at_exit stop_charons

# start_charon NAME [NETNS]: the socket is unix://$T/NAME.vici, the log $T/NAME/charon.log.
# Without NETNS charon gets a fresh network namespace of its own, so no port is shared.
start_charon() {
	name=$1
	mkdir -p "$T/$name"
	cat >"$T/$name/strongswan.conf" <<EOC
charon {
    load_modular = yes
    install_routes = no
    plugins {
        include /etc/strongswan.d/charon/*.conf
        vici {
            socket = unix://$T/$name.vici
        }
    }
    filelog {
        charon {
            path = $T/$name/charon.log
            default = 1
            ike = 2
            flush_line = yes
        }
    }
}
EOC
	rm -f "$T/$name.vici"
	if [ -n "${2:-}" ]; then
		STRONGSWAN_CONF="$T/$name/strongswan.conf" ip netns exec "$2" \
			unshare -m sh -c 'mount -t tmpfs none /run && exec "$0"' "$CHARON" \
			>"$T/$name/stdout.log" 2>&1 &
	else
		STRONGSWAN_CONF="$T/$name/strongswan.conf" \
			unshare -m -n sh -c 'mount -t tmpfs none /run && exec "$0"' "$CHARON" \
			>"$T/$name/stdout.log" 2>&1 &
	fi
	CHARON_PIDS="$CHARON_PIDS $!"
	for _ in $(seq 50); do
		[ -S "$T/$name.vici" ] && return 0
		sleep 0.1
	done
	cat "$T/$name/stdout.log" >&2
	fail "charon $name did not open its VICI socket"
}

vici() { echo "unix://$T/$1.vici"; }
# sw NAME ARGS...: swanctl against charon NAME, the independent view.
sw() {
	name=$1
	shift
	swanctl "$@" --uri "$(vici "$name")" 2>/dev/null
}
conns() { sw "$1" --list-conns --raw | grep -v '^list-conns reply'; }
# The raw listing carries only DER; the text one names subjects and private keys.
certs() { sw "$1" --list-certs; }
# ewoe_on NAME ROOT ARGS...: ewoe against charon NAME with file root ROOT.
ewoe_on() {
	name=$1
	root=$2
	shift 2
	"$EWOE" --vici "$(vici "$name")" --root "$root" "$@"
}

# make_psk FILE: a strong secret, readable by the owner only.
make_psk() { (umask 077 && openssl rand -base64 32 >"$1"); }

# make_self_signed DIR NAME: DIR/NAME.pem and DIR/NAME.key (CN=NAME).
make_self_signed() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=$2" -keyout "$1/$2.key" -out "$1/$2.pem" 2>/dev/null ||
		fail "openssl could not make $2"
	chmod 600 "$1/$2.key"
}

# make_ca DIR NAME: a CA (DIR/NAME.pem, DIR/NAME.key) that `sign_cert` uses.
make_ca() {
	make_self_signed "$1" "$2"
	: >"$1/index.txt"
	echo 01 >"$1/serial"
	cat >"$1/ca.cnf" <<EOC
[ca]
default_ca = c
[c]
database = $1/index.txt
new_certs_dir = $1
serial = $1/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
EOC
}

# sign_cert DIR CA NAME [START END]: DIR/NAME.pem signed by CA, DIR/NAME.key.
sign_cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
		-keyout "$1/$3.key" -out "$1/$3.csr" 2>/dev/null || fail "openssl req $3"
	chmod 600 "$1/$3.key"
	if [ -n "${4:-}" ]; then
		dates="-startdate $4 -enddate $5"
	else
		dates="-days 30"
	fi
	# shellcheck disable=SC2086
	openssl ca -batch -config "$1/ca.cnf" -cert "$1/$2.pem" -keyfile "$1/$2.key" \
		-in "$1/$3.csr" -out "$1/$3.pem" -notext $dates >/dev/null 2>&1 ||
		fail "openssl ca could not sign $3"
}

# swanctl's own directory for `swanctl --load-all`, as Debian's swanctl.conf has it.
swanctl_dir_for() {
	mkdir -p "$1/etc/swanctl"
	[ -f "$1/etc/swanctl/swanctl.conf" ] || echo 'include conf.d/*.conf' >"$1/etc/swanctl/swanctl.conf"
	echo "$1/etc/swanctl"
}
