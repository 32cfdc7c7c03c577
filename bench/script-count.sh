#!/bin/sh
# The script's way of checking IPsec state: `ip -s xfrm state` read as text, ESP states
# counted per peer (the address that is not ours), and the peers with all 4 SAs reported.
# usage: script-count.sh LOCAL_IP
ip -s xfrm state | awk -v me="$1" '
	$1 == "src" { peer = ($2 == me) ? $4 : $2 }
	$1 == "proto" && $2 == "esp" { n[peer]++ }
	END { for (p in n) { peers++; if (n[p] == 4) ok++ } print ok + 0, "of", peers + 0, "peers with 4 SAs" }'
