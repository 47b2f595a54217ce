package devices

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestV1Lines(t *testing.T) {
	for _, c := range []struct {
		in   specs.LinuxDeviceCgroup
		want []string
	}{
		{specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}, []string{"a"}},
		{specs.LinuxDeviceCgroup{Allow: false}, []string{"a"}},
		{specs.LinuxDeviceCgroup{Type: "a", Access: "r"}, []string{"c *:* r", "b *:* r"}},
		{specs.LinuxDeviceCgroup{Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}, []string{"c 1:3 rwm"}},
		{specs.LinuxDeviceCgroup{Type: "b", Major: i64(8), Access: "r"}, []string{"b 8:* r"}},
		{specs.LinuxDeviceCgroup{Type: "c", Major: i64(-1), Minor: i64(5), Access: "w"}, []string{"c *:5 w"}},
	} {
		rules, err := FromSpec([]specs.LinuxDeviceCgroup{c.in})
		if err != nil {
			t.Fatalf("FromSpec(%+v): %v", c.in, err)
		}
		if got := rules[0].V1(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("V1(%+v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFromSpecErrors(t *testing.T) {
	for _, c := range []struct {
		in   specs.LinuxDeviceCgroup
		want string
	}{
		{specs.LinuxDeviceCgroup{Type: "p"}, `linux.resources.devices[1]: type "p"`},
		{specs.LinuxDeviceCgroup{Type: "c", Major: i64(-5)}, "linux.resources.devices[1]: major -5"},
		{specs.LinuxDeviceCgroup{Type: "c", Minor: i64(-2)}, "linux.resources.devices[1]: minor -2"},
		{specs.LinuxDeviceCgroup{Type: "c", Access: "rwx"}, `linux.resources.devices[1]: access "rwx"`},
	} {
		_, err := FromSpec([]specs.LinuxDeviceCgroup{{Allow: false}, c.in})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromSpec(%+v) = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestDefaultAllowedIsValid(t *testing.T) {
	rules, err := FromSpec(DefaultAllowed)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if !r.Allow || r.IsWildcard() {
			t.Errorf("default rule %+v must allow and must not be a full wildcard", r)
		}
	}
}
