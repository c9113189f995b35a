package hub_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/partnership-hub/hub/pkg/benchmark"
	"github.com/partnership-hub/hub/pkg/bus"
	"github.com/partnership-hub/hub/pkg/chstore/chtest"
	"github.com/partnership-hub/hub/pkg/config"
	"github.com/partnership-hub/hub/pkg/devoidc"
	"github.com/partnership-hub/hub/pkg/poll"
	"github.com/partnership-hub/hub/pkg/submission"
	"github.com/partnership-hub/hub/services/api"
	benchsvc "github.com/partnership-hub/hub/services/benchmark"
	"github.com/partnership-hub/hub/services/ingest"
)

// natsCluster is a JetStream cluster of three nats-servers in this process, routed on loopback,
// each on fixed ports and its own store directory, so that a node can be stopped and started
// again as itself.
type natsCluster struct {
	t     *testing.T
	opts  []*server.Options
	nodes []*server.Server
}

func startNATSCluster(t *testing.T) *natsCluster {
	t.Helper()
	const n = 3
	client, routes := make([]int, n), make([]string, n)
	for i := range n {
		client[i] = freePort(t)
		routes[i] = "nats://127.0.0.1:" + strconv.Itoa(freePort(t))
	}
	c := &natsCluster{t: t, opts: make([]*server.Options, n), nodes: make([]*server.Server, n)}
	for i := range n {
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(routes[i], "nats://"))
		cport, _ := strconv.Atoi(port)
		c.opts[i] = &server.Options{
			ServerName: fmt.Sprintf("nats-%d", i+1),
			Host:       "127.0.0.1",
			Port:       client[i],
			JetStream:  true,
			StoreDir:   filepath.Join(t.TempDir(), fmt.Sprintf("nats-%d", i+1)),
			MaxPayload: bus.MaxPayload,
			NoSigs:     true,
			Cluster:    server.ClusterOpts{Name: "hub", Host: "127.0.0.1", Port: cport},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		}
	}
	for i := range n {
		c.start(i)
	}
	t.Cleanup(func() {
		for _, ns := range c.nodes {
			if ns != nil {
				ns.Shutdown()
				ns.WaitForShutdown()
			}
		}
	})
	poll.Until(t, time.Minute, func() error {
		for i, ns := range c.nodes {
			if !ns.JetStreamIsClustered() || !ns.JetStreamIsCurrent() {
				return fmt.Errorf("nats-%d: JetStream cluster not formed", i+1)
			}
		}
		return nil
	})
	return c
}

// start starts node i (again), on its own ports and store.
func (c *natsCluster) start(i int) {
	c.t.Helper()
	ns, err := server.NewServer(c.opts[i].Clone()) // a server changes its options as it runs
	if err != nil {
		c.t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		c.t.Fatalf("nats-%d not ready", i+1)
	}
	c.nodes[i] = ns
}

// stop shuts node i down and waits until it is gone.
func (c *natsCluster) stop(i int) {
	c.nodes[i].Shutdown()
	c.nodes[i].WaitForShutdown()
	c.nodes[i] = nil
}

// URL lists every node, as a client's seed list.
func (c *natsCluster) URL() string {
	urls := make([]string, len(c.opts))
	for i, o := range c.opts {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", o.Port)
	}
	return strings.Join(urls, ",")
}

// index returns the node named name.
func (c *natsCluster) index(name string) int {
	for i, o := range c.opts {
		if o.ServerName == name {
			return i
		}
	}
	c.t.Fatalf("no node %q", name)
	return -1
}

func freePort(t *testing.T) int {
	_, port, _ := net.SplitHostPort(freeAddr(t))
	p, _ := strconv.Atoi(port)
	return p
}

