package store

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"

	"github.com/logbookhq/logbook/internal/audit"
)

// Large text is compressed by Logbook itself, because SQLite stores values
// as given. A packed value starts with a marker byte: packPlain or
// packFlate. Values below packThreshold are not worth compressing.
const (
	packPlain     = 0
	packFlate     = 1
	packThreshold = 1024
)

// PackText encodes s for storage, compressing it when that pays.
func PackText(s string) []byte {
	if len(s) < packThreshold {
		return append([]byte{packPlain}, s...)
	}
	var buf bytes.Buffer
	buf.WriteByte(packFlate)
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write([]byte(s))
	w.Close()
	if buf.Len() >= len(s)+1 {
		return append([]byte{packPlain}, s...)
	}
	return buf.Bytes()
}

// UnpackText decodes what PackText made; nil and empty values are "".
func UnpackText(b []byte) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	switch b[0] {
	case packPlain:
		return string(b[1:]), nil
	case packFlate:
		out, err := io.ReadAll(flate.NewReader(bytes.NewReader(b[1:])))
		if err != nil {
			return "", fmt.Errorf("error decompressing text: %w", err)
		}
		return string(out), nil
	}
	return "", fmt.Errorf("error decoding text: unknown marker %d", b[0])
}

// WordsColumns are the columns an entry's words (audit.Entry.Words) come
// from, as ScanWords reads them.
const WordsColumns = "id, description, task, user_name, affected_objects"

// ScanWords reads a row of WordsColumns with scan and returns the entry's
// id and words; engines index the words of stored entries with it.
func ScanWords(scan func(dest ...any) error) (int64, string, error) {
	var e audit.Entry
	var objects string
	if err := scan(&e.ID, &e.Description, &e.Task, &e.UserName, &objects); err != nil {
		return 0, "", err
	}
	if err := json.Unmarshal([]byte(objects), &e.AffectedObjects); err != nil {
		return 0, "", fmt.Errorf("entry %d: affected_objects: %w", e.ID, err)
	}
	return e.ID, e.Words(), nil
}
