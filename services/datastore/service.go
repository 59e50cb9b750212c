package datastore

import (
	"context"
	"log/slog"
	"time"

	"github.com/outpost-os/outpost/services/supervisor"
)

// ServiceName is the datastore's service name.
const ServiceName = "datastore"

// stopTimeout bounds the wait for the storage to stop.
const stopTimeout = 15 * time.Second

// Service runs the storage config chooses (called at each start) under
// the supervisor: ready once it serves; started gets the running Backend (before anything that
// depends on the datastore starts). It is Fatal: kine and etcd keep
// process-wide state, so a failed storage ends the role process.
func Service(config func() Config, log *slog.Logger, started func(*Backend)) supervisor.Service {
	return supervisor.Service{
		Name: ServiceName, Fatal: true, NoLog: true, StopTimeout: stopTimeout,
		Run: func(ctx context.Context, env supervisor.Env) error {
			b, err := Start(ctx, config(), log)
			if err != nil {
				return err
			}
			started(b)
			env.Ready()
			select {
			case err := <-b.Failed:
				return err
			case <-ctx.Done():
			}
			<-b.Done
			log.Info("datastore stopped")
			return nil
		},
	}
}
