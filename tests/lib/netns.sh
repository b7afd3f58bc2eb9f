# tests/lib/netns.sh - test hosts as network namespaces on one machine
# (docs/design.md §8).  Source it after tests/lib/isolate.sh, from a test
# already isolated (ih_isolate), as root.
#
#     ih_netns_init                 check ip/ss, pick unique names; status 1
#                                   (with IH_NETNS_WHY) when impossible
#     ih_netns_add NAME ADDR        a namespace on the test's private subnet
#                                   (10.200.N.0/24 inside the namespaces only),
#                                   linked by a veth pair to the collector's
#                                   bridge; ADDR its host part (.2, .3 ...)
#     ih_netns_exec NAME CMD...     run CMD in namespace NAME (in the
#                                   foreground: to start a daemon in the
#                                   background, run `ip netns exec NAME CMD &`
#                                   itself, so $! is CMD's PID and not a
#                                   subshell's)
#     ih_netns_cleanup              delete every namespace and link the test
#                                   made (called by ih_netns_trap at exit)
#
# The collector namespace (IH_NS_COLLECTOR, address $IH_NET.1) holds a
# bridge; every test host gets a veth pair, one end in its namespace, the
# other on that bridge.  No link, address or route is added outside the
# namespaces the test made, so no traffic leaves them.  Names carry the
# test shell's PID, so concurrent tests never share one; cleanup deletes
# exactly the names this test made (deleting a namespace deletes the links
# inside it, so the veth pairs go with them).

IH_NETNS_MADE=

# ih_netns_init: status 0 when network namespaces can be made here.
ih_netns_init()
{
	IH_NETNS_WHY=
	if test "$(id -u)" != 0; then
		IH_NETNS_WHY="network namespaces need root (uid $(id -u))"
		return 1
	fi
	for ih_p in ip ss; do
		command -v $ih_p >/dev/null 2>&1 || { IH_NETNS_WHY="$ih_p(8) not found"; return 1; }
	done
	IH_NS_PFX=ihh$$
	# A /24 per test in 10.200.0.0/16 from the PID: only ever inside our
	# own namespaces, so it cannot clash with the machine's networks.
	IH_NET=10.200.$(($$ % 250 + 1))
	IH_NS_COLLECTOR=$IH_NS_PFX-c
	ip netns add "$IH_NS_COLLECTOR" 2>"$IH_TMP/netns.err" || {
		IH_NETNS_WHY="ip netns add failed: $(head -n 1 "$IH_TMP/netns.err")"
		return 1
	}
	IH_NETNS_MADE="$IH_NS_COLLECTOR"
	ip -n "$IH_NS_COLLECTOR" link set lo up &&
	ip -n "$IH_NS_COLLECTOR" link add ihbr0 type bridge &&
	ip -n "$IH_NS_COLLECTOR" addr add "$IH_NET.1/24" dev ihbr0 &&
	ip -n "$IH_NS_COLLECTOR" link set ihbr0 up || {
		IH_NETNS_WHY="cannot set up the collector's bridge"
		return 1
	}
	return 0
}

# ih_netns_add NAME N: namespace $IH_NS_PFX-NAME at $IH_NET.N, linked to the
# collector's bridge.  Sets IH_NS_<NAME> to the namespace's name.  Status 1
# on failure.
ih_netns_add()
{
	ih_ns=$IH_NS_PFX-$1
	# veth names: at most 15 characters; created directly inside the
	# namespaces (never in the test's own network namespace).
	ih_v=ih$$$1
	ip netns add "$ih_ns" || return 1
	IH_NETNS_MADE="$IH_NETNS_MADE $ih_ns"
	ip -n "$ih_ns" link set lo up &&
	ip -n "$ih_ns" link add "${ih_v}h" type veth peer name "${ih_v}c" netns "$IH_NS_COLLECTOR" &&
	ip -n "$IH_NS_COLLECTOR" link set "${ih_v}c" master ihbr0 &&
	ip -n "$IH_NS_COLLECTOR" link set "${ih_v}c" up &&
	ip -n "$ih_ns" addr add "$IH_NET.$2/24" dev "${ih_v}h" &&
	ip -n "$ih_ns" link set "${ih_v}h" up || return 1
	eval "IH_NS_$1=\$ih_ns"
	return 0
}

# ih_netns_exec NAME CMD...: runs CMD inside namespace NAME (the full name).
ih_netns_exec()
{
	ih_ns=$1
	shift
	ip netns exec "$ih_ns" "$@"
}

# ih_netns_listening NS ADDR:PORT...: status 0 when every ADDR:PORT is a
# listening TCP socket in NS.
ih_netns_listening()
{
	ih_ns=$1
	shift
	ih_ss=$(ip netns exec "$ih_ns" ss -Hltn 2>/dev/null) || return 1
	for ih_a in "$@"; do
		echo "$ih_ss" | awk '{print $4}' | grep -qxF -- "$ih_a" || return 1
	done
	return 0
}

# ih_netns_cleanup: deletes the namespaces this test made (and with them
# their links).  Never fails.
ih_netns_cleanup()
{
	for ih_ns in $IH_NETNS_MADE; do
		ip netns del "$ih_ns" 2>/dev/null
	done
	IH_NETNS_MADE=
	return 0
}
