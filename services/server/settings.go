package server

import (
	"log/slog"
	"net"

	"github.com/outpost-os/outpost/services/controlplane"
	"github.com/outpost-os/outpost/services/datastore"
	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/token"
)

// This file turns Options into the configuration of each part.

func (o *Options) portUses(a addresses, kind datastore.Kind) []portUse {
	uses := []portUse{
		{a.listenHost(), o.HTTPSPort, "--https-listen-port"},
		{a.listenHost(), o.SupervisorPort, "--supervisor-port"},
	}
	if kind == datastore.KindEtcdEmbedded {
		uses = append(uses,
			portUse{"127.0.0.1", o.EtcdClientPort, "--etcd-client-port"},
			portUse{a.Advertise.String(), o.EtcdPeerPort, "--etcd-peer-port"})
	}
	return uses
}

func (o *Options) datastoreConfig(dir string, a addresses) datastore.Config {
	return datastore.Config{
		Dir: dir, Endpoint: o.DatastoreEndpoint,
		CAFile: o.DatastoreCAFile, CertFile: o.DatastoreCertFile, KeyFile: o.DatastoreKeyFile,
		ClusterInit: o.ClusterInit, NodeName: a.NodeName, AdvertiseIP: a.Advertise,
		EtcdClientPort: o.EtcdClientPort, EtcdPeerPort: o.EtcdPeerPort,
	}
}

// withEtcdCerts adds the embedded etcd certificates once the PKI exists.
func withEtcdCerts(c datastore.Config, certs *pki.ServerCerts) datastore.Config {
	c.EtcdCerts = datastore.EtcdCerts{
		ServerCA: certs.EtcdServerCA.CertFile, ServerCert: certs.EtcdServerClient.Cert, ServerKey: certs.EtcdServerClient.Key,
		PeerCA: certs.EtcdPeerCA.CertFile, PeerCert: certs.EtcdPeerServerClient.Cert, PeerKey: certs.EtcdPeerServerClient.Key,
		ClientCert: certs.EtcdClient.Cert, ClientKey: certs.EtcdClient.Key,
	}
	return c
}

func (o *Options) pkiOptions(a addresses, log *slog.Logger) pki.ServerOptions {
	_, svc, _ := net.ParseCIDR(o.ServiceCIDR)
	ips := []net.IP{a.Advertise}
	if !a.Bind.IsUnspecified() && !a.Bind.Equal(a.Advertise) {
		ips = append(ips, a.Bind)
	}
	return pki.ServerOptions{
		NodeName: a.NodeName, NodeIPs: ips, SANs: o.TLSSANs, ServiceCIDR: svc,
		ClusterDomain: o.ClusterDomain, AdvertiseIP: a.Advertise, Logger: log,
	}
}

func (o *Options) controlPlaneConfig(dd *dataDir, a addresses, certs *pki.ServerCerts) controlplane.Config {
	return controlplane.Config{
		Dir: dd.Server(),
		Certs: controlplane.Certs{
			ClientCA: certs.ClientCA.CertFile, ClientCAKey: certs.ClientCA.KeyFile,
			ServerCA: certs.ServerCA.CertFile, ServerCAKey: certs.ServerCA.KeyFile,
			KubeletCA: certs.KubeletCA.CertFile, KubeletCAKey: certs.KubeletCA.KeyFile,
			RequestHeaderCA:  certs.RequestHeaderCA.CertFile,
			ServingAPIServer: certs.ServingAPIServer.Cert, ServingKey: certs.ServingAPIServer.Key,
			KubeletClient: certs.APIServerKubeletClient.Cert, KubeletClientKey: certs.APIServerKubeletClient.Key,
			AuthProxy: certs.AuthProxy.Cert, AuthProxyKey: certs.AuthProxy.Key,
			ServiceKey: certs.ServiceKey,
			Readiness:  certs.Supervisor.Cert, ReadinessKey: certs.Supervisor.Key,
		},
		BindAddress: a.Bind, AdvertiseAddress: a.Advertise, HTTPSPort: o.HTTPSPort,
		ClusterCIDR: o.ClusterCIDR, ServiceCIDR: o.ServiceCIDR, ClusterDomain: o.ClusterDomain,
		ExtraAPIServerArgs:         o.APIServerArgs,
		ExtraControllerManagerArgs: o.ControllerArgs,
		ExtraSchedulerArgs:         o.SchedulerArgs,
	}
}

func (o *Options) joinSettings(a addresses, certs *pki.ServerCerts, server, agent token.Token, creds credentials) joinSettings {
	return joinSettings{
		Host: a.listenHost(), Port: o.SupervisorPort, Certs: certs,
		ServerToken: server, AgentToken: agent, SupervisorKubeconfig: creds.Supervisor,
		APIServerURL: endpoint(a.Advertise, o.HTTPSPort),
		Cluster: joinapi.ClusterConfig{
			ClusterCIDR: o.ClusterCIDR, ServiceCIDR: o.ServiceCIDR, ClusterDNS: o.ClusterDNS,
			ClusterDomain: o.ClusterDomain, FlannelBackend: "vxlan", APIServerPort: o.HTTPSPort,
		},
	}
}
