package configdiff

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// junosConfig builds a realistic Junos configuration in curly-brace form
// of at least size bytes: system settings, interfaces with units and
// addresses, BGP and OSPF, prefix lists, policies and firewall filters, in
// the proportions of a large edge router. The same seed gives the same
// text, so benchmarks and tests compare like with like.
func junosConfig(seed uint64, size int) string {
	r := rand.New(rand.NewPCG(seed, 0x10b600c))
	var b strings.Builder
	w := func(depth int, format string, args ...any) {
		b.WriteString(strings.Repeat("    ", depth))
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	w(0, "## Last commit: 2025-03-%02d 10:%02d:11 UTC by netops", 1+r.IntN(28), r.IntN(60))
	w(0, "version 22.4R3-S2.11;")
	w(0, "system {")
	w(1, "host-name edge-%02d.fra%d;", r.IntN(40), 1+r.IntN(4))
	w(1, "time-zone UTC;")
	w(1, "root-authentication {")
	w(2, "encrypted-password \"$6$%08x$%016x\"; ## SECRET-DATA", r.Uint32(), r.Uint64())
	w(1, "}")
	w(1, "login {")
	for i := range 12 {
		w(2, "user op%02d {", i)
		w(3, "uid %d;", 2000+i)
		w(3, "class super-user;")
		w(3, "authentication {")
		w(4, "ssh-ed25519 \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%016x op%02d@noc\";", r.Uint64(), i)
		w(3, "}")
		w(2, "}")
	}
	w(1, "}")
	w(1, "services {")
	w(2, "ssh {")
	w(3, "protocol-version v2;")
	w(2, "}")
	w(2, "netconf {")
	w(3, "ssh;")
	w(2, "}")
	w(1, "}")
	w(1, "syslog {")
	w(2, "host 192.0.2.%d {", 1+r.IntN(250))
	w(3, "any notice;")
	w(3, "authorization info;")
	w(2, "}")
	w(1, "}")
	w(1, "ntp {")
	for i := range 4 {
		w(2, "server 198.51.100.%d prefer;", 10+i)
	}
	w(1, "}")
	w(0, "}")

	// Interfaces take about half of the text, routing and policy the rest.
	w(0, "interfaces {")
	ifaces := 0
	for fpc := 0; b.Len() < size/2; fpc++ {
		for port := 0; port < 48 && b.Len() < size/2; port++ {
			name := fmt.Sprintf("%s-%d/%d/%d", []string{"ge", "xe", "et"}[r.IntN(3)], fpc/4, fpc%4, port)
			ifaces++
			w(1, "%s {", name)
			desc := fmt.Sprintf([]string{"uplink to core-%02d", "customer AS%d circuit", "peering IX port %d", "access switch %d"}[r.IntN(4)], r.IntN(9000))
			w(2, "description \"%s\";", desc)
			if r.IntN(3) == 0 {
				w(2, "mtu 9192;")
			}
			if r.IntN(4) == 0 {
				w(2, "vlan-tagging;")
			}
			units := 1 + r.IntN(3)
			for u := range units {
				w(2, "unit %d {", u*100)
				if units > 1 {
					w(3, "vlan-id %d;", u*100+r.IntN(99)+1)
				}
				w(3, "family inet {")
				if r.IntN(3) == 0 {
					w(4, "filter {")
					w(5, "input PROTECT-RE-%d;", r.IntN(8))
					w(4, "}")
				}
				w(4, "address 10.%d.%d.%d/30;", r.IntN(256), r.IntN(256), 4*r.IntN(64)+1)
				w(3, "}")
				if r.IntN(2) == 0 {
					w(3, "family inet6 {")
					w(4, "address 2001:db8:%x:%x::1/64;", r.IntN(65536), r.IntN(65536))
					w(3, "}")
				}
				w(2, "}")
			}
			w(1, "}")
		}
	}
	w(0, "}")

	w(0, "protocols {")
	w(1, "ospf {")
	w(2, "area 0.0.0.0 {")
	for i := range ifaces / 4 {
		w(3, "interface xe-0/0/%d.0 {", i)
		w(4, "metric %d;", 10*(1+r.IntN(20)))
		w(3, "}")
	}
	w(2, "}")
	w(1, "}")
	w(1, "bgp {")
	groups := 0
	for b.Len() < size*3/4 {
		groups++
		w(2, "group PEERS-%03d {", groups)
		w(3, "type external;")
		w(3, "import [ IMPORT-%03d REJECT-BOGONS ];", groups)
		w(3, "export EXPORT-%03d;", groups)
		for range 2 + r.IntN(8) {
			w(3, "neighbor 203.0.%d.%d {", r.IntN(256), 1+r.IntN(254))
			w(4, "description \"AS%d session %d\";", 64512+r.IntN(1000), r.IntN(100))
			w(4, "peer-as %d;", 64512+r.IntN(1000))
			if r.IntN(2) == 0 {
				w(4, "authentication-key \"$9$%012x\"; ## SECRET-DATA", r.Uint64()&0xffffffffffff)
			}
			w(3, "}")
		}
		w(2, "}")
	}
	w(1, "}")
	w(0, "}")

	w(0, "policy-options {")
	for i := 0; b.Len() < size*7/8; i++ {
		w(1, "prefix-list PL-CUSTOMER-%03d {", i)
		for range 3 + r.IntN(10) {
			w(2, "%d.%d.%d.0/24;", 100+r.IntN(100), r.IntN(256), r.IntN(256))
		}
		w(1, "}")
		w(1, "policy-statement IMPORT-%03d {", i)
		w(2, "term ALLOW {")
		w(3, "from {")
		w(4, "prefix-list PL-CUSTOMER-%03d;", i)
		w(3, "}")
		w(3, "then {")
		w(4, "local-preference %d;", 100+10*r.IntN(10))
		w(4, "accept;")
		w(3, "}")
		w(2, "}")
		w(2, "then reject;")
		w(1, "}")
	}
	w(0, "}")

	w(0, "firewall {")
	w(1, "family inet {")
	for i := 0; b.Len() < size; i++ {
		w(2, "filter PROTECT-RE-%d {", i)
		for t := range 4 + r.IntN(8) {
			w(3, "term T%02d {", t)
			w(4, "from {")
			w(5, "source-address {")
			w(6, "10.%d.0.0/16;", r.IntN(256))
			w(5, "}")
			w(5, "protocol %s;", []string{"tcp", "udp", "icmp"}[r.IntN(3)])
			w(5, "destination-port %d;", []int{22, 53, 123, 161, 179, 830}[r.IntN(6)])
			w(4, "}")
			w(4, "then {")
			w(5, "%s;", []string{"accept", "discard", "count C-T" + fmt.Sprint(t)}[r.IntN(3)])
			w(4, "}")
			w(3, "}")
		}
		w(2, "}")
	}
	w(1, "}")
	w(0, "}")
	return b.String()
}

// junosEdit changes about rate of the lines of cfg the way an operator
// would: mostly changed values (an address, a metric, a description),
// some statements deleted or added. Braces are left alone, so the result
// is still a well-formed configuration.
func junosEdit(cfg string, seed uint64, rate float64) string {
	r := rand.New(rand.NewPCG(seed, 0xed17))
	lines := strings.SplitAfter(cfg, "\n")
	out := make([]string, 0, len(lines)+len(lines)/50)
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || !strings.HasSuffix(t, ";") || r.Float64() >= rate {
			out = append(out, l)
			continue
		}
		ind := l[:len(l)-len(strings.TrimLeft(l, " "))]
		switch k := r.IntN(10); {
		case k < 6: // change a value: the last number in the line
			out = append(out, bumpLastNumber(l, r))
		case k < 8: // delete the statement
		default: // add a statement after it
			out = append(out, l, fmt.Sprintf("%sapply-groups GR-%d;\n", ind, r.IntN(100)))
		}
	}
	return strings.Join(out, "")
}