// TestNATSClusterFailover runs two API, two ingest and one benchmark instance (their Run
// functions, as the chart deploys them) against a JetStream cluster of three with R3 streams and
// buckets, under a steady load of submissions from several clients; stops one NATS node and
// starts it again, then stops the leader of the SUBMISSIONS stream. Every submission answered
// 202 must end accepted, every row stored exactly once, nothing dead-lettered, and the
// benchmarks the service kept up to date must equal a recomputation from the stored rows. It
// logs the load held and the longest pause clients saw.
func TestNATSClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of load on a NATS cluster")
	}
	conn, chcfg := chtest.New(t)
	orgs := seedOrganisations(t, conn, 200)
	cluster := startNATSCluster(t)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// The development OpenID provider, in-process, for the clients' tokens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	provider, err := devoidc.New(devoidc.Config{Issuer: issuer, Audience: "partnership-hub", Clients: devoidc.DemoClients()})
	if err != nil {
		t.Fatal(err)
	}
	oidc := &http.Server{Handler: provider.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go oidc.Serve(ln)
	t.Cleanup(func() { oidc.Close() })

	common := config.Common{}
	if _, err := config.Parse(&common); err != nil {
		t.Fatal(err)
	}
	common.NATSURL, common.NATSReplicas = cluster.URL(), 3
	common.ClickHouseAddr, common.ClickHouseDatabase = chcfg.Addr, chcfg.Database
	common.LogLevel = "warn"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	var apis []string
	for range 2 {
		var cfg api.RunConfig
		if _, err := config.Parse(&cfg); err != nil {
			t.Fatal(err)
		}
		cfg.Common, cfg.HTTPAddr, cfg.OIDCIssuer, cfg.Rate.PerSecond = common, "127.0.0.1:0", issuer, 0
		ready := make(chan string, 1)
		g.Go(func() error { return api.Run(gctx, cfg, log, ready) })
		select {
		case addr := <-ready:
			apis = append(apis, "http://"+addr)
		case <-time.After(time.Minute):
			t.Fatal("API did not start")
		}
	}
	for range 2 {
		var cfg ingest.RunConfig
		if _, err := config.Parse(&cfg); err != nil {
			t.Fatal(err)
		}
		cfg.Common, cfg.Ingest.HealthAddr = common, ""
		g.Go(func() error { return ingest.Run(gctx, cfg, log) })
	}
	var bcfg benchsvc.RunConfig
	if _, err := config.Parse(&bcfg); err != nil {
		t.Fatal(err)
	}
	bcfg.Common, bcfg.Benchmark.HealthAddr = common, ""
	g.Go(func() error { return benchsvc.Run(gctx, bcfg, log) })

	nc, err := nats.Connect(cluster.URL(), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{bus.StreamSubmissions, bus.StreamEvents, bus.StreamDeadLetter, "KV_" + bus.BucketStatus} {
		info, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if r := info.CachedInfo().Config.Replicas; r != 3 {
			t.Fatalf("%s has %d replicas, want 3", name, r)
		}
	}

	// The load: clients submit five returns at a time, each to an API instance in turn, and
	// send a submission again with its Idempotency-Key when an answer does not come back 202.
	type sent struct {
		ref  api.SubmissionRef
		rows int
	}
	var (
		mu                   sync.Mutex
		accepted             []sent
		retries              int
		longestCall, longest time.Duration
		last                 = time.Now()
		stopLoad             = make(chan struct{})
		load                 sync.WaitGroup
		ps                   = periodsBefore("2026")
		next                 = make(chan int)
		started              = time.Now()
	)
	const clients, perSubmission = 4, 5
	go func() {
		defer close(next)
		for i := 0; i < len(orgs)*len(ps)/perSubmission; i++ {
			select {
			case next <- i:
			case <-stopLoad:
				return
			}
		}
	}()
	for c := range clients {
		client := stewardClient(issuer)
		load.Go(func() {
			for i := range next {
				body := loadSubmission(orgs, ps, i, perSubmission)
				for attempt := 0; ; attempt++ {
					begin := time.Now()
					ref, code := post(client, apis[(i+attempt+c)%len(apis)], body, fmt.Sprintf("cluster-%d", i))
					took := time.Since(begin)
					mu.Lock()
					longestCall = max(longestCall, took)
					if code == http.StatusAccepted {
						longest = max(longest, time.Since(last))
						last = time.Now()
						accepted = append(accepted, sent{ref, perSubmission})
						mu.Unlock()
						break
					}
					retries++
					mu.Unlock()
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(accepted) }
	// Each phase holds the load for a few seconds and at least n submissions.
	waitMore := func(n int) {
		from, since := count(), time.Now()
		poll.Until(t, time.Minute, func() error {
			if got := count() - from; got < n || time.Since(since) < 3*time.Second {
				return fmt.Errorf("%d submissions accepted in %s, want %d more", got, time.Since(since), n)
			}
			return nil
		})
	}
	// A node that is back has caught up when every replica of every stream is current.
	caughtUp := func() {
		poll.Until(t, time.Minute, func() error {
			for name := range js.StreamNames(ctx).Name() {
				s, err := js.Stream(ctx, name)
				if err != nil {
					return err
				}
				info, err := s.Info(ctx)
				if err != nil {
					return err
				}
				if info.Cluster == nil || info.Cluster.Leader == "" || len(info.Cluster.Replicas) != 2 {
					return fmt.Errorf("%s: not three replicas with a leader: %+v", name, info.Cluster)
				}
				for _, r := range info.Cluster.Replicas {
					if !r.Current || r.Offline {
						return fmt.Errorf("%s: replica %s not current", name, r.Name)
					}
				}
			}
			return nil
		})
	}

	waitMore(20)
	// One node away and back.
	victim := (cluster.index(streamLeader(t, js, bus.StreamSubmissions)) + 1) % 3
	t.Logf("%s: stopping %s (not the SUBMISSIONS leader)", time.Since(started).Round(time.Millisecond), cluster.opts[victim].ServerName)
	cluster.stop(victim)
	waitMore(20)
	t.Logf("%s: starting %s again", time.Since(started).Round(time.Millisecond), cluster.opts[victim].ServerName)
	cluster.start(victim)
	caughtUp()
	waitMore(20)
	// The leader of the submissions stream away.
	leader := cluster.index(streamLeader(t, js, bus.StreamSubmissions))
	t.Logf("%s: stopping %s, the SUBMISSIONS leader", time.Since(started).Round(time.Millisecond), cluster.opts[leader].ServerName)
	cluster.stop(leader)
	waitMore(20)
	close(stopLoad)
	load.Wait()
	elapsed := time.Since(started)
	cluster.start(leader)

	n := count()
	t.Logf("load held: %d submissions (%d rows) accepted in %s, %.1f submissions/s, %.0f rows/s, by %d clients on 2 API instances",
		n, n*perSubmission, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), float64(n*perSubmission)/elapsed.Seconds(), clients)
	t.Logf("longest pause clients saw: %s between two 202s, %s in one call; %d calls answered other than 202 and sent again",
		longest.Round(time.Millisecond), longestCall.Round(time.Millisecond), retries)

	// Every 202 ends accepted, with every row.
	client := stewardClient(issuer)
	want := 0
	for _, s := range accepted {
		st := waitStatus(t, client, apis[0], s.ref)
		if st.Status != submission.StatusAccepted || st.Accepted != s.rows {
			t.Errorf("submission %s: %s, %d of %d rows accepted", s.ref.ID, st.Status, st.Accepted, s.rows)
		}
		want += s.rows
	}
	// Each row stored once: FINAL folds versions of a key; raw rows count every insert.
	var final, keys, raw uint64
	poll.Until(t, time.Minute, func() error {
		if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(org_code, period) FROM workforce_returns FINAL WHERE org_code LIKE 'X%'").Scan(&final, &keys); err != nil {
			return err
		}
		if final != uint64(want) {
			return fmt.Errorf("%d rows stored, want %d", final, want)
		}
		return nil
	})
	// Raw rows: a chunk whose outcome could not be recorded while a node was away is delivered
	// again and inserted again, the same rows with the same version, which FINAL folds. Once
	// merged, exactly one row a key is left.
	if err := conn.QueryRow(ctx, "SELECT count() FROM workforce_returns WHERE org_code LIKE 'X%'").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, "OPTIMIZE TABLE workforce_returns FINAL"); err != nil {
		t.Fatal(err)
	}
	var merged uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM workforce_returns WHERE org_code LIKE 'X%'").Scan(&merged); err != nil {
		t.Fatal(err)
	}
	t.Logf("stored: %d rows sent, %d through FINAL with %d distinct keys; %d raw rows before a merge (%d from redelivered chunks), %d after",
		want, final, keys, raw, raw-uint64(want), merged)
	if keys != uint64(want) || merged != uint64(want) || raw < uint64(want) {
		t.Errorf("stored %d rows with %d keys through FINAL, %d raw rows after a merge; want %d of each", final, keys, merged, want)
	}
	// Nothing dead-lettered.
	dl, err := js.Stream(ctx, bus.StreamDeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := dl.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Errorf("dead-letter stream: %v messages (%v)", info.State.Msgs, err)
	}

	// The benchmarks converge: once the service has taken every event, what it wrote equals a
	// recomputation of every period from the stored rows.
	poll.Until(t, 2*time.Minute, func() error {
		c, err := js.Consumer(ctx, bus.StreamEvents, benchsvc.Consumer)
		if err != nil {
			return err
		}
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return fmt.Errorf("benchmark service: %d events waiting, %d unacknowledged", info.NumPending, info.NumAckPending)
		}
		return nil
	})
	cancel()
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("services stopped with %v", err)
	}
	// A sample of the periods: every one the load reached, recomputed, would take long on 18.16.
	var sample []string
	for i := 0; i < len(ps) && i < n*perSubmission/len(orgs); i += 7 {
		sample = append(sample, ps[i])
	}
	kept := latestBenchmarks(t, conn, sample)
	store, err := benchmark.NewStore(conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Recompute(context.Background(), sample...); err != nil {
		t.Fatal(err)
	}
	if fresh := latestBenchmarks(t, conn, sample); !slices.Equal(kept, fresh) || len(kept) == 0 {
		t.Errorf("benchmarks kept by the service (%d values) differ from a recomputation (%d values)", len(kept), len(fresh))
	}
	t.Logf("benchmarks of %d periods (%d organisation values) equal a recomputation from the stored rows", len(sample), len(kept))
}

