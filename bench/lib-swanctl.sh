# The script's way of configuring strongSwan: one swanctl.conf snippet per peer, written by
# the shell, as NVIDIA's procedure shows it (PSK, transport mode, the two VXLAN children).
# Source this file.

# write_snippet NAME LOCAL_IP REMOTE_IP PSK DIR [IKE_PROPOSALS ESP_PROPOSALS]: DIR/conf.d/NAME.conf
# (the bench's responder adds ovs-monitor-ipsec's proposals to the seed's own).
write_snippet() {
	(
		ike_props=${6:-aes128-sha256-x25519}
		esp_props=${7:-aes128gcm128-x25519-esn}
		umask 077
		cat >"$5/conf.d/$1.conf" <<-CONF
			connections {
				$1 {
					local_addrs = $2
					remote_addrs = $3
					local {
						auth = psk
						id = $2
					}
					remote {
						auth = psk
						id = $3
					}
					children {
						bf-out {
							local_ts = ${2}[udp]
							remote_ts = ${3}[udp/4789]
							esp_proposals = $esp_props
							mode = transport
							policies_fwd_out = yes
							hw_offload = no
						}
						bf-in {
							local_ts = ${2}[udp/4789]
							remote_ts = ${3}[udp]
							esp_proposals = $esp_props
							mode = transport
							policies_fwd_out = yes
							hw_offload = no
						}
					}
					version = 2
					mobike = no
					reauth_time = 0
					proposals = $ike_props
				}
			}
			secrets {
				ike-$1 {
					id-l = $2
					id-r = $3
					secret = "$4"
				}
			}
		CONF
	)

}
