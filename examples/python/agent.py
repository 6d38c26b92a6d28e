#!/usr/bin/env python3
"""sockdbg remote-exec agent, standard library only, for machines that have Python but no Node.

    python3 agent.py --port N [--host 127.0.0.1] (--key-file F | --key-env VAR) [--digest sha256]
                     [--allow REGEX]... [--allow-cwd DIR]... [--max-sessions N] [--timeout SEC] [--audit FILE]
                     [--max-pending N]

Same protocol as `sockdbg agent` (docs/exec-protocol.md): the seed's check_conn challenge, then the agent
proves the key too, then every frame carries an HMAC. One command per connection. Frames are authenticated,
not encrypted: keep the agent on 127.0.0.1 or behind an SSH tunnel / VPN.
"""
import argparse
import hmac
import json
import math
import os
import re
import select
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time

NONCE_BYTES = 32
DIGEST_SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}
LABEL_AGENT_PROOF = b"sockdbg-agent-proof-v1"
LABEL_SESSION = b"sockdbg-session-v1"
MAX_HEADER = 64 * 1024
MAX_BODY = 1024 * 1024
HANDSHAKE_TIMEOUT = 3.0  # the whole unauthenticated phase, up to the exec request
KILL_GRACE = 2.0
MAX_PENDING_HANDSHAKES = 256  # beyond, the oldest unauthenticated connection is closed to make room
MAX_FAILURE_DELAY = 2.0  # a wrong answer's refusal waits at most this (the client gives up after 10 s)
FAILURE_MEMORY = 60.0  # a peer's failures are forgotten this long after the last one
PIPE_GRACE = 0.3  # after the command exits, how long its pipes may stay quiet before we stop reading them
LEFTOVER_OUTPUT = 3.0  # … and how long processes it left behind may keep writing at most
SESSION_MARKER_VAR = "SOCKDBG_EXEC_SESSION"
# forced for commands of an allowlisted agent (GIT_CONFIG_COUNT ranks like `git -c`, above a repository's config)
HARDENED_GIT_CONFIG = [("core.fsmonitor", "false"), ("core.hooksPath", "/dev/null"), ("core.pager", "cat"),
                       ("core.editor", "false"), ("core.askPass", ""), ("protocol.ext.allow", "never"),
                       ("diff.external", "")]
# with an allowlist, a shell command may not chain, substitute or redirect (the pattern would not see the rest)
SHELL_CONTROL = re.compile(r"[;&|`$()<>\r\n]")


class BadFrame(Exception):
    pass


def recv_exact(sock, n, deadline=None):
    """Exactly n bytes; with a deadline (time.monotonic()), the whole read must finish by then (a peer sending a
    byte at a time cannot stretch a socket timeout that each recv() would restart)."""
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return bytes(buf)


class Channel:
    """Authenticated frames: '<i' header length, JSON header, body, HMAC(session key, dir | '>Q' seq | frame)."""

    def __init__(self, sock, key, digest, send_dir, recv_dir):
        self.sock, self.key, self.digest = sock, key, digest
        self.send_dir, self.recv_dir = send_dir, recv_dir
        self.send_seq = self.recv_seq = 0
        self.lock = threading.Lock()  # stdout and stderr pumps send concurrently

    def send(self, header, body=b""):
        hb = json.dumps(dict(header, total_size=len(body))).encode("utf-8")
        frame = struct.pack("<i", len(hb)) + hb + body
        with self.lock:
            mac = hmac.new(self.key, self.send_dir + struct.pack(">Q", self.send_seq) + frame, self.digest).digest()
            self.send_seq += 1
            self.sock.sendall(frame + mac)  # blocks while the client is behind: that is the backpressure

    def recv(self, deadline=None):
        head = recv_exact(self.sock, 4, deadline)
        n = struct.unpack("<i", head)[0]
        if not 0 < n <= MAX_HEADER:
            raise BadFrame("bad header length %d" % n)
        hb = recv_exact(self.sock, n, deadline)
        try:
            header = json.loads(hb.decode("utf-8", "replace"))
            size = header["total_size"]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise BadFrame("malformed frame header")
        if not isinstance(header.get("type"), str) or not isinstance(size, int) or not 0 <= size <= MAX_BODY:
            raise BadFrame("malformed frame header")
        body = recv_exact(self.sock, size, deadline)
        mac = recv_exact(self.sock, DIGEST_SIZES[self.digest], deadline)
        expected = hmac.new(self.key, self.recv_dir + struct.pack(">Q", self.recv_seq) + head + hb + body, self.digest).digest()
        if not hmac.compare_digest(mac, expected):
            raise BadFrame("frame authentication failed")
        self.recv_seq += 1
        return header, body


