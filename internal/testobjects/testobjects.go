// Package testobjects decodes Kubernetes objects written one per line, the
// format of berth's fuzz seeds and corpora.
package testobjects

import (
	"bufio"
	"bytes"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

// DecodeLines reads one JSON object per line (lines starting with # are
// comments), skipping what does not decode as a Kubernetes object.
func DecodeLines(data []byte) []runtime.Object {
	var objs []runtime.Object
	dec := scheme.Codecs.UniversalDeserializer()
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if obj, _, err := dec.Decode(line, nil, nil); err == nil {
			objs = append(objs, obj)
		}
	}
	return objs
}
