package demo

import (
	"slices"
	"strconv"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
)

// fill holds the names an entry's description is written from. It lives on
// the stack of Generator.Entry.
type fill struct {
	actor, ip, dom, task  string
	device                string
	devices               [3]string
	nDevices              int
	configlet, template   string
	image, script         string
	user, role, report    string
	cfgfile, domain       string
	service, serviceDef   string
	refJob                string
	setting, setApp       string
	before, after, reason string
}

// objects draws the affected objects of t for an entry in domain dom. Devices
// come from what the domain can see, so that an EMEA user's entries name EMEA
// devices, and images match the family of the device they go on.
func (g *Generator) objects(t *taskSpec, dom, self int, f *fill) []audit.Object {
	if t.detail == detailSetting {
		s := &settings[g.rng.IntN(len(settings))]
		f.setting, f.setApp = s.name, s.app
		i := g.rng.IntN(len(s.values))
		j := (i + 1 + g.rng.IntN(len(s.values)-1)) % len(s.values)
		f.before, f.after = s.values[i], s.values[j]
	}
	if len(t.objs) == 0 {
		return nil
	}
	r := g.rng
	out := make([]audit.Object, 0, 3)
	add := func(typ string, o obj) string {
		out = append(out, audit.Object{Type: typ, ID: o.id, Name: o.name})
		return o.name
	}
	pick := func(list []obj) obj { return list[r.IntN(len(list))] }
	visible := g.p.inDomain[dom]
	firstDevice := -1
	for _, k := range t.objs {
		switch k {
		case kDevice, kDevices:
			n := 1
			if k == kDevices {
				// Leave room for the task's other objects within three.
				n = 1 + r.IntN(3-(len(t.objs)-1))
				if r.IntN(3) > 0 {
					n = 1 // most tasks are run on one device
				}
			}
			n = min(n, len(visible))
			for len(out) < cap(out) && f.nDevices < n {
				di := visible[r.IntN(len(visible))]
				name := g.p.devices[di].name
				if slices.Contains(f.devices[:f.nDevices], name) {
					continue
				}
				if firstDevice < 0 {
					firstDevice = di
				}
				f.devices[f.nDevices] = add("Device", g.p.devices[di].obj)
				f.nDevices++
			}
			f.device = f.devices[0]
		case kImage:
			if firstDevice >= 0 {
				fam := families[g.p.devices[firstDevice].family]
				f.image = add("Image", g.p.images[fam.images[r.IntN(len(fam.images))]])
			} else {
				f.image = add("Image", pick(g.p.images))
			}
		case kConfiglet:
			f.configlet = add("Configlet", pick(g.p.configlets))
		case kTemplate:
			f.template = add("Template", pick(g.p.templates))
		case kScript:
			f.script = add("Script", pick(g.p.scripts))
		case kUser:
			// Anyone but the actor.
			i := r.IntN(len(g.p.users) - 1)
			if i >= self {
				i++
			}
			f.user = add("User", obj{name: g.p.users[i].name, id: g.p.users[i].id})
		case kRole:
			f.role = add("Role", pick(g.p.roles))
		case kReport:
			f.report = add("Report", pick(g.p.reports))
		case kConfigFile:
			v := strconv.Itoa(1 + r.IntN(40))
			f.cfgfile = add("Config File", obj{
				name: f.device + " version " + v,
				id:   strconv.Itoa(524288 + 64*firstDevice + r.IntN(64)),
			})
		case kDomain:
			f.domain = add("Domain", g.p.domainObjs[1+r.IntN(len(g.p.domainObjs)-1)])
		case kService:
			f.service = add("Service", pick(g.p.services))
		case kServiceDef:
			f.serviceDef = add("Service Definition", pick(g.p.svcDefs))
		case kJob:
			id := int64(firstJobID) - 1 - int64(r.IntN(4096))
			if g.nextJob > firstJobID {
				id = firstJobID + 1 + r.Int64N(g.nextJob-firstJobID)
			}
			ref := tasks[r.IntN(len(tasks))]
			for ref.job == noJob {
				ref = tasks[r.IntN(len(tasks))]
			}
			s := strconv.FormatInt(id, 10)
			f.refJob = add("Job", obj{name: ref.name + "-" + s, id: s})
		}
	}
	return out
}

// expand fills the {placeholders} of tmpl from f. Placeholders without a
// value in f (tag, alarm, days) are drawn here.
func (g *Generator) expand(tmpl string, f *fill) string {
	var b strings.Builder
	b.Grow(len(tmpl) + 48)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		b.WriteString(tmpl[:i])
		g.value(&b, tmpl[i+1:i+j], f)
		tmpl = tmpl[i+j+1:]
	}
}

func (g *Generator) value(b *strings.Builder, name string, f *fill) {
	r := g.rng
	switch name {
	case "actor":
		b.WriteString(f.actor)
	case "ip":
		b.WriteString(f.ip)
	case "dom":
		b.WriteString(f.dom)
	case "task":
		b.WriteString(f.task)
	case "device":
		b.WriteString(f.device)
	case "devices":
		if f.nDevices == 1 {
			b.WriteString("the device ")
		} else {
			b.WriteString("the devices ")
		}
		for i := range f.nDevices {
			switch {
			case i == 0:
			case i == f.nDevices-1:
				b.WriteString(" and ")
			default:
				b.WriteString(", ")
			}
			b.WriteString(f.devices[i])
		}
	case "configlet":
		b.WriteString(f.configlet)
	case "template":
		b.WriteString(f.template)
	case "image":
		b.WriteString(f.image)
	case "script":
		b.WriteString(f.script)
	case "user":
		b.WriteString(f.user)
	case "role":
		b.WriteString(f.role)
	case "report":
		b.WriteString(f.report)
	case "cfgfile":
		b.WriteString(f.cfgfile)
	case "domain":
		b.WriteString(f.domain)
	case "service":
		b.WriteString(f.service)
	case "servicedef":
		b.WriteString(f.serviceDef)
	case "refjob":
		b.WriteString(f.refJob)
	case "setting":
		b.WriteString(f.setting)
	case "setapp":
		b.WriteString(f.setApp)
	case "reason":
		b.WriteString(f.reason)
	case "tag":
		b.WriteString(tags[r.IntN(len(tags))])
	case "alarm":
		b.WriteString(alarms[r.IntN(len(alarms))])
	case "days":
		b.WriteString([]string{"30", "90", "180", "365"}[r.IntN(4)])
	default:
		panic("demo: unknown placeholder {" + name + "}")
	}
}
