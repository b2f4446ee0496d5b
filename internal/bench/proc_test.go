package bench

import (
	"os"
	"strings"
	"testing"
)

func TestParseProcStatus(t *testing.T) {
	status := "Name:\tportal\nVmPeak:\t 1290000 kB\nVmHWM:\t   53248 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n"
	m, err := ParseProcStatus(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	if m.Peak != 52<<20 || m.Current != 40<<20 {
		t.Errorf("got %+v, want peak 52 MiB and current 40 MiB", m)
	}
}

func TestParseProcStatusRefusesMissingOrOddValues(t *testing.T) {
	for _, status := range []string{
		"Name:\tportal\n",               // a kernel thread, or not Linux
		"VmHWM:\t12 MB\nVmRSS:\t1 kB\n", // unknown unit
		"VmHWM:\tlots kB\nVmRSS:\t1 kB\n",
	} {
		if _, err := ParseProcStatus(strings.NewReader(status)); err == nil {
			t.Errorf("ParseProcStatus(%q) succeeded, want an error", status)
		}
	}
}

func TestReadMemoryOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc: not Linux")
	}
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.Current <= 0 || m.Peak < m.Current {
		t.Errorf("got %+v, want 0 < current <= peak", m)
	}
}
