package cluster

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

//go:embed kwok.yaml
var kwokConfig string

//go:embed logs.txt
var podLogs string

// DeveloperGroup is the group of the static token user written to
// tokens.csv, for RBAC tests (berth's developer ClusterRole binds it).
const DeveloperGroup = "berth:developers"

// DeveloperUser is the static token user's name.
const DeveloperUser = "dev@example.com"

// writeSupportFiles writes the kubeconfig, token file and kwok config.
func (c *Cluster) writeSupportFiles(p pki) error {
	if err := c.writeKubeconfig(p); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	tokens := fmt.Sprintf("%s,%s,%s,\"%s\"\n", c.st.Token, DeveloperUser, "berth-dev-1", DeveloperGroup)
	if err := os.WriteFile(filepath.Join(c.dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		return err
	}
	logsFile := filepath.Join(c.dir, "pod-logs.txt")
	if err := os.WriteFile(logsFile, []byte(podLogs), 0o644); err != nil {
		return err
	}
	execDir := filepath.Join(c.dir, "exec")
	if err := os.MkdirAll(execDir, 0o755); err != nil {
		return err
	}
	cfg := strings.NewReplacer("LOGS_FILE", logsFile, "EXEC_DIR", execDir).Replace(kwokConfig)
	return os.WriteFile(filepath.Join(c.dir, "kwok.yaml"), []byte(cfg), 0o644)
}

func (c *Cluster) writeKubeconfig(p pki) error {
	read := func(name string) ([]byte, error) { return os.ReadFile(p.path(name)) }
	ca, err := read("ca.crt")
	if err != nil {
		return err
	}
	crt, err := read("admin.crt")
	if err != nil {
		return err
	}
	key, err := read("admin.key")
	if err != nil {
		return err
	}
	const name = "berth-local"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: c.apiURL(), CertificateAuthorityData: ca}
	cfg.AuthInfos[name+"-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: crt, ClientKeyData: key}
	cfg.AuthInfos[name+"-developer"] = &clientcmdapi.AuthInfo{Token: c.st.Token}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name + "-admin", Namespace: "default"}
	cfg.Contexts[name+"-developer"] = &clientcmdapi.Context{Cluster: name, AuthInfo: name + "-developer", Namespace: "default"}
	cfg.CurrentContext = name
	return clientcmd.WriteToFile(*cfg, c.Kubeconfig())
}

func (c *Cluster) apiURL() string { return fmt.Sprintf("https://127.0.0.1:%d", c.st.Ports.APIServer) }

func (c *Cluster) startEtcd(ctx context.Context, _ pki) error {
	p := c.st.Ports
	client := fmt.Sprintf("http://127.0.0.1:%d", p.EtcdClient)
	peer := fmt.Sprintf("http://127.0.0.1:%d", p.EtcdPeer)
	err := c.start(process{name: "etcd", path: c.opts.KCP, args: []string{"etcd",
		"--name=berth",
		"--data-dir=" + filepath.Join(c.dir, "etcd"),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=berth=" + peer,
		"--unsafe-no-fsync=true",
		"--quota-backend-bytes=8589934592",
		"--log-level=warn",
	}})
	if err != nil {
		return err
	}
	return poll(ctx, 30*time.Second, func() error { return httpOK(ctx, http.DefaultClient, client+"/health") })
}

