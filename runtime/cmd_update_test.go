package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"512", 512, false},
		{"64m", 64 << 20, false},
		{"64M", 64 << 20, false},
		{"1g", 1 << 30, false},
		{"1GiB", 1 << 30, false},
		{"2kb", 2048, false},
		{"1.5k", 1536, false},
		{"-1", -1, false},
		{"", 0, true},
		{"-2", 0, true},
		{"12q", 0, true},
		{"m", 0, true},
		{"99999999p", 0, true},
	} {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestUpdateFlagsToResources(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		stdin   string
		want    string // JSON of the resources, or the error's text
		wantErr bool
	}{
		{[]string{"--memory", "1m", "--memory-swap", "-1", "--pids-limit", "7"}, "",
			`{"memory":{"limit":1048576,"swap":-1},"pids":{"limit":7}}`, false},
		{[]string{"--cpu-quota", "-1", "--cpu-period", "100000", "--cpu-share", "2", "--cpuset-cpus", "0-1", "--blkio-weight", "10"}, "",
			`{"cpu":{"shares":2,"quota":-1,"period":100000,"cpus":"0-1"},"blockIO":{"weight":10}}`, false},
		{[]string{"--resources", "-", "--memory", "1m"}, `{"pids":{"limit":3}}`, `{"pids":{"limit":3}}`, false},
		{[]string{"--cpu-share", "-5"}, "", "--cpu-share", true},
		{[]string{"--blkio-weight", "1001"}, "", "--blkio-weight", true},
		{[]string{"--memory", "lots"}, "", "--memory", true},
		{[]string{"--mem-bw-schema", "MB:0=50"}, "", "mem-bw-schema", true},
		{[]string{"-r", "-"}, `{"pids":`, "JSON", true},
	} {
		fs := newFlags("update")
		o := updateFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		r, err := o.toResources(strings.NewReader(tc.stdin))
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		got, _ := json.Marshal(r)
		if string(got) != tc.want {
			t.Errorf("%v:\n got  %s\n want %s", tc.args, got, tc.want)
		}
	}
}

func TestFilterPs(t *testing.T) {
	const out = "UID        PID  PPID  C STIME TTY          TIME CMD\n" +
		"root         1     0  0 20:00 ?        00:00:01 /sbin/init\n" +
		"root        42     1  0 20:00 ?        00:00:00 sleep 1000\n" +
		"root       421     1  0 20:00 ?        00:00:00 sleep 42\n"
	var b strings.Builder
	if err := filterPs(&b, out, []int{42}); err != nil {
		t.Fatal(err)
	}
	want := "UID        PID  PPID  C STIME TTY          TIME CMD\n" +
		"root        42     1  0 20:00 ?        00:00:00 sleep 1000\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if err := filterPs(&b, "USER COMMAND\nroot init\n", []int{1}); err == nil || !strings.Contains(err.Error(), "PID column") {
		t.Errorf("ps output without PID: error %v", err)
	}
}
