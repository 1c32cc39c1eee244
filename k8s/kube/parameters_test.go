package kube

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// restResource encodes its options with metav1.ParameterCodec, which
// needs no scheme of the API groups: for every group of the clientset
// and every kind of options, it gives the query the scheme's codec (what
// client-go's typed clients use) gives.
func TestOptionsEncodeAsTheSchemeEncodes(t *testing.T) {
	limit, timeout, grace := int64(7), int64(300), int64(0)
	propagation := metav1.DeletePropagationForeground
	for _, opts := range []runtime.Object{
		&metav1.ListOptions{LabelSelector: "berth.dev/project=shop,a!=b", FieldSelector: "metadata.name=x",
			ResourceVersion: "42", ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
			AllowWatchBookmarks: true, TimeoutSeconds: &timeout, Limit: limit, Continue: "tok"},
		&metav1.ListOptions{Watch: true, ResourceVersion: "0"},
		&metav1.GetOptions{ResourceVersion: "9"},
		&metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: "berth", FieldValidation: "Strict"},
		&metav1.UpdateOptions{FieldManager: "berth"},
		&metav1.PatchOptions{FieldManager: "berth", Force: new(bool)},
		&metav1.DeleteOptions{GracePeriodSeconds: &grace, PropagationPolicy: &propagation},
	} {
		for _, g := range groups {
			want, err := Scheme().ParameterCodec.EncodeParameters(opts, g.gv)
			if err != nil {
				t.Fatalf("%T to %s with the scheme: %v", opts, g.gv, err)
			}
			got, err := metav1.ParameterCodec.EncodeParameters(opts, g.gv)
			if err != nil {
				t.Fatalf("%T to %s with metav1's codec: %v", opts, g.gv, err)
			}
			if len(want) == 0 || !reflect.DeepEqual(got, want) {
				t.Errorf("%T to %s: %v, the scheme gives %v", opts, g.gv, got, want)
			}
		}
	}
}

// The core clientset's scheme holds core/v1's kinds and no other group's.
func TestCoreCodecsHoldCoreAlone(t *testing.T) {
	s := coreCodecs().Scheme
	for _, g := range groups {
		if got := len(s.KnownTypes(g.gv)) > 0; got != (g.gv.Group == "") {
			t.Errorf("core scheme knows kinds of %s: %v", g.gv, got)
		}
	}
	if _, ok := s.KnownTypes(groups[0].gv)["NamespaceList"]; !ok {
		t.Error("core scheme lacks NamespaceList")
	}
}
