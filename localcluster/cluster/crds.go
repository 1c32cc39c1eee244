package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// installCRDs creates (or updates) every CustomResourceDefinition in the
// *.yaml files of opts.CRDs and waits until each is Established: kwok, started
// next, watches ClusterPortForward objects, and tests create Gateway API
// routes. No directory, no CRDs.
func (c *Cluster) installCRDs(ctx context.Context, _ pki) error {
	if c.opts.CRDs == "" {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(c.opts.CRDs, "*.yaml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig())
	if err != nil {
		return err
	}
	cs, err := apiextensions.NewForConfig(cfg)
	if err != nil {
		return err
	}
	crds := cs.ApiextensionsV1().CustomResourceDefinitions()
	var names []string
	for _, f := range files {
		docs, err := readCRDs(f)
		if err != nil {
			return err
		}
		for _, crd := range docs {
			old, err := crds.Get(ctx, crd.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				_, err = crds.Create(ctx, crd, metav1.CreateOptions{})
			case err == nil:
				crd.ResourceVersion = old.ResourceVersion
				_, err = crds.Update(ctx, crd, metav1.UpdateOptions{})
			}
			if err != nil {
				return fmt.Errorf("install CRD %s from %s: %w", crd.Name, f, err)
			}
			names = append(names, crd.Name)
		}
	}
	return poll(ctx, 60*time.Second, func() error {
		for _, n := range names {
			crd, err := crds.Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !established(crd) {
				return fmt.Errorf("CRD %s not established yet", n)
			}
		}
		return nil
	})
}

// readCRDs decodes the CustomResourceDefinitions of a multi-document YAML
// file; other kinds are skipped.
func readCRDs(path string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for i, doc := range strings.Split(string(data), "\n---") {
		var head metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i+1, err)
		}
		if head.Kind != "CustomResourceDefinition" {
			continue
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal([]byte(doc), crd); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i+1, err)
		}
		out = append(out, crd)
	}
	return out, nil
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, cond := range crd.Status.Conditions {
		if cond.Type == apiextensionsv1.Established {
			return cond.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}
