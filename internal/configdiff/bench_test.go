package configdiff

import (
	"strings"
	"sync"
	"testing"
)

// benchInputs are built once: a 1 MiB Junos configuration (about 40,000
// lines), the same with about 1% of its lines edited, and an unrelated
// configuration of the same size.
var benchInputs = sync.OnceValue(func() (in struct{ base, edited, other string }) {
	in.base = junosConfig(1, 1<<20)
	in.edited = junosEdit(in.base, 2, 0.025)
	in.other = junosConfig(2, 1<<20)
	return in
})

func benchCompute(b *testing.B, before, after string) {
	b.SetBytes(int64(len(before) + len(after)))
	var d Diff
	for b.Loop() {
		d = Compute(before, after, 3)
	}
	b.ReportMetric(float64(d.Stats.Added+d.Stats.Removed), "changed_lines")
	b.ReportMetric(float64(d.OldLines), "lines")
}

// BenchmarkCompute1MiB is the common case: a configuration task changed a
// few hundred lines of a large configuration.
func BenchmarkCompute1MiB(b *testing.B) {
	in := benchInputs()
	benchCompute(b, in.base, in.edited)
}

// BenchmarkComputeSetStyle1MiB is the same change in set style.
func BenchmarkComputeSetStyle1MiB(b *testing.B) {
	in := benchInputs()
	benchCompute(b, setStyle(in.base), setStyle(in.edited))
}

// BenchmarkComputeUnrelated1MiB is the worst case the guards exist for:
// two unrelated configurations that still share many lines ("}").
func BenchmarkComputeUnrelated1MiB(b *testing.B) {
	in := benchInputs()
	benchCompute(b, in.base, in.other)
}

// BenchmarkComputeCRLFToLF1MiB is a whole file converted to LF endings.
func BenchmarkComputeCRLFToLF1MiB(b *testing.B) {
	in := benchInputs()
	benchCompute(b, strings.ReplaceAll(in.base, "\n", "\r\n"), in.base)
}

// BenchmarkComputeLongLine is a 1 MB single line with one change, where the
// word split must not go quadratic.
func BenchmarkComputeLongLine(b *testing.B) {
	long := strings.Repeat("set system syslog host 192.0.2.1 any notice; ", 1<<20/44)
	benchCompute(b, long, long+"x")
}

func BenchmarkUnified1MiB(b *testing.B) {
	in := benchInputs()
	b.SetBytes(int64(len(in.base) + len(in.edited)))
	for b.Loop() {
		Unified(in.base, in.edited, "a", "b", 3)
	}
}
