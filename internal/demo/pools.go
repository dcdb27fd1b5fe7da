package demo

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
)

// This file holds the population the generator draws from: users, domains,
// devices and the other objects a task touches. The population is the same
// for every seed, so a demo database and a live trickle made with different
// seeds still talk about the same users and devices.

// domains is the demo tenancy tree. Index 0 must stay Global.
var domains = []string{
	"Global",
	"Global/EMEA",
	"Global/EMEA/Lab",
	"Global/APAC",
	"Global/Americas",
	"Global/Americas/NOC",
}

// Domain indexes into domains, for the tables below.
const (
	dGlobal = iota
	dEMEA
	dLab
	dAPAC
	dAmericas
	dNOC
)

// Domains returns the domain paths the generator uses, parents before
// children, so that a caller can create them in order before loading entries.
func Domains() []string {
	return append([]string(nil), domains...)
}

// userSpec is one user: how often they act, where they live and whether they
// are an API account that only ever calls the REST API.
type userSpec struct {
	name   string
	weight int
	home   int
	api    bool
	ipv6   bool
}

// users is weighted so that a handful of accounts do most of the work, as in
// a real installation where super and one or two automation accounts dominate.
var users = []userSpec{
	{name: "super", weight: 30, home: dGlobal},
	{name: "admin", weight: 18, home: dGlobal},
	{name: "netops1", weight: 16, home: dNOC},
	{name: "jdoe", weight: 14, home: dEMEA},
	{name: "restapi", weight: 14, home: dGlobal, api: true},
	{name: "netops2", weight: 8, home: dNOC},
	{name: "ansible-svc", weight: 6, home: dEMEA, api: true},
	{name: "netops3", weight: 5, home: dAPAC},
	{name: "nso-sync", weight: 4, home: dAmericas, api: true},
	{name: "asmith", weight: 4, home: dAmericas},
	{name: "cchen", weight: 4, home: dAPAC},
	{name: "emuller", weight: 4, home: dEMEA},
	{name: "auditor", weight: 3, home: dGlobal},
	{name: "secops", weight: 3, home: dGlobal, ipv6: true},
	{name: "dpatel", weight: 3, home: dAPAC},
	{name: "noc-eu1", weight: 3, home: dEMEA},
	{name: "bwilliams", weight: 2, home: dAmericas},
	{name: "fgarcia", weight: 2, home: dEMEA},
	{name: "gkumar", weight: 2, home: dAPAC},
	{name: "hnakamura", weight: 2, home: dAPAC, ipv6: true},
	{name: "jsilva", weight: 2, home: dAmericas},
	{name: "klee", weight: 2, home: dAPAC},
	{name: "lab-user1", weight: 2, home: dLab},
	{name: "mrossi", weight: 2, home: dEMEA},
	{name: "pdubois", weight: 2, home: dEMEA},
	{name: "rlopez", weight: 2, home: dNOC},
	{name: "tnguyen", weight: 2, home: dAPAC},
	{name: "wbrown", weight: 2, home: dAmericas},
	{name: "noc-apac1", weight: 2, home: dAPAC},
	{name: "ijohansson", weight: 1, home: dEMEA},
	{name: "lab-user2", weight: 1, home: dLab},
	{name: "nokafor", weight: 1, home: dEMEA},
	{name: "oberg", weight: 1, home: dLab},
	{name: "qzhang", weight: 1, home: dAPAC},
	{name: "skowalski", weight: 1, home: dEMEA},
	{name: "uahmed", weight: 1, home: dEMEA},
	{name: "vpetrov", weight: 1, home: dLab},
	{name: "xli", weight: 1, home: dAPAC},
	{name: "ywatanabe", weight: 1, home: dAPAC},
	{name: "zmorales", weight: 1, home: dAmericas},
}

// family is a device model: how its devices are named and which images run on it.
type family struct {
	model  string
	roles  []string // name infix; "" names the device model-N
	count  int
	images []int // indexes into images
	lab    bool  // lives in Global/EMEA/Lab
}

