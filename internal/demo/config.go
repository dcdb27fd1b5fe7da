package demo

import (
	"fmt"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
)

// DeviceConfig returns a plausible Junos configuration for device in the
// curly-brace text format: system, interfaces, protocols, policy-options.
// It depends only on the device name, so the same device always starts
// from the same configuration.
func DeviceConfig(device string) string {
	h := 0
	for _, c := range device {
		h = h*31 + int(c)
	}
	h &= 0xffff
	var b strings.Builder
	fmt.Fprintf(&b, "version 23.4R2.13;\nsystem {\n    host-name %s;\n    time-zone Europe/Berlin;\n", device)
	b.WriteString("    root-authentication {\n        encrypted-password \"$6$demo$hash\"; ## SECRET-DATA\n    }\n")
	b.WriteString("    login {\n        class noc {\n            permissions [ view view-configuration ];\n        }\n    }\n")
	b.WriteString("    services {\n        ssh {\n            root-login deny;\n            protocol-version v2;\n        }\n        netconf {\n            ssh;\n        }\n    }\n")
	b.WriteString("    syslog {\n        host 172.16.100.10 {\n            any notice;\n        }\n    }\n")
	b.WriteString("    ntp {\n        server 172.16.1.1;\n        server 172.16.1.2;\n    }\n}\n")
	b.WriteString("interfaces {\n")
	for i := 0; i < 8+h%8; i++ {
		fmt.Fprintf(&b, "    ge-0/0/%d {\n        description \"uplink %d to core-%d\";\n        unit 0 {\n            family inet {\n                address 10.%d.%d.1/30;\n            }\n        }\n    }\n",
			i, i, (h+i)%4+1, h%200, i*4)
	}
	fmt.Fprintf(&b, "    lo0 {\n        unit 0 {\n            family inet {\n                address 192.168.%d.%d/32;\n            }\n        }\n    }\n}\n", h%250, h%200+1)
	fmt.Fprintf(&b, "protocols {\n    ospf {\n        area 0.0.0.0 {\n            interface ge-0/0/0.0;\n            interface ge-0/0/1.0;\n            interface lo0.0 {\n                passive;\n            }\n        }\n    }\n")
	fmt.Fprintf(&b, "    bgp {\n        group core {\n            type internal;\n            local-address 192.168.%d.%d;\n            neighbor 192.168.0.1;\n            neighbor 192.168.0.2;\n        }\n    }\n    lldp {\n        interface all;\n    }\n}\n", h%250, h%200+1)
	b.WriteString("policy-options {\n    prefix-list mgmt {\n        172.16.0.0/16;\n    }\n    policy-statement export-loopback {\n        term lo {\n            from interface lo0.0;\n            then accept;\n        }\n    }\n}\n")
	return b.String()
}

// SetStyle turns a curly-brace configuration into set commands, as
// `show configuration | display set` does.
func SetStyle(conf string) string {
	var out strings.Builder
	var path []string
	for _, line := range strings.Split(conf, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "" || strings.HasPrefix(t, "version"):
		case strings.HasSuffix(t, "{"):
			path = append(path, strings.TrimSpace(strings.TrimSuffix(t, "{")))
		case t == "}":
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		default:
			stmt := strings.TrimSuffix(strings.TrimSpace(strings.SplitN(t, "##", 2)[0]), ";")
			out.WriteString("set " + strings.Join(append(append([]string{}, path...), stmt), " ") + "\n")
		}
	}
	return out.String()
}

// ConfigChange returns the change a configuration task makes on device:
// an NTP server for a configlet, an interface description for a template,
// a new syslog host for a script, and so on. Some come in set style.
func (g *Generator) ConfigChange(task, device string) audit.ConfigChange {
	before := DeviceConfig(device)
	after := before
	n := g.rng.IntN(200)
	switch task {
	case "Apply CLI Configlet", "Deploy Device Configuration":
		after = strings.Replace(before, "server 172.16.1.2;", fmt.Sprintf("server 172.16.1.%d;", 3+n%200), 1)
	case "Deploy Template", "Modify Device Configuration":
		after = strings.Replace(before, "description \"uplink 2 to", fmt.Sprintf("description \"uplink 2 (circuit %d) to", 4000+n), 1)
	case "Execute Script":
		after = strings.Replace(before, "    syslog {\n", fmt.Sprintf("    syslog {\n        host 172.16.100.%d {\n            any warning;\n        }\n", 20+n%200), 1)
	case "Modify Device Authentication":
		after = strings.Replace(before, "$6$demo$hash", fmt.Sprintf("$6$demo$rotated%d", n), 1)
	case "Deploy Device Image":
		after = strings.Replace(before, "version 23.4R2.13;", "version 24.2R1.9;", 1)
	case "Restore Configuration":
		before = strings.Replace(before, "        lldp {\n", "", 1)
		after = strings.Replace(before, "    lldp {\n        interface all;\n    }\n", "", 1)
	default: // Resolve Key Conflicts and others
		after = strings.Replace(before, "protocol-version v2;", "protocol-version v2;\n            hostkey-algorithm {\n                no-ssh-dss;\n            }", 1)
	}
	c := audit.ConfigChange{Device: device, Format: "text", Before: before, After: after}
	if n%3 == 0 {
		c.Format, c.Before, c.After = "set", SetStyle(before), SetStyle(after)
	}
	if c.Before == c.After {
		c.After += "# touched by " + task + "\n"
	}
	return c
}
