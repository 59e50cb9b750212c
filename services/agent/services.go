package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	logsapi "k8s.io/component-base/logs/api/v1"

	"github.com/outpost-os/outpost/services/containerd"
	"github.com/outpost-os/outpost/services/flannel"
	"github.com/outpost-os/outpost/services/kubeconfig"
	"github.com/outpost-os/outpost/services/kubelet"
	"github.com/outpost-os/outpost/services/kubeproxy"
	"github.com/outpost-os/outpost/services/nodewait"
	"github.com/outpost-os/outpost/services/supervisor"
)

// Service names of the node's parts; containerd's comes from its package.
const (
	joinService      = "join"
	renewService     = "cert-renewal"
	tunnelService    = "tunnel-client"
	imagesService    = "images"
	kubeletService   = "kubelet"
	labelsService    = "node-labels"
	healthService    = "node-health"
	kubeProxyService = "kube-proxy"
	flannelService   = "flannel"
)

// nodeStopTimeout bounds the stop of the kubelet, kube-proxy and flannel,
// so containerd (stopped after them) keeps its share of the role's grace.
const nodeStopTimeout = 5 * time.Second

// nodeRun is what the join service learns, for the services after it: they
// start only once it is ready, so they read it without a lock.
type nodeRun struct {
	o   *Options
	log *slog.Logger
	n   *node
	cd  containerd.Config
}

// Services are the node as a start graph: joining (after the services
// named in after: the server's join API for the embedded agent), then
// certificate renewal, the agent's tunnel (unless o.NoTunnel), and
// containerd; once containerd answers, the baked images are imported, and
// then the kubelet and flannel start; once the kubelet has registered the
// node with an address, kube-proxy starts, the node gets the labels the
// kubelet may not set itself, and node-health waits for it to be Ready
// (which marks a new slot good) and publishes the boot's slot status. The supervisor stops them in the
// reverse order: the kubelet, kube-proxy and flannel are waited for before
// containerd stops. o is completed when joining starts.
func Services(o *Options, log *slog.Logger, after ...string) []supervisor.Service {
	// The kubelet and kube-proxy each apply the (same) logging
	// configuration; upstream refuses a second apply unless told.
	logsapi.ReapplyHandling = logsapi.ReapplyHandlingIgnoreUnchanged
	r := &nodeRun{o: o, log: log}
	join := []string{joinService}
	images, kubelet := []string{imagesService}, []string{kubeletService}
	svcs := []supervisor.Service{
		{Name: joinService, DependsOn: after, Once: true, Fatal: true, NoLog: true, Run: r.join},
		{Name: renewService, DependsOn: join, NoLog: true, Run: r.renew},
	}
	if !o.NoTunnel {
		svcs = append(svcs, supervisor.Service{Name: tunnelService, DependsOn: join, NoLog: true, Run: r.tunnel})
	}
	return append(svcs,
		r.containerd(),
		supervisor.Service{Name: imagesService, DependsOn: []string{containerd.ServiceName}, Once: true, NoLog: true, Run: r.images},
		r.kubeletService(),
		supervisor.Service{Name: labelsService, DependsOn: kubelet, Once: true, NoLog: true, Run: r.labels},
		supervisor.Service{Name: healthService, DependsOn: kubelet, Once: true, NoLog: true, Run: r.health},
		r.component(kubeProxyService, kubelet, func(ctx context.Context) error { return kubeproxy.Run(ctx, o.proxyConfig(r.n)) }),
		r.component(flannelService, images, func(ctx context.Context) error { return flannel.Run(ctx, o.flannelConfig(r.n, r.cd), log) }),
	)
}

// join joins the cluster (retrying until it works) and keeps what the
// other services need.
func (r *nodeRun) join(ctx context.Context, env supervisor.Env) error {
	if err := r.o.Complete(); err != nil {
		return err
	}
	n, err := join(ctx, r.o, r.log)
	if err != nil {
		return err
	}
	r.n, r.cd = n, r.o.containerdConfig(n)
	env.Ready()
	return nil
}