var images = []string{
	"junos-install-mx-x86-64-23.4R2.tgz",                      // 0
	"junos-install-mx-x86-64-22.4R3-S2.tgz",                   // 1
	"jinstall-ex-4300-21.4R3-S6-signed.tgz",                   // 2
	"junos-arm-32-22.4R3.10.tgz",                              // 3
	"jinstall-host-ex-4650-x86-64-22.4R3-secure-signed.tgz",   // 4
	"jinstall-host-qfx-5e-x86-64-22.4R3-S1-secure-signed.tgz", // 5
	"junos-vmhost-install-qfx-x86-64-22.4R3.tgz",              // 6
	"junos-srxsme-22.4R3-S2.tgz",                              // 7
	"junos-install-srxentedge-x86-64-23.2R2.tgz",              // 8
	"junos-install-srxhe-x86-64-23.2R2.tgz",                   // 9
	"junos-evo-install-acx-f-x86-64-23.4R2-EVO.iso",           // 10
	"junos-evo-install-ptx-x86-64-23.4R2-S1-EVO.iso",          // 11
	"junos-vsrx3-x86-64-23.2R2.tgz",                           // 12
}

var families = []family{
	{model: "mx960", roles: []string{""}, count: 4, images: []int{0, 1}},
	{model: "mx480", roles: []string{"pe"}, count: 6, images: []int{0, 1}},
	{model: "mx204", roles: []string{"pe", "edge"}, count: 10, images: []int{0, 1}},
	{model: "mx10003", roles: []string{"core"}, count: 4, images: []int{0}},
	{model: "ex4300", roles: []string{"edge", "access"}, count: 30, images: []int{2}},
	{model: "ex2300", roles: []string{"access"}, count: 20, images: []int{3}},
	{model: "ex4650", roles: []string{"dist"}, count: 8, images: []int{4}},
	{model: "qfx5120", roles: []string{"leaf"}, count: 16, images: []int{5}},
	{model: "qfx10002", roles: []string{"spine"}, count: 6, images: []int{6}},
	{model: "srx345", roles: []string{"branch"}, count: 20, images: []int{7}},
	{model: "srx380", roles: []string{"branch"}, count: 8, images: []int{7}},
	{model: "srx1500", roles: []string{"dc"}, count: 4, images: []int{8}},
	{model: "srx4600", roles: []string{"dc"}, count: 2, images: []int{9}},
	{model: "acx7100", roles: []string{"agg"}, count: 6, images: []int{10}},
	{model: "ptx10008", roles: []string{"p"}, count: 4, images: []int{11}},
	{model: "vmx", roles: []string{"lab"}, count: 4, images: []int{0}, lab: true},
	{model: "vsrx", roles: []string{"lab"}, count: 4, images: []int{12}, lab: true},
}

var (
	configlets = []string{
		"ntp-servers", "syslog-hosts", "snmp-v3-users", "banner-motd", "lldp-enable",
		"radius-servers", "interface-description", "vlan-create", "port-shutdown",
		"mgmt-firewall-filter", "bgp-peer-add", "ospf-area-add", "dns-servers", "login-class-noc",
	}
	templates = []string{
		"Branch SRX Baseline", "DC Leaf Base", "Core MX Services", "EX Access Port Profile",
		"SNMPv3 Standard", "NTP and Syslog Baseline", "MX PE L3VPN",
	}
	scripts = []string{
		"interface-description-audit.slax", "junos-upgrade-precheck.py", "bgp-neighbor-report.slax",
		"disable-unused-ports.slax", "ospf-health-check.py", "collect-rsi.slax", "set-ntp-source.py",
		"chassis-alarm-report.slax",
	}
	roles = []string{
		"Super Administrator", "Audit Log Administrator", "Job Administrator", "User Administrator",
		"Device Manager", "NOC Operator", "Read Only", "Image Manager",
	}
	reports = []string{
		"Device Inventory", "Software Version Summary", "Interface Utilization Weekly",
		"License Usage", "Audit Trail Monthly", "Job Failures Last 7 Days",
	}
	services = []string{
		"L3VPN-ACME-Corp", "E-Line-Metro-0042", "L2Circuit-NorthBank-7", "ELAN-RetailCo-East",
		"L3VPN-Globex-HQ", "E-LAN-Campus-12",
	}
	serviceDefs = []string{"L3VPN Full Mesh", "E-Line Port Based", "L2Circuit Standard", "E-LAN Multipoint"}
)

// obj is a named object with a precomputed id, so that generating an entry
// does not format numbers.
type obj struct {
	name string
	id   string
}

type device struct {
	obj
	family int
	domain int
}

type person struct {
	userSpec
	id  string
	ips []string
}

// pools is the population, built once per Generator from a fixed seed.
type pools struct {
	users      []person
	devices    []device
	inDomain   [][]int // device indexes visible in each domain (the domain and below)
	subtree    [][]int // domain indexes at or below each domain
	images     []obj
	configlets []obj
	templates  []obj
	scripts    []obj
	roles      []obj
	reports    []obj
	services   []obj
	svcDefs    []obj
	domainObjs []obj
}