func bumpLastNumber(l string, r *rand.Rand) string {
	end := strings.LastIndexAny(l, "0123456789")
	if end < 0 {
		return strings.Replace(l, ";", " inactive;", 1)
	}
	start := end
	for start > 0 && l[start-1] >= '0' && l[start-1] <= '9' {
		start--
	}
	if start > 0 && l[start-1] == '/' && strings.Contains(l, "address") {
		// Keep the prefix length; change the last address digit group.
		if e := strings.LastIndexAny(l[:start-1], "0123456789"); e >= 0 {
			end, start = e, e
			for start > 0 && l[start-1] >= '0' && l[start-1] <= '9' {
				start--
			}
		}
	}
	return l[:start] + fmt.Sprint(r.IntN(250)+1) + l[end+1:]
}

// setStyle turns a curly-brace configuration into `set` commands, one per
// leaf statement, the way `show configuration | display set` prints it.
func setStyle(cfg string) string {
	var b strings.Builder
	var path []string
	for _, l := range strings.Split(cfg, "\n") {
		t := strings.TrimSpace(l)
		if i := strings.Index(t, " ## "); i >= 0 {
			t = strings.TrimSpace(t[:i])
		}
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
		case strings.HasSuffix(t, "{"):
			path = append(path, strings.TrimSpace(strings.TrimSuffix(t, "{")))
		case t == "}":
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		default:
			b.WriteString("set ")
			for _, p := range path {
				b.WriteString(p)
				b.WriteByte(' ')
			}
			b.WriteString(strings.TrimSuffix(t, ";"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}
