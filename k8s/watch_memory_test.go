package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	k8stesting "k8s.io/client-go/testing"

	"github.com/berth-dev/berth/internal/kubefake"
	"github.com/berth-dev/berth/k8s/kube"
)

// BenchmarkWatcherMemory reports the heap a synced Watcher keeps for 500
// namespaces × 20 pods (the live-view scale target): informer caches,
// tables and the current snapshot. Every LIST decodes its JSON afresh, as
// a real client does, so no object shares memory with the fake server.
// Pods are kwok's pods of the scale load as the apiserver returns them
// (kwokPodJSON), or a typical application pod (appPod). It runs once
// whatever b.N is.
func BenchmarkWatcherMemory(b *testing.B) {
	for _, tc := range []struct {
		name string
		pod  func(testing.TB) *corev1.Pod
	}{
		{"kwok", kwokPod},
		{"app", func(testing.TB) *corev1.Pod { return appPod() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const nsCount, podsPer = 500, 20
			nsList, podList := memoryLoad(tc.pod(b), nsCount, podsPer)
			cs := kubefake.NewClientset()
			cs.PrependReactor("list", "namespaces", decodeList(b, nsList, &corev1.NamespaceList{}))
			cs.PrependReactor("list", "pods", decodeList(b, podList, &corev1.PodList{}))

			heap0 := liveHeap()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w := NewWatcher(cs, WatchOptions{NamespaceSelector: "owner=me", ObjectSelector: "owner=me"})
			w.Start(ctx)
			wctx, wcancel := context.WithTimeout(ctx, 2*time.Minute)
			defer wcancel()
			_, err := w.WaitFor(wctx, func(s *Snapshot) bool {
				n := 0
				for _, ps := range s.Pods {
					n += len(ps)
				}
				return len(s.Namespaces) == nsCount && n == nsCount*podsPer
			})
			if err != nil {
				b.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // the last snapshot's garbage
			heap := liveHeap() - heap0
			runtime.KeepAlive(w)
			runtime.KeepAlive(nsList)
			runtime.KeepAlive(podList)

			pods := nsCount * podsPer
			b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(heap)/float64(pods), "B/pod")
			b.Logf("%s: %d namespaces × %d pods (%d bytes of JSON per pod): watcher heap %.1f MiB, %d B per pod",
				tc.name, nsCount, podsPer, len(podList)/pods, float64(heap)/(1<<20), heap/int64(pods))
		})
	}
}

// liveHeap is the heap in use after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// decodeList answers a LIST by decoding data, like a client does.
func decodeList(b *testing.B, data []byte, into kruntime.Object) k8stesting.ReactionFunc {
	return func(k8stesting.Action) (bool, kruntime.Object, error) {
		obj := into.DeepCopyObject()
		if _, _, err := kube.Scheme().Factory.UniversalDeserializer().Decode(data, nil, obj); err != nil {
			b.Error(err)
			return true, nil, err
		}
		return true, obj, nil
	}
}

// memoryLoad encodes the namespaces and pods of the load as LIST answers.
func memoryLoad(tmpl *corev1.Pod, nsCount, podsPer int) (nsList, podList []byte) {
	labels := map[string]string{"owner": "me", "app.kubernetes.io/managed-by": "berth", "berth.dev/project": "bench"}
	nss := corev1.NamespaceList{TypeMeta: metav1.TypeMeta{Kind: "NamespaceList", APIVersion: "v1"}, ListMeta: metav1.ListMeta{ResourceVersion: "100000"}}
	pods := corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, ListMeta: metav1.ListMeta{ResourceVersion: "100000"}}
	rv := 1000
	for i := range nsCount {
		ns := fmt.Sprintf("bench-0000-%04d", i)
		rv++
		nss.Items = append(nss.Items, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels,
			Annotations:     map[string]string{"berth.dev/branch": fmt.Sprintf("feature/%d", i), "berth.dev/owner": "bench@example.com"},
			UID:             types.UID(fmt.Sprintf("fbf164e1-d92b-4c5a-abaa-%012d", i)),
			ResourceVersion: fmt.Sprint(rv), CreationTimestamp: tmpl.CreationTimestamp},
			Spec:   corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}},
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}})
		for j := range podsPer {
			p := tmpl.DeepCopy()
			rv++
			p.Namespace, p.Name = ns, fmt.Sprintf("%s-%d", tmpl.Name, j)
			p.UID = types.UID(fmt.Sprintf("58b4934d-d828-4b33-8ec0-%012d", rv))
			p.ResourceVersion = fmt.Sprint(rv)
			p.Labels["owner"] = "me"
			pods.Items = append(pods.Items, *p)
		}
	}
	var err error
	if nsList, err = json.Marshal(nss); err != nil {
		panic(err)
	}
	if podList, err = json.Marshal(pods); err != nil {
		panic(err)
	}
	return nsList, podList
}

