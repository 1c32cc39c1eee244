package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"k8s.io/streaming/pkg/httpstream"
)

// missing is kwok's (and runc's) error for a program the container lacks.
func missing(cmd string) error {
	return fmt.Errorf("Internal error occurred: error executing command in container: cmd start: %s : fork/exec %s: no such file or directory", cmd, cmd)
}

// TestSessionFallsBackToSh: bash is missing, so sh runs and gets all the
// input, also what the bash attempt had already read; the bash attempt's
// read left blocked (client-go leaves it running) takes nothing more.
func TestSessionFallsBackToSh(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.WriteString("echo hi\n"); err != nil {
		t.Fatal(err)
	}
	var tried []string
	var mu sync.Mutex
	var late []byte // what the bash attempt read after it ended
	lateDone := make(chan struct{})
	var out strings.Builder
	s := &Session{Stdin: true}
	s.SetStdin(r)
	s.SetStdout(&out)
	s.exec = func(ctx context.Context, cmd []string, st Streams) error {
		tried = append(tried, cmd[0])
		if cmd[0] == "/bin/bash" {
			buf := make([]byte, 64)
			n, _ := st.Stdin.Read(buf)
			if got := string(buf[:n]); got != "echo hi\n" {
				t.Errorf("bash attempt read %q", got)
			}
			go func() { // client-go's stdin copy outlives the attempt
				defer close(lateDone)
				b, _ := io.ReadAll(st.Stdin)
				mu.Lock()
				late = b
				mu.Unlock()
			}()
			return missing(cmd[0])
		}
		if _, err := w.WriteString("echo more\n"); err != nil {
			t.Error(err)
		}
		w.Close()
		b, err := io.ReadAll(st.Stdin)
		if err != nil {
			return err
		}
		_, err = st.Stdout.Write(b)
		return err
	}
	if err := s.RunContext(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if strings.Join(tried, " ") != "/bin/bash /bin/sh" {
		t.Errorf("tried %v, want /bin/bash then /bin/sh", tried)
	}
	if got, want := out.String(), "echo hi\necho more\n"; got != want {
		t.Errorf("sh got input %q, want %q", got, want)
	}
	<-lateDone
	mu.Lock()
	defer mu.Unlock()
	if len(late) != 0 {
		t.Errorf("the ended bash attempt read %q", late)
	}
}

func TestSessionKeepsErrorsThatAreNotAMissingShell(t *testing.T) {
	tests := []struct {
		name   string
		cmd    []string
		output string
		err    error
		tries  int
	}{
		{name: "bash ran and exited 127", output: "bash-5.2$ ", err: &ExitError{Code: 127}, tries: 1},
		{name: "cannot connect", err: errors.New("dial tcp 127.0.0.1:6443: connect: connection refused"), tries: 1},
		{name: "a command is never replaced", cmd: []string{"/bin/bash"}, err: missing("/bin/bash"), tries: 1},
		{name: "no shell at all", err: missing("/bin/x"), tries: 2},
		{name: "runtime exit 126 without output", err: &ExitError{Code: 126}, tries: 2},
	}
	for _, tc := range tests {
		tries := 0
		s := &Session{Command: tc.cmd}
		s.exec = func(_ context.Context, _ []string, st Streams) error {
			tries++
			io.WriteString(st.Stdout, tc.output)
			return tc.err
		}
		err := s.Run()
		if tries != tc.tries || !errors.Is(err, tc.err) {
			t.Errorf("%s: %d tries, err %v; want %d, %v", tc.name, tries, err, tc.tries, tc.err)
		}
	}
}

// TestStdinEndedAttemptReadsNothing: a read blocked when its attempt ended
// returns io.EOF without taking the input that comes later.
func TestStdinEndedAttemptReadsNothing(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	in := newStdin(r)
	first := in.attempt()
	got := make(chan string)
	go func() {
		b, err := io.ReadAll(first)
		got <- fmt.Sprintf("%q %v", b, err)
	}()
	second := in.attempt() // ends the first
	if g := <-got; g != `"" <nil>` {
		t.Errorf("ended attempt read %s", g)
	}
	io.WriteString(w, "next")
	buf := make([]byte, 16)
	n, err := second.Read(buf)
	if string(buf[:n]) != "next" || err != nil {
		t.Errorf("second attempt read %q, %v", buf[:n], err)
	}
	in.close()
	if n, err := second.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("after close: %d, %v", n, err)
	}
}

func TestStdinReplayBounded(t *testing.T) {
	in := newStdin(strings.NewReader(strings.Repeat("x", replayLimit+1)))
	if _, err := io.ReadAll(in.attempt()); err != nil {
		t.Fatal(err)
	}
	if in.replayable() {
		t.Error("more than replayLimit read, still replayable")
	}
}

func TestShouldFallback(t *testing.T) {
	up := fmt.Errorf("exec: %w", &httpstream.UpgradeFailureError{Cause: errors.New("bad handshake")})
	if !shouldFallback(up) {
		t.Error("upgrade failure: no fallback to SPDY")
	}
	if !shouldFallback(errors.New("proxy: unknown scheme: https")) {
		t.Error("HTTPS proxy error: no fallback to SPDY")
	}
	if shouldFallback(errors.New("pods \"web-1\" is forbidden")) {
		t.Error("forbidden: fell back to SPDY")
	}
}

func TestExitCode(t *testing.T) {
	err := fmt.Errorf("exec: %w", &ExitError{Container: Container{Namespace: "ns", Pod: "p"}, Code: 3})
	if code, ok := ExitCode(err); !ok || code != 3 {
		t.Errorf("ExitCode = %d, %v", code, ok)
	}
	if _, ok := ExitCode(errors.New("x")); ok {
		t.Error("ExitCode of a plain error")
	}
}
