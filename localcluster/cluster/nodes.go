package cluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"time"
)

// Capacity-type labels as EKS managed node groups and Karpenter set them, and
// the taint every spot node carries: dev workloads must tolerate it.
const (
	LabelKarpenterCapacity = "karpenter.sh/capacity-type"
	LabelEKSCapacity       = "eks.amazonaws.com/capacityType"
	SpotTaintKey           = "karpenter.sh/capacity-type"
	SpotTaintValue         = "spot"
)

// NodeSpec describes one fake node.
type NodeSpec struct {
	Name         string
	Spot         bool
	Zone         string
	InstanceType string
	CPU, Memory  string
	Pods         int
}

// DefaultNodes are 2 on-demand and 3 spot nodes across three zones.
func DefaultNodes() []NodeSpec {
	return []NodeSpec{
		{Name: "kwok-ondemand-1", Zone: "us-east-1a", InstanceType: "m6i.xlarge", CPU: "4", Memory: "16Gi", Pods: 110},
		{Name: "kwok-ondemand-2", Zone: "us-east-1b", InstanceType: "m6i.xlarge", CPU: "4", Memory: "16Gi", Pods: 110},
		{Name: "kwok-spot-1", Spot: true, Zone: "us-east-1a", InstanceType: "m6i.2xlarge", CPU: "8", Memory: "32Gi", Pods: 110},
		{Name: "kwok-spot-2", Spot: true, Zone: "us-east-1b", InstanceType: "m5.2xlarge", CPU: "8", Memory: "32Gi", Pods: 110},
		{Name: "kwok-spot-3", Spot: true, Zone: "us-east-1c", InstanceType: "c6i.2xlarge", CPU: "8", Memory: "16Gi", Pods: 110},
	}
}

// Node builds the Node object for a spec; index gives it a distinct InternalIP.
func (s NodeSpec) Node(index int) *corev1.Node {
	capacity, eks := "on-demand", "ON_DEMAND"
	var taints []corev1.Taint
	if s.Spot {
		capacity, eks = "spot", "SPOT"
		taints = []corev1.Taint{{Key: SpotTaintKey, Value: SpotTaintValue, Effect: corev1.TaintEffectNoSchedule}}
	}
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(s.CPU),
		corev1.ResourceMemory: resource.MustParse(s.Memory),
		corev1.ResourcePods:   *resource.NewQuantity(int64(s.Pods), resource.DecimalSI),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        s.Name,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{
				"kubernetes.io/hostname":           s.Name,
				"kubernetes.io/os":                 "linux",
				"kubernetes.io/arch":               "amd64",
				"kubernetes.io/role":               "agent",
				"type":                             "kwok",
				LabelKarpenterCapacity:             capacity,
				LabelEKSCapacity:                   eks,
				"topology.kubernetes.io/zone":      s.Zone,
				"topology.kubernetes.io/region":    "us-east-1",
				"node.kubernetes.io/instance-type": s.InstanceType,
			},
		},
		Spec: corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{
			Allocatable: res,
			Capacity:    res,
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.0.1.%d", 10+index)},
				// The API server reaches kwok's kubelet endpoint through this.
				{Type: corev1.NodeHostName, Address: "127.0.0.1"},
			},
		},
	}
}

func (c *Cluster) clientset() (kubernetes.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig())
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// registerNodes creates the fake nodes and the default StorageClass (served
// by kwok's volume stages), then waits for every node to be Ready.
func (c *Cluster) registerNodes(ctx context.Context, _ pki) error {
	cs, err := c.clientset()
	if err != nil {
		return err
	}
	// WaitForFirstConsumer, as EKS's gp2/gp3 classes: the scheduler picks the
	// node first and waits in PreBind for kwok to provision, so a pod never
	// parks in the unschedulable queue behind a PVC that binds a moment later.
	bind := storagev1.VolumeBindingWaitForFirstConsumer
	reclaim := corev1.PersistentVolumeReclaimDelete
	sc := &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: "kwok-volume", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner:       "kwok.x-k8s.io/volume",
		ReclaimPolicy:     &reclaim,
		VolumeBindingMode: &bind,
	}
	if _, err := cs.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create storage class: %w", err)
	}
	specs := DefaultNodes()
	for i, s := range specs {
		if _, err := cs.CoreV1().Nodes().Create(ctx, s.Node(i), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", s.Name, err)
		}
	}
	return poll(ctx, 60*time.Second, func() error {
		for _, s := range specs {
			n, err := cs.CoreV1().Nodes().Get(ctx, s.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !nodeReady(n) {
				return fmt.Errorf("node %s not Ready", s.Name)
			}
		}
		return nil
	})
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitDefaultServiceAccount waits until the default namespace's ServiceAccount
// exists: before that, pods cannot be created.
func (c *Cluster) waitDefaultServiceAccount(ctx context.Context, _ pki) error {
	cs, err := c.clientset()
	if err != nil {
		return err
	}
	return poll(ctx, 60*time.Second, func() error {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}