func newPools() *pools {
	r := rand.New(rand.NewPCG(0x10cb00c, 0x5ace))
	p := &pools{
		images:     objs(images, 393217, r),
		configlets: objs(configlets, 1, r),
		templates:  objs(templates, 2359297, r),
		scripts:    objs(scripts, 458753, r),
		roles:      objs(roles, 1, r),
		reports:    objs(reports, 720897, r),
		services:   objs(services, 1835009, r),
		svcDefs:    objs(serviceDefs, 1769473, r),
		domainObjs: objs(domains, 2, r),
	}
	for i, u := range users {
		p.users = append(p.users, person{userSpec: u, id: strconv.Itoa(i + 1), ips: userIPs(u, r)})
	}

	// Devices: names like mx960-1 and ex4300-edge-12, ids like 131090.
	id := 131072
	for fi, f := range families {
		seq := map[string]int{}
		for range f.count {
			role := f.roles[r.IntN(len(f.roles))]
			seq[role]++
			name := f.model + "-" + strconv.Itoa(seq[role])
			if role != "" {
				name = f.model + "-" + role + "-" + strconv.Itoa(seq[role])
			}
			id += 1 + r.IntN(8)
			p.devices = append(p.devices, device{
				obj:    obj{name: name, id: strconv.Itoa(id)},
				family: fi,
				domain: deviceDomain(f, r),
			})
		}
	}

	p.subtree = make([][]int, len(domains))
	p.inDomain = make([][]int, len(domains))
	for d, path := range domains {
		for c, child := range domains {
			if child == path || (len(child) > len(path) && child[:len(path)+1] == path+"/") {
				p.subtree[d] = append(p.subtree[d], c)
			}
		}
		for i, dev := range p.devices {
			for _, c := range p.subtree[d] {
				if dev.domain == c {
					p.inDomain[d] = append(p.inDomain[d], i)
				}
			}
		}
	}
	return p
}

// objs gives names increasing ids from base, with small gaps like a real
// database sequence shared with other object types.
func objs(names []string, base int, r *rand.Rand) []obj {
	out := make([]obj, len(names))
	for i, n := range names {
		out[i] = obj{name: n, id: strconv.Itoa(base)}
		base += 1 + r.IntN(3)
	}
	return out
}

func deviceDomain(f family, r *rand.Rand) int {
	if f.lab {
		return dLab
	}
	switch x := r.IntN(100); {
	case x < 15:
		return dGlobal
	case x < 40:
		return dEMEA
	case x < 62:
		return dAPAC
	case x < 82:
		return dAmericas
	case x < 97:
		return dNOC
	default:
		return dLab
	}
}

// userIPs gives a user one to three client addresses, mostly from the
// private range their region's offices use.
func userIPs(u userSpec, r *rand.Rand) []string {
	if u.name == "super" {
		return []string{"172.16.100.2", "172.16.100.14"}
	}
	n := 1 + r.IntN(3)
	if u.api {
		n = 1 // automation runs from one host
	}
	ips := make([]string, 0, n)
	for len(ips) < n {
		var a netip.Addr
		switch {
		case u.ipv6 && len(ips) == 0:
			var b [16]byte
			copy(b[:], []byte{0x20, 0x01, 0x0d, 0xb8, 0x00, byte(0x10 + u.home)})
			b[7] = byte(1 + r.IntN(8))
			b[14] = byte(r.IntN(2))
			b[15] = byte(1 + r.IntN(250))
			a = netip.AddrFrom16(b)
		case u.home == dLab:
			a = netip.AddrFrom4([4]byte{192, 168, byte(10 + r.IntN(3)), byte(2 + r.IntN(250))})
		case u.home == dEMEA || u.home == dAPAC:
			a = netip.AddrFrom4([4]byte{10, byte(20*u.home + r.IntN(4)), byte(r.IntN(256)), byte(2 + r.IntN(250))})
		case r.IntN(5) == 0:
			a = netip.AddrFrom4([4]byte{192, 168, byte(r.IntN(256)), byte(2 + r.IntN(250))})
		default:
			a = netip.AddrFrom4([4]byte{172, 16, byte(r.IntN(256)), byte(2 + r.IntN(250))})
		}
		s := a.String()
		if !slices.Contains(ips, s) {
			ips = append(ips, s)
		}
	}
	return ips
}