// renew keeps the node's certificates fresh (a token read from a file too).
func (r *nodeRun) renew(ctx context.Context, env supervisor.Env) error {
	env.Ready()
	tok, err := r.o.token()
	if err != nil {
		return fmt.Errorf("certificate renewal: %w", err)
	}
	r.o.keepCertsFresh(ctx, r.n, tok, r.log)
	return nil
}

func (r *nodeRun) tunnel(ctx context.Context, env supervisor.Env) error {
	env.Ready()
	r.o.runTunnel(ctx, r.n, r.log)
	return nil
}

// containerd runs the containerd joining configured (cluster CIDRs,
// domain), restarted when it dies.
func (r *nodeRun) containerd() supervisor.Service {
	svc := containerd.Config{}.Service(nil) // its name and stop timeout
	svc.DependsOn = []string{joinService}
	svc.Run = func(ctx context.Context, env supervisor.Env) error { return r.cd.Service(nil).Run(ctx, env) }
	return svc
}

// images imports the image archives once; pods that need a missing one
// do not start, the node still does.
func (r *nodeRun) images(ctx context.Context, env supervisor.Env) error {
	if err := containerd.Import(ctx, r.o.RuntimeBinary, r.cd.Socket, r.o.ImageDirs...); err != nil {
		r.log.Error("some images were not imported; pods that need them will not start", "err", err)
	}
	env.Ready()
	return nil
}

// kubeletService runs the kubelet, ready once it has registered the node
// with an address. kube-proxy waits for that: it reads the node's
// addresses once, about 30 s after its start at the latest, and exits the
// whole process when they change later, which under emulation they do.
func (r *nodeRun) kubeletService() supervisor.Service {
	return inProcess(kubeletService, []string{imagesService}, func(ctx context.Context, env supervisor.Env) error {
		wctx, stop := context.WithCancel(ctx)
		waited := make(chan struct{})
		go func() {
			defer close(waited)
			r.readyWhenRegistered(wctx, env)
		}()
		err := r.kubelet(ctx)
		stop()
		<-waited
		return err
	})
}

// readyWhenRegistered marks the kubelet ready once its node has an address.
func (r *nodeRun) readyWhenRegistered(ctx context.Context, env supervisor.Env) {
	cs, err := kubeconfig.Client(r.n.Files.KubeletKubeconfig)
	if err != nil {
		r.log.Error("cannot watch the node's registration; kube-proxy will not start", "err", err)
		return
	}
	w := nodewait.Waiter{Client: cs, Node: r.n.Name, Log: r.log}
	if w.Until(ctx, "an address", nodewait.HasAddress) == nil {
		env.Ready()
	}
}

func (r *nodeRun) kubelet(ctx context.Context) error {
	resolv, err := r.o.resolvConf()
	if err != nil {
		return err
	}
	kc := r.o.kubeletConfig(r.n, r.cd)
	kc.ResolvConf = resolv
	kc.Labels, _ = splitLabels(r.o.Labels)
	return kubelet.Run(ctx, kc)
}

// labels sets, through the API, the labels the kubelet may not set itself.
func (r *nodeRun) labels(ctx context.Context, env supervisor.Env) error {
	env.Ready()
	_, apiLabels := splitLabels(r.o.Labels)
	applyLabels(ctx, r.n.Files.ControllerKubeconfig, r.n.Name, apiLabels, r.log)
	return nil
}

// component is an in-process node component: ready as it starts, Fatal
// since it cannot be restarted in the process.
func (r *nodeRun) component(name string, deps []string, run func(context.Context) error) supervisor.Service {
	return inProcess(name, deps, func(ctx context.Context, env supervisor.Env) error {
		env.Ready()
		return run(ctx)
	})
}

// inProcess is an in-process node component that says itself when it is
// ready.
func inProcess(name string, deps []string, run func(context.Context, supervisor.Env) error) supervisor.Service {
	return supervisor.Service{Name: name, DependsOn: deps, Fatal: true, NoLog: true, StopTimeout: nodeStopTimeout, Run: run}
}

// PrintServices writes the agent's start graph (supervisor.Describe) for
// o without running anything.
func PrintServices(w io.Writer, o *Options) error {
	return supervisor.Describe(w, Services(o, slog.New(slog.DiscardHandler)))
}
