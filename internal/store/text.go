package store

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
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