// streamLeader names the node leading a stream's replicas.
func streamLeader(t *testing.T, js jetstream.JetStream, name string) string {
	t.Helper()
	var leader string
	poll.Until(t, time.Minute, func() error {
		s, err := js.Stream(context.Background(), name)
		if err != nil {
			return err
		}
		info, err := s.Info(context.Background())
		if err != nil {
			return err
		}
		if info.Cluster == nil || info.Cluster.Leader == "" {
			return fmt.Errorf("%s has no leader", name)
		}
		leader = info.Cluster.Leader
		return nil
	})
	return leader
}

// latestBenchmarks reads every organisation value of the periods, as they stand.
func latestBenchmarks(t *testing.T, conn driver.Conn, periods []string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT period, metric, org_code, ifNull(toString(value), 'NULL'), ifNull(toString(num), 'NULL'), ifNull(toString(den), 'NULL')
		FROM benchmark_values FINAL
		PREWHERE has(CAST(? AS Array(String)), period)
		WHERE deleted = 0
		ORDER BY period, metric, org_code`, periods)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var period, metric, org, value, num, den string
		if err := rows.Scan(&period, &metric, &org, &value, &num, &den); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{period, metric, org, value, num, den}, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// testWriter sends a logger's lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// periodsBefore lists the periods of periods() before a year: the later ones may end after
// today, which ingest refuses.
func periodsBefore(year string) []string {
	var out []string
	for _, p := range periods() {
		if p < year {
			out = append(out, p)
		}
	}
	return out
}
