package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length limits, in bytes. The minimum follows NIST SP 800-63B for
// passwords used without a second factor; the maximum is far above the 64
// the guideline asks to allow, so that pass phrases and password managers
// are never refused, and only bounds what one login request can make the
// server hash.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// CheckPasswordRules says which rule a new password breaks, or nil. There
// are no composition rules (NIST SP 800-63B advises against them); a
// password only has to be long enough, not absurdly long, valid UTF-8 (so it
// hashes the same whatever client typed it) and not blank.
func CheckPasswordRules(pw string) error {
	switch {
	case len(pw) < MinPasswordLen:
		return fmt.Errorf("password must be at least %d bytes long", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("password must be at most %d bytes long", MaxPasswordLen)
	case !utf8.ValidString(pw):
		return errors.New("password must be valid UTF-8 text")
	case strings.TrimFunc(pw, unicode.IsSpace) == "":
		return errors.New("password must not be only whitespace")
	}
	return nil
}

// The argon2id parameters of new hashes: the first OWASP recommendation
// (19 MiB, two passes, one lane). They are written into every hash, so they
// can be raised later without invalidating stored passwords.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on the parameters CheckPassword accepts from a stored hash. They
// are generous for future parameters yet keep a corrupted or tampered hash
// from making one login take gigabytes of memory or minutes of time (or
// from making the argon2 package panic).
const (
	maxArgonTime    = 16
	maxArgonMemory  = 256 * 1024 // KiB
	maxArgonThreads = 16
	minArgonSaltLen = 8
	minArgonKeyLen  = 16
	maxArgonLen     = 64 // salt and key
)

// HashPassword returns the argon2id hash of pw as a PHC string,
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" with unpadded standard
// base64, the format other tools read. Each hash has its own random salt,
// so equal passwords do not give equal hashes. It does not apply
// CheckPasswordRules: callers setting a password check them first.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("error reading a salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC string encoded. It takes
// the parameters from encoded, so hashes made with older parameters keep
// working, and compares in constant time so the comparison leaks nothing.
// Anything malformed is simply false: a corrupted hash must lock its user
// out, never let anyone in.
func CheckPassword(encoded, pw string) bool {
	p, ok := parsePHC(encoded)
	if !ok {
		return false
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

// phc is a parsed argon2id PHC string.
type phc struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

// parsePHC reads "$argon2id$v=19$m=M,t=T,p=P$salt$key" strictly: the
// parameters in this order, decimal without leading zeros, canonical base64
// without padding, and each within bounds.
func parsePHC(s string) (phc, bool) {
	var p phc
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, false
	}
	params := strings.Split(f[3], ",")
	if len(params) != 3 {
		return p, false
	}
	m, ok1 := parseParam(params[0], "m=", 8, maxArgonMemory)
	t, ok2 := parseParam(params[1], "t=", 1, maxArgonTime)
	th, ok3 := parseParam(params[2], "p=", 1, maxArgonThreads)
	if !ok1 || !ok2 || !ok3 || m < 8*th {
		return p, false
	}
	salt, err1 := base64.RawStdEncoding.Strict().DecodeString(f[4])
	key, err2 := base64.RawStdEncoding.Strict().DecodeString(f[5])
	if err1 != nil || err2 != nil ||
		len(salt) < minArgonSaltLen || len(salt) > maxArgonLen ||
		len(key) < minArgonKeyLen || len(key) > maxArgonLen {
		return p, false
	}
	return phc{time: t, memory: m, threads: uint8(th), salt: salt, key: key}, true
}

// parseParam reads one "name=value" parameter with value in [lo, hi].
func parseParam(s, prefix string, lo, hi uint32) (uint32, bool) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < uint64(lo) || n > uint64(hi) {
		return 0, false
	}
	return uint32(n), true
}

// DummyHash is a valid hash of a random password that nobody knows. A login
// for an unknown user checks the password against it, so that it costs the
// same time as a login for a known one and the response time does not tell
// which user names exist; and since the password is random, it cannot match
// even if a caller forgets to refuse the unknown user. It is computed once,
// when the program starts.
var DummyHash string

func init() {
	h, err := HashPassword(RandomPassword())
	if err != nil {
		panic("access: cannot hash the dummy password: " + err.Error())
	}
	DummyHash = h
}

// tokenPrefix starts every API token secret, so that secret scanners and
// people can recognise a leaked Logbook token.
const tokenPrefix = "lbk_"

// NewToken returns a new API token secret, "lbk_" and 32 random bytes in
// unpadded base64url, and the hash to store. Only the hash is stored, so a
// copy of the database does not give away tokens; the secret is shown once.
func NewToken() (secret, hash string) {
	secret = tokenPrefix + randomString(32)
	return secret, HashToken(secret)
}

// HashToken returns the hex SHA-256 of a token secret or session id. A fast
// hash suffices here, unlike for passwords, because the input is 256 random
// bits that no one can guess, and it lets a store find a token by its hash.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewSessionID returns a new session id (32 random bytes in unpadded
// base64url, fit for a cookie) and the hash to store, for the same reason
// tokens are stored hashed.
func NewSessionID() (id, hash string) {
	id = randomString(32)
	return id, HashToken(id)
}

// passwordAlphabet leaves out characters that are easy to confuse when a
// password is read off a terminal: 0 O o, 1 l I.
const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

// RandomPassword returns 20 characters drawn uniformly from an unambiguous
// alphabet (about 116 bits), for the first administrator and for password
// resets, where a person has to copy the password once.
func RandomPassword() string {
	const n = 20
	// Rejecting bytes at or above the largest multiple of the alphabet size
	// keeps every character equally likely.
	limit := 256 - 256%len(passwordAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		randomBytes(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}

// randomString returns n random bytes in unpadded base64url.
func randomString(n int) string {
	b := make([]byte, n)
	randomBytes(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomBytes fills b from crypto/rand. Since Go 1.24 crypto/rand.Read never
// returns an error (the program crashes instead), so there is nothing for
// callers to handle; the check stays in case that ever changes.
func randomBytes(b []byte) {
	if _, err := rand.Read(b); err != nil {
		panic("access: crypto/rand failed: " + err.Error())
	}
}
