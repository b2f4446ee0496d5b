package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Build compiles ./cmd/portal (relative to the current directory, the
// module root) into outDir and returns the binary's path.
func Build(ctx context.Context, outDir string) (string, error) {
	bin := filepath.Join(outDir, "portal")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/portal")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/portal: %w\n%s", err, out)
	}
	return bin, nil
}

// Env returns the benchmark process's environment without any PORTAL_*
// variable, plus vars: the portal sees only what the run sets.
func Env(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PORTAL_") {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// Migrate runs `<bin> migrate up` against databaseURL.
func Migrate(ctx context.Context, bin, databaseURL string) error {
	cmd := exec.CommandContext(ctx, bin, "migrate", "up")
	cmd.Env = Env(map[string]string{"PORTAL_DATABASE_URL": databaseURL})
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("portal migrate up: %w\n%s", err, out)
	}
	return nil
}

// FreeAddr returns a loopback address with a port nobody listens on now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Portal is `portal serve` running in a process of its own.
type Portal struct {
	URL  string // base URL, no trailing slash
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// StartPortal starts `<bin> serve` listening on addr with the environment
// env (see Env), its output going to logs, and waits until /readyz
// answers 200.
func StartPortal(ctx context.Context, bin, addr string, env []string, logs io.Writer) (*Portal, error) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start portal: %w", err)
	}
	p := &Portal{URL: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := p.waitReady(ctx, 30*time.Second); err != nil {
		_ = p.Stop(5 * time.Second)
		return nil, err
	}
	return p, nil
}

// PID is the portal's process id.
func (p *Portal) PID() int { return p.cmd.Process.Pid }

func (p *Portal) waitReady(ctx context.Context, limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("portal serve exited before it was ready: %v", p.err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := client.Get(p.URL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("portal at %s not ready after %s", p.URL, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop sends SIGTERM and waits for the portal to finish its requests and
// exit, killing it after grace. A portal that has already exited (Ctrl-C
// reaches it too) is no error.
func (p *Portal) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop portal: %w", err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("portal exited with %v after SIGTERM", p.err)
		}
		return nil
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("portal did not stop within %s of SIGTERM; killed", grace)
	}
}
