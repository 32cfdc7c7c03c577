# A private Open vSwitch for one test: ovsdb-server and ovs-vswitchd (dummy datapath, no
# kernel module) with every socket, pid file, log and database under $OVS_DIR.
# Source it after tests/lib.sh (it uses $T, at_exit, fail, skip):
#
#   . "$EWOE_SRC/tests/ovs-sandbox.sh"
#   ovs_sandbox_start            # sets OVS_DB=unix:$OVS_DIR/db.sock; stopped at exit
#   ovs_vsctl add-br br0         # ovs-vsctl against the sandbox
#   ovs_dump >before             # the whole database, for byte comparisons
#   ovs_db_snapshot; ...; ovs_db_unchanged "what ran"   # fail when anything was written
#   ovs_vswitchd_stop / ovs_vswitchd_start
#
# Set OVS_SANDBOX_NO_VSWITCHD=1 before ovs_sandbox_start for a database without ovs-vswitchd.

OVS_DIR=$T/ovs
OVS_DB=unix:$OVS_DIR/db.sock

ovs_vsctl() { ovs-vsctl --db="$OVS_DB" --timeout=10 "$@"; }

ovs_dump() { ovsdb-client dump "$OVS_DB"; }

ovs_db_snapshot() { ovs_dump >"$OVS_DIR/snapshot" || fail "ovsdb-client dump failed"; }

ovs_db_unchanged() {
	ovs_dump >"$OVS_DIR/now" || fail "ovsdb-client dump failed"
	if ! cmp -s "$OVS_DIR/snapshot" "$OVS_DIR/now"; then
		diff "$OVS_DIR/snapshot" "$OVS_DIR/now" >&2
		fail "$1 changed the database"
	fi
}

_ovs_pid() { cat "$OVS_DIR/$1.pid" 2>/dev/null; }

_ovs_kill() {
	pid=$(_ovs_pid "$1") || return 0
	kill -CONT "$pid" 2>/dev/null || true
	kill "$pid" 2>/dev/null || return 0
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	rm -f "$OVS_DIR/$1.pid"
}

ovs_vswitchd_start() {
	ovs-vswitchd "$OVS_DB" --enable-dummy=override --disable-system --detach --no-chdir \
		--pidfile="$OVS_DIR/ovs-vswitchd.pid" --log-file="$OVS_DIR/ovs-vswitchd.log" \
		--unixctl="$OVS_DIR/ovs-vswitchd.ctl" -vconsole:off 2>>"$OVS_DIR/start.err" ||
		fail "ovs-vswitchd did not start (see $OVS_DIR/ovs-vswitchd.log)"
	# Wait until it has taken the configuration once, so tests start from a settled state.
	ovs_vsctl --timeout=20 set Open_vSwitch . external_ids:ewoe-sandbox=1 >/dev/null ||
		fail "ovs-vswitchd did not apply the configuration"
}

ovs_vswitchd_stop() { _ovs_kill ovs-vswitchd; }

ovs_sandbox_stop() {
	_ovs_kill ovs-vswitchd
	_ovs_kill ovsdb-server
}

ovs_sandbox_start() {
	for c in ovsdb-server ovsdb-tool ovs-vswitchd ovs-vsctl ovsdb-client; do need_cmd "$c"; done
	schema=/usr/share/openvswitch/vswitch.ovsschema
	[ -r "$schema" ] || skip "needs $schema (openvswitch-common)"
	mkdir -p "$OVS_DIR"
	export OVS_RUNDIR="$OVS_DIR" OVS_DBDIR="$OVS_DIR" OVS_LOGDIR="$OVS_DIR" \
		OVS_SYSCONFDIR="$OVS_DIR" OVS_PKGDATADIR=/usr/share/openvswitch
	ovsdb-tool create "$OVS_DIR/conf.db" "$schema" || fail "ovsdb-tool create failed"
	at_exit ovs_sandbox_stop
	ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" --detach --no-chdir \
		--pidfile="$OVS_DIR/ovsdb-server.pid" --log-file="$OVS_DIR/ovsdb-server.log" \
		--unixctl="$OVS_DIR/ovsdb-server.ctl" -vconsole:off 2>>"$OVS_DIR/start.err" ||
		fail "ovsdb-server did not start (see $OVS_DIR/ovsdb-server.log)"
	ovs_vsctl --no-wait init || fail "ovs-vsctl init failed"
	# Interface statistics would otherwise change the database every 5 s.
	ovs_vsctl --no-wait set Open_vSwitch . other_config:stats-update-interval=86400000 ||
		fail "could not slow down statistics"
	[ "${OVS_SANDBOX_NO_VSWITCHD:-0}" = 1 ] || ovs_vswitchd_start
}
