package server

import (
	"path/filepath"

	"github.com/outpost-os/outpost/services/kubeconfig"
	"github.com/outpost-os/outpost/services/pki"
)

// credentials are the component kubeconfigs in <data-dir>/server/cred.
type credentials struct {
	Controller, Scheduler, Supervisor, Admin string
}

// writeCredentials writes the kubeconfigs of the controller-manager, the
// scheduler, the supervisor (join API) and a local admin, each naming its
// certificate files by path (0600).
func writeCredentials(dir, url string, certs *pki.ServerCerts) (credentials, error) {
	c := credentials{
		Controller: filepath.Join(dir, "controller.kubeconfig"),
		Scheduler:  filepath.Join(dir, "scheduler.kubeconfig"),
		Supervisor: filepath.Join(dir, "supervisor.kubeconfig"),
		Admin:      filepath.Join(dir, "admin.kubeconfig"),
	}
	for _, k := range []struct {
		path, user string
		pair       pki.Pair
	}{
		{c.Controller, "kube-controller-manager", certs.ControllerManager},
		{c.Scheduler, "kube-scheduler", certs.Scheduler},
		{c.Supervisor, "supervisor", certs.Supervisor},
		{c.Admin, "admin", certs.Admin},
	} {
		err := kubeconfig.Write(k.path, 0o600, kubeconfig.Config{
			Server: url, CAFile: certs.ServerCA.CertFile,
			CertFile: k.pair.Cert, KeyFile: k.pair.Key, User: k.user,
		})
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// writeAdminKubeconfig writes the admin kubeconfig for people, with the
// certificates embedded.
func writeAdminKubeconfig(path string, o *Options, url string, certs *pki.ServerCerts) error {
	mode, err := o.kubeconfigMode()
	if err != nil {
		return err
	}
	return kubeconfig.Write(path, mode, kubeconfig.Config{
		Server: url, CAFile: certs.ServerCA.CertFile,
		CertFile: certs.Admin.Cert, KeyFile: certs.Admin.Key,
		User: "admin", Embed: true,
	})
}
