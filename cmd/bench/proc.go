package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// What bench reads from /proc (proc(5)) about the servers it started.

// statFields returns the fields of /proc/PID/stat after the command name,
// which is in parentheses and may hold spaces: [0] is field 3 (state).
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	return strings.Fields(string(b[i+1:])), nil
}

// cpuTicks is the user and system time that pids have used, all threads
// together, in clock ticks: fields 14 (utime) and 15 (stime) of
// /proc/PID/stat.
func cpuTicks(pids []int) (int64, error) {
	var sum int64
	for _, pid := range pids {
		f, err := statFields(pid)
		if err != nil {
			return 0, err
		}
		if len(f) < 13 {
			return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
		}
		for _, s := range f[11:13] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/stat: %v", pid, err)
			}
			sum += n
		}
	}
	return sum, nil
}

// peakRSS is the sum of pids' peak resident set sizes in KiB: VmHWM in
// /proc/PID/status.
func peakRSS(pids []int) (int64, error) {
	var sum int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0, err
		}
		_, rest, ok := strings.Cut(string(b), "\nVmHWM:")
		if !ok {
			return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
		}
		kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0]), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status: VmHWM: %v", pid, err)
		}
		sum += kib
	}
	return sum, nil
}

// resetPeakRSS sets VmHWM back to the present RSS, so that the next peak
// is the one bench is about to cause: "5" to /proc/PID/clear_refs.
func resetPeakRSS(pids []int) error {
	for _, pid := range pids {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			return err
		}
	}
	return nil
}

// children lists the processes whose parent is pid (field 4 of
// /proc/PID/stat).
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var kids []int
	for _, name := range stats {
		child, err := strconv.Atoi(filepath.Base(filepath.Dir(name)))
		if err != nil {
			continue
		}
		f, err := statFields(child)
		if err == nil && len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, child)
		}
	}
	return kids
}
