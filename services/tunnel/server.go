package tunnel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rancher/remotedialer"

	"github.com/outpost-os/outpost/services/paths"
)

// KubeletPort is the one port a tunnel carries: the kubelet's API, which
// serves logs, exec, attach and port-forward.
const KubeletPort = paths.KubeletPort

// maxSessionsPerNode bounds the tunnels one node may hold at once: a
// reconnecting agent briefly has two (the old one times out after a
// minute), more is a misbehaving or hostile client.
const maxSessionsPerNode = 4

var kubeletPort = strconv.Itoa(KubeletPort)

// DialFunc dials a connection.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// ServerConfig configures a Server.
type ServerConfig struct {
	// LocalNode is the server's own node (its embedded agent): the server
	// reaches that kubelet directly, never through a tunnel.
	LocalNode string
	// LocalIPs are the server's own addresses: never sent through a tunnel,
	// whatever an agent claims.
	LocalIPs []net.IP
	// NodeIPs returns the addresses node registered in its Node object
	// (InternalIP, ExternalIP): the only ones, with its loopback, its
	// tunnel carries connections to. What an agent says about its own
	// addresses counts for nothing. Nil carries none.
	NodeIPs func(ctx context.Context, node string) ([]net.IP, error)
	// Direct dials what no tunnel carries; nil means a net.Dialer.
	Direct DialFunc
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Server holds the agents' tunnels and routes kube-apiserver's egress
// through them.
type Server struct {
	cfg    ServerConfig
	rd     *remotedialer.Server
	log    *slog.Logger
	direct DialFunc

	mu       sync.Mutex
	next     uint64
	sessions map[uint64]*agentSession
	closed   bool
}

// agentSession is one agent's websocket. conn is set once the websocket
// is up; until then the session carries nothing.
type agentSession struct {
	node   string
	remote string
	conn   net.Conn
}

// nodeKey carries the authenticated node name to the remotedialer
// authorizer.
type nodeKey struct{}

// NewServer returns a Server with no sessions.
func NewServer(cfg ServerConfig) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger, direct: cfg.Direct, sessions: map[uint64]*agentSession{}}
	if s.direct == nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		s.direct = d.DialContext
	}
	// The join API has authenticated the agent before ServeAgent runs;
	// the authorizer only hands remotedialer the node name it checked.
	s.rd = remotedialer.New(func(r *http.Request) (string, bool, error) {
		node, _ := r.Context().Value(nodeKey{}).(string)
		return node, node != "", nil
	}, func(w http.ResponseWriter, _ *http.Request, code int, err error) {
		http.Error(w, "agent tunnel: "+err.Error(), code)
	})
	return s
}

// ServeAgent upgrades r to the tunnel of node, whose token and node
// password the caller has checked. The server asks it to dial only the
// addresses node registered (NodeIPs) and its loopback. It returns when
// the tunnel closes.
func (s *Server) ServeAgent(w http.ResponseWriter, r *http.Request, node string) {
	id, sess, err := s.add(node, r.RemoteAddr)
	if err != nil {
		code := http.StatusServiceUnavailable
		if errors.Is(err, errTooMany) {
			code = http.StatusTooManyRequests
		}
		http.Error(w, err.Error(), code)
		return
	}
	defer s.remove(id)
	hw := &hijackWriter{ResponseWriter: w, onHijack: func(c net.Conn) { s.up(sess, c) }}
	s.rd.ServeHTTP(hw, r.WithContext(context.WithValue(r.Context(), nodeKey{}, node)))
	if hw.hijacked {
		s.log.Info("agent tunnel closed", "node", node, "remote", r.RemoteAddr)
	}
}

var errTooMany = errors.New("too many tunnels for this node")

func (s *Server) add(node, remote string) (uint64, *agentSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, nil, errors.New("agent tunnel: the server is stopping")
	}
	n := 0
	for _, o := range s.sessions {
		if o.node == node {
			n++
		}
	}
	if n >= maxSessionsPerNode {
		return 0, nil, fmt.Errorf("agent tunnel: node %s: %w (%d)", node, errTooMany, n)
	}
	s.next++
	sess := &agentSession{node: node, remote: remote}
	s.sessions[s.next] = sess
	return s.next, sess, nil
}

// up marks a session live once its websocket is established.
func (s *Server) up(sess *agentSession, c net.Conn) {
	s.mu.Lock()
	sess.conn = c
	closed := s.closed
	s.mu.Unlock()
	if closed {
		c.Close()
		return
	}
	s.log.Info("agent tunnel connected", "node", sess.node, "remote", sess.remote)
}

func (s *Server) remove(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

// Connected tells whether node has a live tunnel.
func (s *Server) Connected(node string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		if sess.node == node && sess.conn != nil {
			return true
		}
	}
	return false
}

// Close ends every tunnel and refuses new ones.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, sess := range s.sessions {
		if sess.conn != nil {
			sess.conn.Close()
		}
	}
}

// connected returns the nodes with a live tunnel.
func (s *Server) connected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, sess := range s.sessions {
		if sess.conn != nil && !slices.Contains(names, sess.node) {
			names = append(names, sess.node)
		}
	}
	return names
}

// registered tells whether node registered ip in its Node object.
func (s *Server) registered(ctx context.Context, node string, ip net.IP) bool {
	if s.cfg.NodeIPs == nil {
		return false
	}
	ips, err := s.cfg.NodeIPs(ctx, node)
	if err != nil {
		s.log.Warn("egress: the addresses of a node are unavailable", "node", node, "err", err)
		return false
	}
	return slices.ContainsFunc(ips, ip.Equal)
}

// owners returns the nodes with a live tunnel that registered ip.
func (s *Server) owners(ctx context.Context, ip net.IP) []string {
	var names []string
	for _, n := range s.connected() {
		if s.registered(ctx, n, ip) {
			names = append(names, n)
		}
	}
	return names
}

// allowed tells whether node's tunnel may carry a connection to address:
// port 10250 on the node's loopback or on an address it registered.
func (s *Server) allowed(ctx context.Context, node, address string) bool {
	ip := kubeletIP(address)
	return ip != nil && (ownLoopback(ip) || s.registered(ctx, node, ip))
}

// kubeletIP returns the IP of address when it is IP:10250, else nil.
func kubeletIP(address string) net.IP {
	host, port, err := net.SplitHostPort(address)
	if err != nil || port != kubeletPort {
		return nil
	}
	return net.ParseIP(host)
}

// ownLoopback tells whether ip is where a node reaches its own kubelet
// without naming its address: 127.0.0.1 or ::1.
func ownLoopback(ip net.IP) bool {
	return ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback)
}

// dialNode dials address through node's tunnel, if that tunnel may carry
// it.
func (s *Server) dialNode(ctx context.Context, node, address string) (net.Conn, error) {
	if !s.allowed(ctx, node, address) {
		return nil, fmt.Errorf("agent tunnel of %s does not carry connections to %s", node, address)
	}
	return s.rd.Dialer(node)(ctx, "tcp", address)
}

// hijackWriter tells the Server when the websocket library takes the
// connection over.
type hijackWriter struct {
	http.ResponseWriter
	onHijack func(net.Conn)
	hijacked bool
}

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		// A tunnel lives for days: the HTTP server's read and write
		// deadlines must not end it (remotedialer pings it instead).
		c.SetDeadline(time.Time{})
		w.hijacked = true
		w.onHijack(c)
	}
	return c, rw, err
}
