package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// ConfigChange is the configuration of one device before and after a
// configuration task.
type ConfigChange struct {
	Device string `json:"device"`
	Format string `json:"format"` // text (curly braces), set or xml
	Before string `json:"before"`
	After  string `json:"after"`
}

// Limits on configuration changes.
const (
	MaxConfigSide    = 4 << 20 // bytes per before or after
	MaxConfigDevices = 20
	MaxDeviceLen     = 255
)

// ConfigFormats are the formats a configuration may be given in.
var ConfigFormats = []string{"text", "set", "xml"}

// ConfigDigest is the SHA-256 of the changes' canonical encoding. The hash
// chain covers it, so that a change altered after the fact shows.
func ConfigDigest(cs []ConfigChange) []byte {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	str := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(cs)))])
	for _, c := range cs {
		str(c.Device)
		str(c.Format)
		str(c.Before)
		str(c.After)
	}
	return h.Sum(nil)
}

// validateConfigChange reads config_change (one object or an array) for
// an entry of task; it returns the changes or one FieldError per problem.
func validateConfigChange(raw json.RawMessage, task string) ([]ConfigChange, []FieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if !IsConfigTask(task) {
		return nil, []FieldError{{Field: "config_change", Reason: "is recorded only for the configuration tasks (" + fmt.Sprint(len(ConfigTasks)) + " of them, such as Apply CLI Configlet); task " + fmt.Sprintf("%q", task) + " is not one"}}
	}
	if raw[0] == '{' {
		raw = append(append([]byte{'['}, raw...), ']')
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var cs []ConfigChange
	if err := dec.Decode(&cs); err != nil {
		return nil, []FieldError{{Field: "config_change", Reason: "must be an object {device, format, before, after} or an array of them"}}
	}
	var errs []FieldError
	if len(cs) == 0 {
		errs = append(errs, FieldError{Field: "config_change", Reason: "is an empty array"})
	}
	if len(cs) > MaxConfigDevices {
		return nil, []FieldError{{Field: "config_change", Reason: fmt.Sprintf("has more than %d devices", MaxConfigDevices)}}
	}
	for i := range cs {
		c := &cs[i]
		p := fmt.Sprintf("config_change[%d].", i)
		switch {
		case c.Device == "":
			errs = append(errs, FieldError{Field: p + "device", Reason: "is required"})
		case len(c.Device) > MaxDeviceLen || !utf8.ValidString(c.Device) || hasControl(c.Device, false):
			errs = append(errs, FieldError{Field: p + "device", Reason: fmt.Sprintf("must be at most %d bytes of text without control characters", MaxDeviceLen)})
		}
		if c.Format == "" {
			c.Format = "text"
		}
		valid := false
		for _, f := range ConfigFormats {
			valid = valid || c.Format == f
		}
		if !valid {
			errs = append(errs, FieldError{Field: p + "format", Reason: "must be text, set or xml"})
		}
		for side, v := range map[string]string{"before": c.Before, "after": c.After} {
			switch {
			case len(v) > MaxConfigSide:
				errs = append(errs, FieldError{Field: p + side, Reason: fmt.Sprintf("is larger than %d bytes", MaxConfigSide)})
			case !utf8.ValidString(v):
				errs = append(errs, FieldError{Field: p + side, Reason: "is not valid UTF-8"})
			}
		}
		if c.Before == c.After && len(errs) == 0 {
			errs = append(errs, FieldError{Field: p + "after", Reason: "is the same as before: there is no change to record"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return cs, nil
}
