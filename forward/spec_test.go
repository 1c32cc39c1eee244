package forward

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/berth-dev/berth/meta"
)

func TestParseSpec(t *testing.T) {
	for arg, want := range map[string]Spec{
		"web":         {Service: "web"},
		"web:8080:80": {Service: "web", Local: 8080, Remote: 80},
		"db:0:5432":   {Service: "db", Local: 0, Remote: 5432},
		"a-b:65535:1": {Service: "a-b", Local: 65535, Remote: 1},
	} {
		got, err := ParseSpec(arg)
		if err != nil || got != want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", arg, got, err, want)
		}
		if got.String() != arg && arg != "db:0:5432" {
			t.Errorf("%+v.String() = %q, want %q", got, got.String(), arg)
		}
	}
	for _, arg := range []string{"", ":8080:80", "web:8080", "web:x:80", "web:8080:0", "web:70000:80", "web:-1:80", "web:1:2:3"} {
		_, err := ParseSpec(arg)
		if err == nil || !strings.Contains(err.Error(), `"`+arg+`"`) {
			t.Errorf("ParseSpec(%q) error %v, want one naming the argument", arg, err)
		}
	}
	if _, err := ParseSpecs([]string{"web", "api:80"}); err == nil || !strings.Contains(err.Error(), `"api:80"`) {
		t.Errorf("ParseSpecs error %v, want one naming api:80", err)
	}
}

func TestDefaults(t *testing.T) {
	svc := func(name, label string, ports ...corev1.ServicePort) corev1.Service {
		s := corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{Ports: ports, Selector: map[string]string{"app": name}}}
		if label != "" {
			s.Labels = map[string]string{meta.LabelService: label}
		}
		return s
	}
	tcp := func(port int32) corev1.ServicePort {
		return corev1.ServicePort{Port: port, TargetPort: intstr.FromString(fmt.Sprintf("tcp-%d", port))}
	}
	svcs := []corev1.Service{
		svc("web", "web", tcp(80), tcp(9090)),
		svc("db", "", tcp(5432)),
		svc("dns", "dns", corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP}),
		svc("headless", "headless"),
		svc("long-hashed-name", "api", corev1.ServicePort{Port: 8000, TargetPort: intstr.FromInt32(8001)}),
		{ObjectMeta: metav1.ObjectMeta{Name: "external"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{tcp(443)}}},
	}
	published := []Spec{{Service: "web", Local: 8080, Remote: 80}}
	got, err := defaultsOf(svcs, published, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Spec{{"api", 8001, 8001}, {"db", 5432, 5432}, {"web", 8080, 80}, {"web", 9090, 9090}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults = %v, want %v", got, want)
	}
	got, err = defaultsOf(svcs, published, []string{"web"})
	if err != nil || !reflect.DeepEqual(got, want[2:]) {
		t.Errorf("defaults of web = %v, %v; want %v", got, err, want[2:])
	}
	if _, err := defaultsOf(svcs, nil, []string{"dns"}); err == nil || !strings.Contains(err.Error(), `"dns"`) {
		t.Errorf("defaults of dns: error %v, want one naming dns", err)
	}
}

func TestEventString(t *testing.T) {
	for e, want := range map[Event]string{
		{Kind: Connected, Service: "web", Pod: "web-1", Protocol: WebSocket}: "web: forwarding to pod web-1 (websocket)",
		{Kind: Moved, Service: "web", Pod: "web-2", Previous: "web-1"}:       "web: pod web-1 gone, now forwarding to web-2",
		{Kind: Moved, Service: "web", Pod: "web-1", Previous: "web-1"}:       "web: tunnel to pod web-1 lost, reconnected",
		{Kind: Waiting, Service: "web", Previous: "web-1"}:                   "web: pod web-1 gone, waiting for a Ready pod",
		{Kind: Waiting, Service: "web"}:                                      "web: waiting for a Ready pod",
	} {
		if got := e.String(); got != want {
			t.Errorf("%+v: %q, want %q", e, got, want)
		}
	}
	if got := (Event{Kind: Failed, Service: "web", Err: errors.New("boom")}).String(); got != "web: boom" {
		t.Errorf("failed event: %q", got)
	}
}
