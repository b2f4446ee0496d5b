package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Memory is a process's resident set as Linux reports it in
// /proc/<pid>/status, in bytes.
type Memory struct {
	Peak    int64 // VmHWM: the high-water mark of the resident set
	Current int64 // VmRSS
}

// ParseProcStatus reads VmHWM and VmRSS from the text of /proc/<pid>/status,
// where they appear as e.g. "VmHWM:\t   12345 kB".
func ParseProcStatus(r io.Reader) (Memory, error) {
	var m Memory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmHWM":
			dst = &m.Peak
		case "VmRSS":
			dst = &m.Current
		default:
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return Memory{}, fmt.Errorf("proc status: cannot read %s value %q", key, strings.TrimSpace(value))
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("proc status: %s: %w", key, err)
		}
		*dst = kb * 1024
		found++
	}
	if err := sc.Err(); err != nil {
		return Memory{}, err
	}
	if found != 2 {
		return Memory{}, fmt.Errorf("proc status: VmHWM or VmRSS missing (is this Linux?)")
	}
	return m, nil
}

// ReadMemory returns the resident set of process pid.
func ReadMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	return ParseProcStatus(f)
}

// ResetPeak sets the VmHWM of process pid back to its current resident
// set (Linux clear_refs, value 5), so that the next reading is the peak of
// what happened since. The process must belong to the caller.
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