def marked_processes(marker):
    """Pids of this user's processes whose environment carries the session marker (Linux /proc; else none)."""
    entry = ("%s=%s" % (SESSION_MARKER_VAR, marker)).encode()
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                if entry in f.read().split(b"\0"):
                    found.append(int(name))
        except OSError:
            pass
    return found


def kill_tree(proc, sig, marker=None):
    """The process group, and every process carrying the marker (descendants that left the group with setsid)."""
    if os.name == "nt":
        subprocess.call(["taskkill", "/pid", str(proc.pid), "/T", "/F"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return
    try:
        os.killpg(proc.pid, sig)
    except OSError:
        pass
    for pid in marked_processes(marker) if marker else []:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def log_safe(s):
    """A command line for a log line: quoted, control characters escaped (a hostile argv cannot forge log lines)."""
    return re.sub("[\x7f-\x9f\u2028\u2029]", lambda m: "\\u%04x" % ord(m.group()), json.dumps(s, ensure_ascii=False))


def check_cwd(cwd, own, roots):
    """Where a restricted request may run: the agent's own directory, or inside an --allow-cwd root."""
    if cwd is None:
        return own, None
    refused = "the agent does not run commands in %s: allowed are its own directory%s" % (
        json.dumps(cwd), " and --allow-cwd roots" if roots else "")
    try:
        real = os.path.realpath(os.path.join(own, cwd), strict=True)
    except (OSError, ValueError):
        return None, refused
    if real == own or any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
        return real, None
    return None, refused


def child_env(base, drop, hardened, extra, marker):
    env = {k: v for k, v in base.items() if k not in drop and not (hardened and k.upper().startswith("GIT_"))}
    if hardened:
        env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", GIT_PAGER="cat",
                   GIT_CONFIG_COUNT=str(len(HARDENED_GIT_CONFIG)))
        for i, (k, v) in enumerate(HARDENED_GIT_CONFIG):
            env["GIT_CONFIG_KEY_%d" % i], env["GIT_CONFIG_VALUE_%d" % i] = k, v
    env.update(extra or {})
    for k in drop:
        env.pop(k, None)
    env[SESSION_MARKER_VAR] = marker
    return env


def validate(h):
    """Checks an exec request; returns an error message or None."""
    if h.get("type") != "exec":
        return 'expected an "exec" request'
    has_cmd, has_argv = h.get("command") is not None, h.get("argv") is not None
    if has_cmd == has_argv:
        return 'give exactly one of "command" or "argv"'
    if has_cmd and (not isinstance(h["command"], str) or not h["command"] or h.get("shell") is False):
        return '"command" must be a non-empty string run through the shell'
    if has_argv and (not isinstance(h["argv"], list) or not h["argv"] or not all(isinstance(a, str) for a in h["argv"])
                     or not h["argv"][0] or h.get("shell") is True):
        return '"argv" must be a non-empty array of strings (without "shell": true)'
    if h.get("cwd") is not None and not isinstance(h["cwd"], str):
        return '"cwd" must be a string'
    env = h.get("env")
    if env is not None and (not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values())):
        return '"env" must be an object of strings'
    t = h.get("timeout")
    if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0):
        return '"timeout" must be a positive number of seconds'
    return None


