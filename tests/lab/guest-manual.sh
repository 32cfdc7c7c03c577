#!/bin/sh
# The lab without ewoe: both arms configured by hand the way NVIDIA's manual procedure does
# (OVS bridge with the representor and a VXLAN port, swanctl.conf loaded with swanctl), to
# prove the lab itself before ewoe is judged by it. Runs inside the guest (test_lab_manual.sh).
. "$LAB_DIR/guest-lib.sh"

step "lab up"
lab_up || fail "lab_up failed"

psk=$(head -c 24 /dev/urandom | base64)
for n in 1 2; do
	o=$((3 - n))
	local_ip=$(lab_underlay_ip "$n")
	remote_ip=$(lab_underlay_ip "$o")
	step "arm$n: OVS bridge vxlan-br with pf0hpf and vxlan11"
	lab_vsctl "$n" add-br vxlan-br -- add-port vxlan-br pf0hpf -- \
		add-port vxlan-br vxlan11 -- set interface vxlan11 type=vxlan \
		options:local_ip="$local_ip" options:remote_ip="$remote_ip" \
		options:key=100 options:dst_port=4789 || fail "ovs-vsctl on arm$n"
	in_arm "$n" ip link set vxlan-br up

	step "arm$n: swanctl.conf with hw_offload = auto, PSK"
	d=$LAB_RUN/arm$n/swanctl
	mkdir -p "$d"
	(
		umask 077
		cat >"$d/swanctl.conf" <<-CONF
			connections {
				arm$n-arm$o {
					local_addrs = $local_ip
					remote_addrs = $remote_ip
					local {
						auth = psk
						id = arm$n
					}
					remote {
						auth = psk
						id = arm$o
					}
					children {
						bf-out {
							local_ts = ${local_ip}[udp]
							remote_ts = ${remote_ip}[udp/4789]
							esp_proposals = aes128gcm128-x25519-esn
							mode = transport
							policies_fwd_out = yes
							hw_offload = auto
						}
						bf-in {
							local_ts = ${local_ip}[udp/4789]
							remote_ts = ${remote_ip}[udp]
							esp_proposals = aes128gcm128-x25519-esn
							mode = transport
							policies_fwd_out = yes
							hw_offload = auto
						}
					}
					version = 2
					mobike = no
					reauth_time = 0
					proposals = aes128-sha256-x25519
				}
			}
			secrets {
				ike-lab {
					id-arm1 = arm1
					id-arm2 = arm2
					secret = 0s$psk
				}
			}
		CONF
	)
	run_logged "arm$n-swanctl-load" lab_swanctl "$n" --load-all --file "$d/swanctl.conf" ||
		fail "swanctl --load-all on arm$n"
done

step "arm1 initiates bf-out and bf-in"
for child in bf-out bf-in; do
	run_logged "arm1-initiate-$child" lab_swanctl 1 --initiate --child "$child" --timeout 30 ||
		fail "initiating $child"
done
assert_sas 4

step "traffic host1 <-> host2 over VXLAN in ESP"
assert_encrypted_traffic manual

step "tear down by hand"
lab_swanctl 1 --terminate --ike arm1-arm2 --timeout 30 >/dev/null || fail "terminate"
for n in 1 2; do lab_vsctl "$n" del-br vxlan-br || fail "del-br on arm$n"; done
assert_sas 0
assert_no_ping "after the IKE SA was terminated and the bridges removed"
step "PASS"