// kwokPod is a pod of the scale load (bench/scaleload) as kwok runs it.
func kwokPod(tb testing.TB) *corev1.Pod {
	var p corev1.Pod
	if err := json.Unmarshal([]byte(kwokPodJSON), &p); err != nil {
		tb.Fatal(err)
	}
	return &p
}

// appPod is a typical application pod: a Deployment's, with an app and a
// sidecar container, env, probes, resources, volumes, and kubelet status.
func appPod() *corev1.Pod {
	ctrl := true
	t := metav1.NewTime(time.Date(2026, 11, 25, 22, 58, 26, 0, time.UTC))
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080), Scheme: "HTTP"}},
		PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}
	var env []corev1.EnvVar
	for _, k := range []string{"DATABASE_URL", "REDIS_URL", "LOG_LEVEL", "PORT", "SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "FEATURE_FLAGS", "REGION"} {
		env = append(env, corev1.EnvVar{Name: k, Value: "value-of-" + k})
	}
	container := func(name, image string) corev1.Container {
		return corev1.Container{Name: name, Image: image, Env: env, Resources: res, LivenessProbe: probe, ReadinessProbe: probe,
			Ports:                  []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: "TCP"}},
			VolumeMounts:           []corev1.VolumeMount{{Name: "config", MountPath: "/etc/app"}, {Name: "kube-api-access-x2v9q", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
			TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: "File", ImagePullPolicy: "IfNotPresent"}
	}
	cond := func(typ corev1.PodConditionType) corev1.PodCondition {
		return corev1.PodCondition{Type: typ, Status: corev1.ConditionTrue, LastTransitionTime: t}
	}
	status := func(name, image string) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, Image: image, ImageID: image + "@sha256:4bcd5d9c2e1f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b",
			ContainerID: "containerd://8f14e45fceea167a5a36dedd4bea2543d3b1e2c7f0a9b8c7d6e5f4a3b2c1d0e9", Ready: true, Started: &ctrl,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: t}}}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-5d9c8b7f6d-abcde", GenerateName: "web-5d9c8b7f6d-", CreationTimestamp: t,
			Labels:          map[string]string{"app.kubernetes.io/name": "web", "app.kubernetes.io/managed-by": "berth", "berth.dev/project": "bench", "pod-template-hash": "5d9c8b7f6d"},
			Annotations:     map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-11-25T22:58:00Z"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d9c8b7f6d", UID: "0b8e3c1a-8d1f-4c2e-9a6b-3f2d1e0c9b8a", Controller: &ctrl, BlockOwnerDeletion: &ctrl}}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{container("web", "registry.example.com/shop/web:1.42.0"), container("proxy", "registry.example.com/infra/envoy:1.30")},
			Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}},
				{Name: "kube-api-access-x2v9q", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: new(int64(3607))}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}}}}}}},
			NodeName: "ip-10-0-12-34.eu-west-1.compute.internal", ServiceAccountName: "default", RestartPolicy: "Always", DNSPolicy: "ClusterFirst", SchedulerName: "default-scheduler",
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: new(int64(300))},
				{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: new(int64(300))}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, HostIP: "10.0.12.34", PodIP: "10.0.45.67", StartTime: &t, QOSClass: "Burstable",
			Conditions:        []corev1.PodCondition{cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"), cond("ContainersReady"), cond("PodScheduled")},
			ContainerStatuses: []corev1.ContainerStatus{status("web", "registry.example.com/shop/web:1.42.0"), status("proxy", "registry.example.com/infra/envoy:1.30")}},
	}
}