class Agent:
    def __init__(self, opts, key):
        self.opts, self.key, self.digest = opts, key, opts.digest
        self.allow = [re.compile(a) for a in opts.allow]
        self.sessions = threading.BoundedSemaphore(opts.max_sessions)
        # one thread per connection: unauthenticated ones are capped (the oldest is closed to make room for a new
        # one, so idle sockets cannot keep a legitimate client out)
        self.pending = []  # sockets waiting for their proof, oldest first
        self.failures = {}  # peer address -> [consecutive failed handshakes, time of the last]
        self.lock = threading.Lock()
        self.own_cwd = os.path.realpath(os.getcwd())
        self.cwd_roots = [os.path.realpath(r) for r in opts.allow_cwd] if opts.allow_cwd is not None else None
        for r, given in zip(self.cwd_roots or [], opts.allow_cwd or []):
            if not os.path.isdir(r):
                raise SystemExit("agent.py: allowed working directory not found: %s" % given)
        self.drop_env = [opts.key_env] if opts.key_env else []
        self.audit_file = None
        if opts.audit:
            fd = os.open(opts.audit, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self.audit_file = os.fdopen(fd, "a", encoding="utf-8")

    def log(self, line):
        sys.stderr.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), line))
        sys.stderr.flush()

    def audit(self, **record):
        if self.audit_file:
            record = dict(time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **record)
            with self.lock:
                self.audit_file.write(json.dumps(record) + "\n")
                self.audit_file.flush()

    def record_failure(self, addr):
        """Counts a wrong answer; returns how long this connection's refusal waits (other connections never wait)."""
        now = time.monotonic()
        with self.lock:
            for a in [a for a, (_, last) in self.failures.items() if now - last > FAILURE_MEMORY]:
                del self.failures[a]
            n = self.failures.get(addr, [0, 0])[0] + 1
            self.failures[addr] = [n, now]
            if len(self.failures) > 10000:
                del self.failures[min(self.failures, key=lambda a: self.failures[a][1])]
        return min(0.1 * 2 ** (n - 1), MAX_FAILURE_DELAY)

    def serve(self, sock, peer):
        with self.lock:
            if len(self.pending) >= self.opts.max_pending:
                oldest = self.pending.pop(0)
                try:
                    oldest.shutdown(socket.SHUT_RDWR)  # its thread's recv() returns: that handshake ends
                except OSError:
                    pass
            self.pending.append(sock)
        try:
            got = self.handshake(sock, peer)
        finally:
            with self.lock:
                if sock in self.pending:
                    self.pending.remove(sock)
        if got is not None:
            sock.settimeout(None)
            self.run(*got)

    def authenticated(self, sock):
        with self.lock:
            if sock in self.pending:
                self.pending.remove(sock)

    def handshake(self, sock, peer):
        """Returns (channel, exec header, body, peer) once authenticated, or None."""
        addr = peer[0]
        where = "%s:%d" % peer
        sock.settimeout(HANDSHAKE_TIMEOUT)
        deadline = time.monotonic() + HANDSHAKE_TIMEOUT  # for the whole handshake, up to the exec request
        try:
            nonce_a = os.urandom(NONCE_BYTES)
            sock.sendall(nonce_a)
            answer = recv_exact(sock, DIGEST_SIZES[self.digest], deadline)
            if not hmac.compare_digest(answer, hmac.new(self.key, nonce_a, self.digest).digest()):
                delay = self.record_failure(addr)
                self.log("refused %s: wrong answer to the challenge" % where)
                self.audit(peer=where, outcome="auth-failed")
                time.sleep(delay)  # only this connection's verdict waits
                sock.sendall(b"\x00")
                return None
            with self.lock:
                self.failures.pop(addr, None)
            self.authenticated(sock)
            sock.sendall(b"\x01")
            nonce_b = recv_exact(sock, NONCE_BYTES, deadline)
            sock.sendall(hmac.new(self.key, LABEL_AGENT_PROOF + nonce_a + nonce_b, self.digest).digest())
            session_key = hmac.new(self.key, LABEL_SESSION + nonce_a + nonce_b, self.digest).digest()
            ch = Channel(sock, session_key, self.digest, b"A", b"C")
            try:
                header, body = ch.recv(deadline)
            except BadFrame as e:
                ch.send({"type": "error", "code": "bad-mac" if "authentication" in str(e) else "protocol", "message": str(e)})
                self.audit(peer=where, outcome="bad-mac")
                return None
        except (EOFError, OSError):
            return None
        return ch, header, body, where

    def run(self, ch, h, stdin, where):
        problem = validate(h)
        if problem:
            ch.send({"type": "error", "code": "bad-request", "message": problem})
            self.audit(peer=where, outcome="bad-request")
            return
        line = h["command"] if h.get("command") is not None else " ".join(h["argv"])
        rec = dict(peer=where, command=line)
        refusal = None
        if self.allow:
            if h.get("command") is not None and SHELL_CONTROL.search(h["command"]):
                refusal = "the agent has an allowlist: shell commands may not contain ; & | ` $ ( ) < > or a newline (use argv)"
            elif h.get("env"):
                refusal = 'the agent has an allowlist: "env" is not accepted'
            elif not any(r.fullmatch(line) for r in self.allow):
                refusal = "the command is not in the agent's allowlist"
        cwd = h.get("cwd")
        if not refusal and (self.allow or self.cwd_roots is not None):
            cwd, refusal = check_cwd(cwd, self.own_cwd, self.cwd_roots or [])
            if refusal:
                self.log("session %s: not allowed: cwd %s" % (where, log_safe(h.get("cwd"))))
        if refusal:
            self.log("session %s: not allowed: %s" % (where, log_safe(line)))
            ch.send({"type": "error", "code": "not-allowed", "message": refusal})
            self.audit(outcome="not-allowed", **rec)
            return
        if not self.sessions.acquire(blocking=False):
            ch.send({"type": "error", "code": "busy", "message": "the agent is running its maximum number of commands"})
            self.audit(outcome="busy", **rec)
            return
        try:
            self.execute(ch, dict(h, cwd=cwd), stdin, where, line, rec)
        finally:
            self.sessions.release()

    def execute(self, ch, h, stdin, where, line, rec):
        marker = os.urandom(16).hex()
        env = child_env(os.environ, self.drop_env, bool(self.allow), h.get("env"), marker)
        started = time.time()
        try:
            proc = subprocess.Popen(h["command"] if h.get("command") is not None else h["argv"],
                                    shell=h.get("command") is not None, cwd=h.get("cwd"), env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=(os.name != "nt"))
        except (OSError, ValueError) as e:  # ValueError: a NUL byte or '=' in an argument, cwd or env name
            ch.send({"type": "error", "code": "spawn-failed", "message": str(e)})
            self.audit(outcome="spawn-failed", **rec)
            return
        self.log("session %s: pid %d: %s" % (where, proc.pid, log_safe(line)))
        state = {"cancelled": False, "timed_out": False, "disconnected": False, "broken": False, "done": False,
                 "stop_pipes": False}
        ch.send({"type": "started", "pid": proc.pid})

        def terminate():
            kill_tree(proc, signal.SIGTERM if os.name != "nt" else None, marker)
            if os.name != "nt":
                t = threading.Timer(KILL_GRACE, kill_tree, (proc, signal.SIGKILL, marker))
                t.daemon = True
                t.start()

        def feed_stdin():
            try:
                if stdin:
                    proc.stdin.write(stdin)
                    proc.stdin.flush()
                if not h.get("stdin_open"):
                    proc.stdin.close()
            except OSError:
                pass

        activity = [time.monotonic()]

        def pump(stream, kind):
            fd = stream.fileno()
            while not state["stop_pipes"]:
                if os.name != "nt" and not select.select([fd], [], [], 0.1)[0]:
                    continue
                data = os.read(fd, 65536)
                if not data:
                    break
                activity[0] = time.monotonic()
                if state["broken"]:
                    continue  # the client is gone: drain so the process can finish
                try:
                    ch.send({"type": kind}, data)
                except OSError:
                    state["broken"] = True

        def read_client():
            try:
                while not state["done"]:
                    header, body = ch.recv()
                    kind = header.get("type")
                    if kind == "cancel":
                        state["cancelled"] = True
                        terminate()
                    elif kind == "stdin" and proc.stdin and not proc.stdin.closed:
                        try:
                            if body:
                                proc.stdin.write(body)
                                proc.stdin.flush()
                            if header.get("eof"):
                                proc.stdin.close()
                        except OSError:
                            pass
            except (EOFError, OSError, BadFrame) as e:
                if isinstance(e, BadFrame) and not state["done"]:
                    state["broken"] = True  # no more output frames: the error frame is the last one
                    try:
                        ch.send({"type": "error", "code": "bad-mac" if "authentication" in str(e) else "protocol", "message": str(e)})
                    except OSError:
                        pass
                if not state["done"]:
                    state["disconnected"] = True
                    self.log("session %s: client gone; killing pid %d" % (where, proc.pid))
                    terminate()

        threads = [threading.Thread(target=pump, args=(proc.stdout, "stdout"), daemon=True),
                   threading.Thread(target=pump, args=(proc.stderr, "stderr"), daemon=True),
                   threading.Thread(target=feed_stdin, daemon=True)]
        for t in threads:
            t.start()
        threading.Thread(target=read_client, daemon=True).start()
        limits = [t for t in (self.opts.timeout, h.get("timeout")) if t]
        timer = None
        if limits:
            def on_timeout():
                state["timed_out"] = True
                terminate()
            timer = threading.Timer(min(min(limits), threading.TIMEOUT_MAX), on_timeout)
            timer.daemon = True
            timer.start()
        rc = proc.wait()
        # processes the command left behind (a setsid child, a daemon) may hold its pipes: read them while output
        # flows (LEFTOVER_OUTPUT at most), then stop waiting for them
        exited = time.monotonic()
        while any(t.is_alive() for t in threads[:2]):
            for t in threads[:2]:
                t.join(PIPE_GRACE)
            now = time.monotonic()
            if any(t.is_alive() for t in threads[:2]) and (now - activity[0] >= PIPE_GRACE or now - exited >= LEFTOVER_OUTPUT):
                state["stop_pipes"] = True
                self.log("session %s: pid %d exited; processes it left behind still hold its output, which is no longer read" % (where, proc.pid))
                for t in threads[:2]:
                    t.join()
        for stream in (proc.stdout, proc.stderr):
            stream.close()
        state["done"] = True
        if timer:
            timer.cancel()
        code, sig = (rc, None) if rc >= 0 else (None, signal.Signals(-rc).name)
        duration = int((time.time() - started) * 1000)
        if not state["broken"]:
            try:
                ch.send({"type": "exit", "code": code, "signal": sig, "duration_ms": duration,
                         "timed_out": state["timed_out"], "cancelled": state["cancelled"]})
            except OSError:
                pass
        outcome = ("disconnected" if state["disconnected"] else "timeout" if state["timed_out"]
                   else "cancelled" if state["cancelled"] else "exit")
        self.audit(outcome=outcome, exit_code=code, signal=sig, duration_ms=duration, pid=proc.pid, **rec)