func (c *Cluster) startAPIServer(ctx context.Context, p pki) error {
	err := c.start(process{name: "kube-apiserver", path: c.opts.KCP, args: []string{"kube-apiserver",
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", c.st.Ports.EtcdClient),
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.st.Ports.APIServer),
		// A non-loopback literal, or the kubernetes Endpoints are rejected.
		"--advertise-address=192.0.2.10",
		"--tls-cert-file=" + p.path("apiserver.crt"),
		"--tls-private-key-file=" + p.path("apiserver.key"),
		"--client-ca-file=" + p.path("ca.crt"),
		"--token-auth-file=" + filepath.Join(c.dir, "tokens.csv"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.path("sa.pub"),
		"--service-account-signing-key-file=" + p.path("sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,DefaultStorageClass,ResourceQuota,LimitRanger",
		"--allow-privileged=true",
		"--requestheader-client-ca-file=" + p.path("front-proxy-ca.crt"),
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + p.path("front-proxy-client.crt"),
		"--proxy-client-key-file=" + p.path("front-proxy-client.key"),
		// kwok serves the kubelet API (logs) on 127.0.0.1; nodes carry that as their Hostname address.
		"--kubelet-preferred-address-types=Hostname",
		"--kubelet-certificate-authority=" + p.path("ca.crt"),
		"--kubelet-client-certificate=" + p.path("apiserver-kubelet-client.crt"),
		"--kubelet-client-key=" + p.path("apiserver-kubelet-client.key"),
		// /debug/pprof for cluster-admin only (RBAC): make bench profiles the apiserver.
		"--profiling=true",
	}})
	if err != nil {
		return err
	}
	return poll(ctx, 90*time.Second, func() error { return c.apiReady(ctx) })
}

func (c *Cluster) startControllerManager(ctx context.Context, p pki) error {
	kc := c.Kubeconfig()
	err := c.start(process{name: "kube-controller-manager", path: c.opts.KCP, args: []string{"kube-controller-manager",
		"--kubeconfig=" + kc,
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.st.Ports.Controller),
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + p.path("sa.key"),
		"--root-ca-file=" + p.path("ca.crt"),
		"--cluster-signing-cert-file=" + p.path("ca.crt"),
		"--cluster-signing-key-file=" + p.path("ca.key"),
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
		"--concurrent-job-syncs=10",
		"--concurrent-namespace-syncs=10",
	}})
	if err != nil {
		return err
	}
	return waitHealthz(ctx, c.st.Ports.Controller)
}

// schedulerConfig raises the scheduler's client rate (default 50 qps) so
// scale tests with thousands of pods are not throttled, and shortens backoff.
const schedulerConfig = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %q
  qps: 500
  burst: 1000
leaderElection:
  leaderElect: false
podInitialBackoffSeconds: 1
podMaxBackoffSeconds: 5
`

func (c *Cluster) startScheduler(ctx context.Context, _ pki) error {
	kc := c.Kubeconfig()
	cfgPath := filepath.Join(c.dir, "kube-scheduler.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(schedulerConfig, kc)), 0o644); err != nil {
		return err
	}
	err := c.start(process{name: "kube-scheduler", path: c.opts.KCP, args: []string{"kube-scheduler",
		"--config=" + cfgPath,
		"--authentication-kubeconfig=" + kc,
		"--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.st.Ports.Scheduler),
	}})
	if err != nil {
		return err
	}
	return waitHealthz(ctx, c.st.Ports.Scheduler)
}

func (c *Cluster) startKwok(ctx context.Context, p pki) error {
	port := c.st.Ports.Kwok
	err := c.start(process{name: "kwok", path: c.opts.Kwok, args: []string{
		"--kubeconfig=" + c.Kubeconfig(),
		"--config=" + filepath.Join(c.dir, "kwok.yaml"),
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		fmt.Sprintf("--server-address=127.0.0.1:%d", port),
		fmt.Sprintf("--node-port=%d", port),
		"--tls-cert-file=" + p.path("kubelet.crt"),
		"--tls-private-key-file=" + p.path("kubelet.key"),
		"--cidr=10.244.0.0/16",
		"--node-lease-duration-seconds=40",
		// ClusterPortForward objects come from the API (tests create them
		// for the servers they start); everything else from kwok.yaml.
		"--enable-crds=ClusterPortForward",
	}})
	if err != nil {
		return err
	}
	return waitHealthz(ctx, port)
}

// apiReady checks the API server's /readyz with the admin credentials.
func (c *Cluster) apiReady(ctx context.Context) error {
	p := pki{dir: filepath.Join(c.dir, "pki")}
	cert, err := tls.LoadX509KeyPair(p.path("admin.crt"), p.path("admin.key"))
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(p.path("ca.crt"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}},
	}}
	return httpOK(ctx, client, c.apiURL()+"/readyz")
}

// waitHealthz waits up to a minute for a component's /healthz on port.
func waitHealthz(ctx context.Context, port int) error {
	return poll(ctx, 60*time.Second, func() error {
		return httpOK(ctx, insecureClient(), fmt.Sprintf("https://127.0.0.1:%d/healthz", port))
	})
}

// insecureClient probes component health endpoints served with self-signed certs.
func insecureClient() *http.Client {
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health probe
	}}
}

func httpOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// poll calls f until it succeeds, the timeout passes or ctx ends.
func poll(ctx context.Context, timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = f(); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
