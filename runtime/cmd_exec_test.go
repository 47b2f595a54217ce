package main

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseUser(t *testing.T) {
	tests := []struct {
		in       string
		uid, gid uint32
		ok       bool
	}{
		{"1000", 1000, 7, true},
		{"1000:1001", 1000, 1001, true},
		{"0:0", 0, 0, true},
		{"root", 0, 0, false},
		{"1:x", 0, 0, false},
		{"-1", 0, 0, false},
	}
	for _, tt := range tests {
		u := specs.User{GID: 7}
		err := parseUser(tt.in, &u)
		if (err == nil) != tt.ok || (tt.ok && (u.UID != tt.uid || u.GID != tt.gid)) {
			t.Errorf("parseUser(%q) = %+v, %v", tt.in, u, err)
		}
	}
}

func TestAddCaps(t *testing.T) {
	p := &specs.Process{}
	addCaps(p, []string{"sys_time"})
	want := []string{"CAP_SYS_TIME"}
	c := p.Capabilities
	if !reflect.DeepEqual(c.Bounding, want) || !reflect.DeepEqual(c.Effective, want) || !reflect.DeepEqual(c.Permitted, want) || c.Ambient != nil {
		t.Errorf("without inheritable: %+v", c)
	}
	p = &specs.Process{Capabilities: &specs.LinuxCapabilities{Inheritable: []string{"CAP_KILL"}}}
	addCaps(p, []string{"CAP_NET_RAW"})
	if !reflect.DeepEqual(p.Capabilities.Ambient, []string{"CAP_NET_RAW"}) {
		t.Errorf("with inheritable, ambient = %v", p.Capabilities.Ambient)
	}
}