def load_key(opts):
    if (opts.key_file is None) == (opts.key_env is None):
        raise SystemExit("agent.py: give exactly one of --key-file F or --key-env VAR")
    if opts.key_file is not None:
        try:
            with open(opts.key_file, "r", encoding="utf-8", newline="") as f:
                text = f.read()
            mode = os.stat(opts.key_file).st_mode & 0o777
        except OSError as e:
            raise SystemExit("agent.py: cannot read the key file %s: %s" % (opts.key_file, e.strerror))
        except UnicodeDecodeError:
            raise SystemExit("agent.py: the key is not valid UTF-8 text (a peer would see different bytes); use e.g. `openssl rand -hex 32`")
        if os.name != "nt" and mode & 0o077:
            sys.stderr.write("agent.py: WARNING: the key file %s is accessible by others (mode %04o); run: chmod 600 %s\n"
                             % (opts.key_file, mode, opts.key_file))
    else:
        text = os.environ.get(opts.key_env, "")
        if not text:
            raise SystemExit("agent.py: the environment variable %s is not set" % opts.key_env)
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    try:
        key = text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 in the environment variable
        raise SystemExit("agent.py: the key is not valid UTF-8 text (a peer would see different bytes); use e.g. `openssl rand -hex 32`")
    if len(key) < 16:
        raise SystemExit("agent.py: the key is too short (%d bytes); use at least 16 bytes" % len(key))
    return key


