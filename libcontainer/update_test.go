package libcontainer

import (
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func res(t *testing.T, js string) *specs.LinuxResources {
	t.Helper()
	if js == "" {
		return nil
	}
	var r specs.LinuxResources
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return &r
}

func jsonOf(t *testing.T, r *specs.LinuxResources) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMergeResources(t *testing.T) {
	for _, tc := range []struct{ name, old, upd, want string }{
		{"nothing stored", "", `{"pids":{"limit":5}}`, `{"pids":{"limit":5}}`},
		{"zeros leave values", `{"memory":{"limit":100},"cpu":{"shares":512,"cpus":"0"},"pids":{"limit":9}}`,
			`{"memory":{"limit":0},"cpu":{"shares":0,"cpus":""},"pids":{"limit":0},"blockIO":{"weight":0}}`,
			`{"memory":{"limit":100},"cpu":{"shares":512,"cpus":"0"},"pids":{"limit":9},"blockIO":{}}`},
		{"quota alone keeps period", `{"cpu":{"quota":50000,"period":100000}}`, `{"cpu":{"quota":20000}}`,
			`{"cpu":{"quota":20000,"period":100000}}`},
		{"unlimited is a value", `{"memory":{"limit":100,"swap":200}}`, `{"memory":{"limit":-1,"swap":-1}}`,
			`{"memory":{"limit":-1,"swap":-1}}`},
		{"swappiness 0 is a value", `{"memory":{"swappiness":60}}`, `{"memory":{"swappiness":0}}`,
			`{"memory":{"swappiness":0}}`},
		{"devices append", `{"devices":[{"allow":false,"access":"rwm"}]}`,
			`{"devices":[{"allow":true,"type":"c","major":1,"minor":11,"access":"w"}]}`,
			`{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":11,"access":"w"}]}`},
		{"maps merge by key", `{"unified":{"a":"1","b":"2"}}`, `{"unified":{"b":"3"}}`, `{"unified":{"a":"1","b":"3"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := res(t, tc.old)
			before := jsonOf(t, old)
			got := jsonOf(t, MergeResources(old, res(t, tc.upd)))
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if jsonOf(t, old) != before {
				t.Errorf("merge changed the stored resources: %s", jsonOf(t, old))
			}
		})
	}
}

func TestChangeSet(t *testing.T) {
	for _, tc := range []struct{ name, old, upd, want string }{
		{"only what changed", `{"memory":{"limit":100},"pids":{"limit":9}}`, `{"pids":{"limit":5}}`, `{"pids":{"limit":5}}`},
		{"quota brings period", `{"cpu":{"quota":50000,"period":100000,"shares":2}}`, `{"cpu":{"quota":20000}}`,
			`{"cpu":{"quota":20000,"period":100000}}`},
		{"whole device list", `{"devices":[{"allow":false,"access":"rwm"}]}`, `{"devices":[{"allow":true,"type":"c","major":1,"minor":11,"access":"w"}]}`,
			`{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":11,"access":"w"}]}`},
		{"zero flags write nothing", `{"memory":{"limit":100}}`, `{"memory":{"limit":0},"cpu":{}}`, `{"memory":{},"cpu":{}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upd := res(t, tc.upd)
			merged := MergeResources(res(t, tc.old), upd)
			if got := jsonOf(t, changeSet(merged, upd)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