// kwokPodJSON is pod app-0 of a `berthbench load` run, as the apiserver
// returns it (kubectl get -o json --show-managed-fields), the run id
// replaced by RUN.
const kwokPodJSON = `
{
 "apiVersion": "v1",
 "kind": "Pod",
 "metadata": {
  "creationTimestamp": "2026-11-25T22:58:26Z",
  "generation": 1,
  "labels": {
   "app.kubernetes.io/managed-by": "berth",
   "berth.dev/bench": "RUN",
   "berth.dev/project": "bench"
  },
  "managedFields": [
   {
    "apiVersion": "v1",
    "fieldsType": "FieldsV1",
    "fieldsV1": {
     "f:metadata": {
      "f:labels": {
       ".": {},
       "f:app.kubernetes.io/managed-by": {},
       "f:berth.dev/bench": {},
       "f:berth.dev/project": {}
      }
     },
     "f:spec": {
      "f:automountServiceAccountToken": {},
      "f:containers": {
       "k:{\"name\":\"main\"}": {
        ".": {},
        "f:image": {},
        "f:imagePullPolicy": {},
        "f:name": {},
        "f:resources": {},
        "f:terminationMessagePath": {},
        "f:terminationMessagePolicy": {}
       }
      },
      "f:dnsPolicy": {},
      "f:enableServiceLinks": {},
      "f:nodeName": {},
      "f:restartPolicy": {},
      "f:schedulerName": {},
      "f:securityContext": {},
      "f:terminationGracePeriodSeconds": {},
      "f:tolerations": {}
     }
    },
    "manager": "berthbench",
    "operation": "Update",
    "time": "2026-11-25T22:58:26Z"
   },
   {
    "apiVersion": "v1",
    "fieldsType": "FieldsV1",
    "fieldsV1": {
     "f:status": {
      "f:conditions": {
       ".": {},
       "k:{\"type\":\"ContainersReady\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:status": {},
        "f:type": {}
       },
       "k:{\"type\":\"Initialized\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:status": {},
        "f:type": {}
       },
       "k:{\"type\":\"Ready\"}": {
        ".": {},
        "f:lastProbeTime": {},
        "f:lastTransitionTime": {},
        "f:status": {},
        "f:type": {}
       }
      },
      "f:containerStatuses": {},
      "f:phase": {},
      "f:podIP": {},
      "f:podIPs": {
       ".": {},
       "k:{\"ip\":\"10.244.0.2\"}": {
        ".": {},
        "f:ip": {}
       }
      },
      "f:startTime": {}
     }
    },
    "manager": "kwok",
    "operation": "Update",
    "subresource": "status",
    "time": "2026-11-25T22:58:26Z"
   }
  ],
  "name": "app-0",
  "namespace": "RUN-0000",
  "resourceVersion": "1134",
  "uid": "58b4934d-d828-4b33-8ec0-0589a64db5bd"
 },
 "spec": {
  "automountServiceAccountToken": false,
  "containers": [
   {
    "image": "example/app:1",
    "imagePullPolicy": "IfNotPresent",
    "name": "main",
    "resources": {},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File"
   }
  ],
  "dnsPolicy": "ClusterFirst",
  "enableServiceLinks": true,
  "nodeName": "RUN-spot",
  "preemptionPolicy": "PreemptLowerPriority",
  "priority": 0,
  "restartPolicy": "Always",
  "schedulerName": "default-scheduler",
  "securityContext": {},
  "serviceAccount": "default",
  "serviceAccountName": "default",
  "terminationGracePeriodSeconds": 30,
  "tolerations": [
   {
    "key": "berth.dev/bench",
    "operator": "Exists"
   },
   {
    "effect": "NoExecute",
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "tolerationSeconds": 300
   },
   {
    "effect": "NoExecute",
    "key": "node.kubernetes.io/unreachable",
    "operator": "Exists",
    "tolerationSeconds": 300
   }
  ]
 },
 "status": {
  "conditions": [
   {
    "lastProbeTime": null,
    "lastTransitionTime": "2026-11-25T22:58:26Z",
    "status": "True",
    "type": "Initialized"
   },
   {
    "lastProbeTime": null,
    "lastTransitionTime": "2026-11-25T22:58:26Z",
    "status": "True",
    "type": "Ready"
   },
   {
    "lastProbeTime": null,
    "lastTransitionTime": "2026-11-25T22:58:26Z",
    "status": "True",
    "type": "ContainersReady"
   }
  ],
  "containerStatuses": [
   {
    "image": "example/app:1",
    "imageID": "",
    "lastState": {},
    "name": "main",
    "ready": true,
    "restartCount": 0,
    "state": {
     "running": {
      "startedAt": "2026-11-25T22:58:26Z"
     }
    }
   }
  ],
  "phase": "Running",
  "podIP": "10.244.0.2",
  "podIPs": [
   {
    "ip": "10.244.0.2"
   }
  ],
  "qosClass": "BestEffort",
  "startTime": "2026-11-25T22:58:26Z"
 }
}`