def main(argv):
    p = argparse.ArgumentParser(prog="agent.py", description="sockdbg remote-exec agent (stdlib only).")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--key-file")
    p.add_argument("--key-env")
    p.add_argument("--digest", default="sha256", choices=sorted(DIGEST_SIZES))
    p.add_argument("--allow", action="append", default=[], metavar="REGEX")
    p.add_argument("--allow-cwd", action="append", metavar="DIR",
                   help="with an allowlist (or this option), a request's cwd must be the agent's own directory or below a DIR")
    p.add_argument("--max-pending", type=int, default=MAX_PENDING_HANDSHAKES, help=argparse.SUPPRESS)
    p.add_argument("--max-sessions", type=int, default=8)
    p.add_argument("--timeout", type=float)
    p.add_argument("--audit", metavar="FILE")
    opts = p.parse_args(argv)
    key = load_key(opts)
    if opts.key_env:
        os.environ.pop(opts.key_env, None)  # never passed on to the commands
    agent = Agent(opts, key)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                agent.serve(self.request, self.client_address[:2])
            finally:
                try:
                    self.request.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    if ":" in opts.host:
        Server.address_family = socket.AF_INET6
    server = Server((opts.host, opts.port), Handler)
    host, port = server.server_address[:2]
    if host in ("0.0.0.0", "::"):
        sys.stderr.write("\n!!! WARNING: the agent listens on ALL network interfaces. Anyone who can reach this port can try keys.\n"
                         "!!! Frames are authenticated but NOT encrypted: use a firewall, an SSH tunnel or a VPN.\n\n")
    agent.log("agent.py listening on %s:%d (digest %s)" % (host, port, opts.digest))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
