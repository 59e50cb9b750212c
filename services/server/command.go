package server

import (
	"context"
	"io"
	"os"

	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/roleflags"
	"github.com/outpost-os/outpost/services/rolelog"
)

// Command runs `outpost server`. argv is the whole command line of the
// process (os.Args) and args the arguments after the command name. A token
// given on the command line first makes the process re-execute itself
// without it (see hideSecrets), so it never stays in /proc/<pid>/cmdline.
func Command(ctx context.Context, argv, args []string) error {
	if err := roleflags.HideSecrets(argv, []string{flagToken, flagAgent}, []string{envToken, envAgentToken}); err != nil {
		return err
	}
	inherited, err := roleflags.Inherited()
	if err != nil {
		return err
	}
	o, err := parseOptions(args, inherited, os.Stderr)
	if err != nil {
		return err
	}
	if o.PrintServices {
		return PrintServices(os.Stdout, o)
	}
	console := rolelog.Console()
	return Run(ctx, o, rolelog.New("server", console), rolelog.Output(console))
}

// parseOptions reads flags, then secrets handed over by a re-exec and the
// environment, then the config file for whatever is still unset.
func parseOptions(args []string, inherited roleflags.Secrets, stderr io.Writer) (*Options, error) {
	o := &Options{}
	secrets := []roleflags.Secret{
		{Dst: &o.Token, Name: flagToken, Env: envToken},
		{Dst: &o.AgentToken, Name: flagAgent, Env: envAgentToken},
	}
	if err := roleflags.Parse(o.flagSet(stderr), args, inherited, secrets, &o.ConfigFile, o.fromConfig); err != nil {
		return nil, err
	}
	if o.PrintServices {
		return o, nil
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// fromConfig maps the node configuration onto the options, flag by flag.
// Of two keys for one flag the later wins: node_name over hostname,
// advertise_address over node_ip.
func (o *Options) fromConfig(c *config.Config) []roleflags.Setting {
	str, num, list := roleflags.String, roleflags.Int, roleflags.Strings
	return []roleflags.Setting{
		str("data-dir", &o.DataDir, c.DataDir),
		str(flagToken, &o.Token, c.Token),
		str("token-file", &o.TokenFile, c.TokenFile),
		str(flagAgent, &o.AgentToken, c.AgentToken),
		str("agent-token-file", &o.AgentTokenFile, c.AgentTokenFile),
		list("tls-san", (*[]string)(&o.TLSSANs), c.TLSSANs),
		str("cluster-cidr", &o.ClusterCIDR, c.ClusterCIDR),
		str("service-cidr", &o.ServiceCIDR, c.ServiceCIDR),
		str("cluster-dns", &o.ClusterDNS, c.ClusterDNS),
		str("cluster-domain", &o.ClusterDomain, c.ClusterDomain),
		str("bind-address", &o.BindAddress, c.BindAddress),
		str("advertise-address", &o.AdvertiseAddress, c.NodeIP),
		str("advertise-address", &o.AdvertiseAddress, c.AdvertiseAddress),
		num("https-listen-port", &o.HTTPSPort, c.HTTPSListenPort),
		num("supervisor-port", &o.SupervisorPort, c.SupervisorPort),
		str("datastore-endpoint", &o.DatastoreEndpoint, c.DatastoreEndpoint),
		str("datastore-cafile", &o.DatastoreCAFile, c.DatastoreCAFile),
		str("datastore-certfile", &o.DatastoreCertFile, c.DatastoreCertFile),
		str("datastore-keyfile", &o.DatastoreKeyFile, c.DatastoreKeyFile),
		roleflags.Bool("cluster-init", &o.ClusterInit, c.ClusterInit),
		roleflags.OptionalBool("secrets-encryption", &o.SecretsEncryption, c.SecretsEncryption),
		num("etcd-client-port", &o.EtcdClientPort, c.EtcdClientPort),
		num("etcd-peer-port", &o.EtcdPeerPort, c.EtcdPeerPort),
		str("write-kubeconfig", &o.WriteKubeconfig, c.WriteKubeconfig),
		str("write-kubeconfig-mode", &o.WriteKubeconfigMode, c.WriteKubeconfigMode),
		roleflags.Bool("disable-agent", &o.DisableAgent, c.DisableAgent),
		list("disable", (*[]string)(&o.Disable), c.Disable),
		list("kube-apiserver-arg", (*[]string)(&o.APIServerArgs), c.KubeAPIServerArgs),
		list("kube-controller-manager-arg", (*[]string)(&o.ControllerArgs), c.KubeControllerManagerArgs),
		list("kube-scheduler-arg", (*[]string)(&o.SchedulerArgs), c.KubeSchedulerArgs),
		str("node-name", &o.NodeName, c.Hostname),
		str("node-name", &o.NodeName, c.NodeName),
		roleflags.Pairs("node-label", (*[]string)(&o.NodeLabels), c.NodeLabels),
		list("node-taint", (*[]string)(&o.NodeTaints), c.NodeTaints),
		list("kubelet-arg", (*[]string)(&o.KubeletArgs), c.KubeletArgs),
		list("kube-proxy-arg", (*[]string)(&o.ProxyArgs), c.KubeProxyArgs),
		str("flannel-iface", &o.FlannelIface, c.FlannelIface),
	}
}
