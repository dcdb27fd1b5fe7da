package job

import (
	"encoding/json"
	"strings"
)

// secretParams are parameter names whose values a job keeps (it needs
// them when it runs) but never shows: the API and the pages see a mask.
var secretParams = []string{"password", "private_key", "passphrase", "secret", "token"}

// Mask is what a secret parameter shows as.
const Mask = "********"

// RedactParams returns params with the value of every secret parameter,
// at any depth, replaced by Mask. Params that are not a JSON object are
// shown as nothing rather than risk showing a secret.
func RedactParams(params json.RawMessage) json.RawMessage {
	if len(params) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(params, &v); err != nil {
		return nil
	}
	if _, ok := v.(map[string]any); !ok {
		return nil
	}
	out, err := json.Marshal(redact(v))
	if err != nil {
		return nil
	}
	return out
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSecret(k) {
				if s, ok := val.(string); ok && s == "" {
					continue
				}
				t[k] = Mask
				continue
			}
			t[k] = redact(val)
		}
	case []any:
		for i := range t {
			t[i] = redact(t[i])
		}
	}
	return v
}

func isSecret(k string) bool {
	k = strings.ToLower(k)
	for _, s := range secretParams {
		if k == s {
			return true
		}
	}
	return false
}
