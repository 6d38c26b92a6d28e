/** Help texts of `sockdbg` and its commands. */
import type { CommandContext } from './context';
import { SUPPORTED_ENCODINGS } from '../core/codec/encoding';

/** the character encodings (the hex/base64 display forms are not listed) */
const TEXT_ENCODINGS = SUPPORTED_ENCODINGS.filter((e) => e.kind === 'text')
  .map((e) => (e.id === 'utf-8' ? 'utf-8 (default)' : e.id))
  .join(', ');
const UDP_NOTES = `Encodings:    ${TEXT_ENCODINGS}
Exit codes:   0 success, 1 usage error, 2 network error (refused, timeout, address in use, reset)`;
const TURN_OPTIONS = `Turns (the steps run in command-line order; see docs/conversations.md):
  --send TEXT         send TEXT (encoded with --send-encoding, framed with --send-framing); repeatable
  --send-hex HEX      send these bytes; repeatable, order kept with --send
  --send-file FILE    stream FILE (never read whole) in the send framing: raw → the bytes as they are;
                      json-header → the tutorial's upload, {"total_size", "filename", "filesize"} + --header
                      fields (--header may rename filename; filesize is always the file's), then the file;
                      other framings → one frame. The next step waits until the socket took it all
  --expect N|/RE/     wait for N frames, or until the text received since the last turn matches RE
                      (a JavaScript regex, /…/flags or bare); an --expect before any --send waits first
  --turns             wait for one frame after every --send that has no --expect of its own
  --expect-timeout S  how long each --expect waits (default 10); not met in time → exit 2 naming the turn
  --header JSON       extra json-header fields, e.g. '{"md5": "…"}': the header is json.dumps of
                      {"total_size": <body length>, …} like the tutorial's 三.2 (needs --send-framing json-header)
  --send-encoding ENC encoding of --send TEXT and typed lines (default: --encoding)
  --eol none|lf|crlf  line ending added to typed lines (default none: like Python's input())
  --ansi              let colour escape codes (ESC[…m) through to the terminal (default: shown as \\x1b)`;

const FAULT_NOTES = `Faults on what this command sends (the relay's options, docs/relay.md; UDP: --delay and --rate only):
  --chunk N | random:A-B | split:K[,K…] | merge[:MS]   re-chunk the stream (pieces written apart, TCP_NODELAY)
  --seed N  --delay MS[:JITTER]  --drip BYTES/MS  --rate BYTES/S  --gap MS
  --reset-after N   reset (RST) the connection after N bytes sent; --half-close N: FIN after N bytes sent
  A random fault without --seed draws a seed and prints it (a 'notice'), so the run can be repeated.`;

const COMMON_NOTES = `Framing SPEC: raw | line | delimiter:<escaped bytes> | fixed:<n> | length:<struct fmt>[,includes-header][,adjust=<n>][,max=<bytes>]
              | json-header[,length=<struct fmt>][,size-key=<key>][,max=<bytes>]
${UDP_NOTES}`;

export const HELP: Record<string, string> = {
  main: `sockdbg — debug TCP and UDP protocols from the terminal (Socket Debugger CLI)

Usage:
  sockdbg tcp listen  --port N [--host H] [--framing SPEC] [--send-framing SPEC] [--encoding ENC] [--send-encoding ENC]
                      [--echo | --reply TEXT | --reply-hex HEX | --rules FILE] [--send TEXT | --send-hex HEX | --send-file F | --expect N|/RE/]...
                      [--turns] [--header JSON] [--to newest|all|cN] [--eol none|lf|crlf] [--no-stdin] [--ansi]
                      [--once] [--count N] [--no-delay] [--output FILE] [--quiet] [--json]
  sockdbg tcp connect HOST PORT [--send TEXT | --send-hex HEX | --send-file F | --expect N|/RE/]... [--turns]
                      [--expect-timeout SEC] [--framing SPEC] [--send-framing SPEC] [--header JSON] [--encoding ENC]
                      [--send-encoding ENC] [--eol none|lf|crlf] [--count N] [--timeout SEC] [--reconnect]
                      [--no-delay] [--keepalive] [--ansi] [--output FILE] [--quiet] [--json]
  sockdbg udp bind    --port N [--host H] [--encoding ENC] [--send-encoding ENC] [--echo | --reply TEXT | --rules FILE] [--to HOST:PORT]
                      [--eol none|lf|crlf] [--no-stdin] [--ansi] [--count N] [--broadcast] [--recv-buffer BYTES] [--json]
  sockdbg udp send    HOST PORT [TEXT | --hex HEX] [--wait] [--timeout SEC] [--encoding ENC] [--broadcast] [--json]
  sockdbg struct pack   [--] FMT VALUE...
  sockdbg struct unpack [--] FMT HEX
  sockdbg relay       --listen [HOST:]PORT --to HOST:PORT [--udp] [--framing SPEC] [fault options] [--record FILE]
                      [--pcap FILE] [--once] [--quiet] [--json]
  sockdbg replay      FILE --to HOST:PORT | --listen [HOST:]PORT [--pair ID] [--diff] [--framing SPEC] [--json]
  sockdbg pcap        FILE OUT.pcapng
  sockdbg hmac        (--key TEXT | --key-hex HEX) [--digest md5] (MESSAGE | --hex HEX) [--repr]
  sockdbg run FILE... [--scenario NAME]... [--junit OUT.xml] [--json]
                      run a protocol file's scenarios as tests
  sockdbg decode FILE [--hex HEX] [--framing SPEC] [--json]
                      print the messages and fields of bytes (--hex or stdin)
  sockdbg agent --port N (--key-file F | --key-env VAR) [options]   run the remote-exec agent
  sockdbg exec HOST PORT (--key-file F | --key-env VAR) [options] -- COMMAND [ARG...]
                                                                   run a command through an agent
  sockdbg --version | --help | <command> --help

Examples:
  sockdbg tcp listen --port 8080 --framing length:i --echo
  sockdbg tcp connect 127.0.0.1 8080 --send 'dir' --send-framing raw --framing json-header --encoding gbk --count 1
  sockdbg tcp connect 127.0.0.1 8888 --send wyb --expect 1 --send 中午吃什么 --expect 1
  sockdbg tcp listen --port 8888 --once --encoding gbk     # then type commands, like the tutorial's server.py
  sockdbg udp send 127.0.0.1 8888 '%Y-%m-%d' --wait
  sockdbg struct pack i 4096          # → 00100000
  sockdbg relay --listen 8081 --to 127.0.0.1:8080 --framing json-header --chunk random:1-7 --seed 42
  sockdbg hmac --key wyb --digest md5 --hex 00112233
  sockdbg tcp listen --port 9000 --rules device.sockdbg.yaml
  sockdbg run device.sockdbg.yaml --junit results.xml

${COMMON_NOTES}`,

  tcp: `Usage:
  sockdbg tcp listen  --port N [options]     run a TCP server (see: sockdbg tcp listen --help)
  sockdbg tcp connect HOST PORT [options]    connect to a TCP server (see: sockdbg tcp connect --help)`,

  'tcp listen': `Usage: sockdbg tcp listen --port N [--host H] [--framing SPEC] [--send-framing SPEC] [--encoding ENC]
                          [--echo | --reply TEXT | --reply-hex HEX | --rules FILE] [turns…] [--to newest|all|cN] [--no-stdin]
                          [--once] [--count N] [--no-delay] [--output FILE] [--quiet] [--json] [fault options]

Runs a TCP server and prints every frame received from every client. Each line typed on stdin is sent, like
Python's input() gives it (no line ending unless --eol), to the newest client (--to all: every client, --to c3:
that one) and shown as a '>' line ('sent' with --json); lines typed before a client connects wait for it.
The turns (--send, --expect, …) run on each client as it is accepted: the server speaks first.
Example (the tutorial's 一.1 server.py):
  sockdbg tcp listen --port 8888 --once --expect 1 --send 'hi!' --expect 1 --send '吃包子啊!'

  --port N          port to listen on; 0 picks a free port (printed on the first line)
  --host H          address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all interfaces)
  --framing SPEC    how the byte stream is cut into frames, both directions (default raw)
  --encoding ENC    how frames are shown as text (and what is sent is encoded, unless --send-encoding)
  --send-framing SPEC framing of what is sent (--send, typed lines, --reply), e.g. raw commands in and
                    json-header answers out: --send-framing json-header
  --to TARGET       where typed lines go: newest (default), all, or a connection id such as c2
  --no-stdin        do not read stdin (a server run in the background with & would be stopped reading it)
  --echo            send each frame back to its sender (framed); while more than 1 MiB of answers waits for a
                    client that does not read, reading from that client pauses (memory stays bounded)
  --reply TEXT      answer each frame with TEXT (framed; same backpressure)
  --reply-hex HEX   answer each frame with these bytes (framed), e.g. "48 69" or 0x48,0x69
  --rules FILE      answer with the auto-reply rules of a protocol file (*.sockdbg.yaml); its framing: and
                    encoding: apply unless --framing/--encoding are given; frames that fit one of its
                    messages are shown with their fields and checksum mark (see docs/protocol-files.md)
  --once            serve one client, exit when it disconnects (others are disconnected meanwhile)
  --count N         exit 0 after N frames received (over all clients)
  --no-delay        turn Nagle's algorithm off on accepted sockets (TCP_NODELAY): each send goes out at once
  --output FILE     append received payloads, raw, to FILE (written before the frame is printed; the bytes of an
                    unfinished last frame too)
  --quiet           no per-frame output
  --json            one JSON object per line per event; frames carry "chunks" (the recv() chunks their bytes came
                    in), "sticky" (a chunk shared with another frame, 黏包) and "split" (spread over several chunks);
                    the human output marks them [sticky …] / [split …]

${TURN_OPTIONS}

${FAULT_NOTES}

The bytes of a frame the stream ends inside (a line without its newline, part of a length frame) are printed as
'unfinished' (JSON: {"type":"unfinished","offset":…}) with an INCOMPLETE_FRAME warning; see docs/reliability.md.

${COMMON_NOTES}`,

  'tcp connect': `Usage: sockdbg tcp connect HOST PORT [turns…] [--framing SPEC] [--send-framing SPEC] [--encoding ENC]
                           [--count N] [--timeout SEC] [--reconnect] [--no-delay] [--keepalive]
                           [--output FILE] [--quiet] [--json] [fault options]

Connects to a TCP server, sends, and prints every frame received.
Without turns (--send, --expect, …), sends stdin: from a terminal (or with --eol, or a non-raw --send-framing)
one message per line, like Python's input() gives it; from a pipe in raw framing, as a byte stream (like ncat);
then half-closes (FIN) at end of input and keeps printing until the server closes.
With turns, the steps run in order; when the last one is an --expect, the command exits 0 once it is met
(unless --count says how many frames to wait for). Example (the tutorial's 二.4(1) client, as the executor):
  sockdbg tcp connect 127.0.0.1 8888 --encoding gbk --expect 1 --send 8 --expect ok --send 吃包子啊
When the server sends FIN first, the rest of the input is still sent (a notice says so; from a terminal it ends
at once). When the server stops reading, a warning comes after 5 s without progress; what was not sent is reported
at exit.

  --framing SPEC      framing for both directions (default raw)
  --send-framing SPEC framing for what is sent, overriding --framing (e.g. raw commands, framed answers)
  --encoding ENC      encoding of received frames shown, and of text sent unless --send-encoding (default utf-8)
  --count N           exit 0 after N frames received
  --timeout SEC       connect timeout, and idle timeout: when nothing arrives for SEC seconds, exit 2 if
                      fewer frames than --count (or none at all) arrived, else exit 0
  --reconnect         when the connection drops (server closed it, reset, error), connect again with backoff
                      (0.5 s, 1 s, 2 s … up to 30 s between attempts) until Ctrl-C, --count or --timeout ends it;
                      prints a 'reconnecting' event per attempt and 'reconnected' ('open' with --json) on success;
                      the --send payloads are sent again on each new connection
  --no-delay          turn Nagle's algorithm off (TCP_NODELAY): each send goes out at once, not coalesced
  --keepalive         send TCP keep-alive probes on an idle connection (SO_KEEPALIVE), to notice a dead peer
  --output FILE       append received payloads, raw, to FILE
  --quiet             no per-frame output
  --json              one JSON object per line per event (frames with "chunks", "sticky", "split"; "sent"
                      events for turns and typed lines)

${TURN_OPTIONS}

${FAULT_NOTES}

${COMMON_NOTES}`,

  udp: `Usage:
  sockdbg udp bind --port N [options]          receive datagrams (see: sockdbg udp bind --help)
  sockdbg udp send HOST PORT [TEXT] [options]  send one datagram (see: sockdbg udp send --help)`,

  'udp bind': `Usage: sockdbg udp bind --port N [--host H] [--encoding ENC] [--send-encoding ENC] [--echo | --reply TEXT | --rules FILE]
                        [--to HOST:PORT] [--eol none|lf|crlf] [--no-stdin] [--ansi] [--count N] [--broadcast]
                        [--recv-buffer BYTES] [--json] [--delay MS[:JITTER]] [--rate BYTES/S] [--seed N]

Binds a UDP socket and prints every datagram received. Each line typed on stdin is sent as one datagram
(like Python's input() gives it) to the last peer heard from, or to --to HOST:PORT before anyone is heard.
Example (a client of the tutorial's QQ chat server): sockdbg udp bind --port 0 --to 127.0.0.1:8005 --ansi

  --port N        port to bind; 0 picks a free port (printed on the first line)
  --host H        address to bind (default 127.0.0.1)
  --encoding ENC  how datagrams are shown and how --reply TEXT is encoded (default utf-8)
  --echo          send each datagram back to its sender
  --reply TEXT    answer each datagram with TEXT
  --rules FILE    answer with the auto-reply rules of a protocol file (*.sockdbg.yaml), per sender
  --to HOST:PORT  where typed lines go until a datagram arrives (then: its sender)
  --send-encoding ENC  encoding of typed lines and --reply TEXT (default: --encoding)
  --eol none|lf|crlf   line ending added to typed lines (default none)
  --no-stdin      do not read stdin
  --ansi          let colour escape codes through to the terminal (the QQ client sends \\033[34m…)
  --count N       exit 0 after N datagrams
  --broadcast     allow sending to broadcast addresses (SO_BROADCAST), e.g. --echo to 255.255.255.255
  --recv-buffer BYTES  receive buffer size (SO_RCVBUF), e.g. 4M; datagrams the kernel drops because it was
                  full are reported (UDP_RECEIVE_DROPS, Linux) — a bigger buffer rides out bursts
  --json          one JSON object per line per event
  --delay MS[:JITTER], --rate BYTES/S, --seed N   faults on the datagrams sent (held, order kept, never cut)

${UDP_NOTES}`,

  'udp send': `Usage: sockdbg udp send HOST PORT [TEXT | --hex HEX] [--wait] [--timeout SEC] [--encoding ENC] [--broadcast] [--json]
                        [--delay MS[:JITTER]] [--seed N]

Sends one datagram: TEXT (encoded with --encoding), HEX bytes, or else all of stdin.

  --hex HEX       send these bytes
  --wait          wait for one reply datagram and print it
  --timeout SEC   how long --wait waits (default 10); no reply in time → exit 2
  --encoding ENC  encoding of TEXT and of the reply shown (default utf-8)
  --broadcast     allow a broadcast HOST (SO_BROADCAST), e.g. 255.255.255.255 or 192.168.1.255;
                  without it the system refuses the send (EACCES)
  --json          one JSON object per line per event
  --delay MS[:JITTER], --seed N   hold the datagram MS ± JITTER ms before it is sent

${UDP_NOTES}`,

  struct: `Usage:
  sockdbg struct pack   [--] FMT VALUE...   print the packed bytes as hex
  sockdbg struct unpack [--] FMT HEX        print the values as a JSON array

FMT is a Python struct format (prefixes @ = < > !, codes x c b B ? h H i I l L q Q n N e f d s p P).
Put negative numbers after '--'. Values: integers and floats as numbers (nan, inf allowed for e/f/d),
? as true/false/1/0, c/s/p as UTF-8 text or hex:…
unpack prints 8-byte integers as plain JSON numbers, bytes (c/s/p) as "hex:…", NaN/Infinity as strings.

Examples:
  sockdbg struct pack i 4096                 → 00100000
  sockdbg struct pack -- '<hI?' -2 7 true    → feff0700000001
  sockdbg struct unpack '!I4s' '0000002a 41424344'  → [42, "hex:41424344"]`,
};
HELP.relay = `Usage: sockdbg relay --listen [HOST:]PORT --to HOST:PORT [--udp] [--framing SPEC] [--c2s-framing SPEC]
                    [--s2c-framing SPEC] [--encoding ENC]
                    [--chunk N | --chunk random:A-B | --chunk split:K[,K…] | --chunk merge[:MS]] [--seed N]
                    [--delay MS[:JITTER]] [--drip BYTES/MS] [--rate BYTES/S] [--gap MS] [--lane c2s|s2c|both]
                    [--reset-after N] [--half-close LANE[:N]] [--drop c2s|s2c|both]
                    [--record FILE] [--pcap FILE] [--once] [--quiet] [--json]

Listens, and forwards each client to --to over its own upstream connection (UDP: one upstream socket per client
address). Prints both lanes — c2s (client → server, '>') and s2c (server → client, '<') — as chunks, or as frames
with --framing; --json events name the pair (p1, p2 …) and the lane. A refused or unreachable upstream closes that
client with an 'upstream-error' event; the relay keeps listening. Runs until Ctrl-C (or --once).

  --listen [HOST:]PORT   where to listen (host default 127.0.0.1; port 0 picks a free one, printed first)
  --to HOST:PORT         the server to forward to
  --udp                  relay UDP datagrams instead of a TCP stream
  --framing SPEC         cut both lanes into frames for display and for the replay diff (TCP)
  --c2s-framing SPEC     the client → server lane's own framing (e.g. raw commands, framed answers)
  --s2c-framing SPEC     the server → client lane's own framing
  --encoding ENC         how payloads are shown as text (default utf-8)
Faults (TCP unless noted; --chunk, --delay, --drip and --rate act on the lanes given by --lane, default both):
  --chunk N              cut the lane every N bytes (pieces also end where a read ended)
  --chunk random:A-B     cut after random steps of A to B bytes (the same --seed cuts at the same offsets)
  --chunk split:K[,K…]   cut at these stream offsets of the lane
  --chunk merge[:MS]     join the reads arriving within MS ms (default 20) into one write
  --seed N               seed of the random choices; without it a seed is chosen and printed
  --delay MS[:JITTER]    hold each read MS ms ± JITTER ms, order kept (TCP and UDP)
  --drip BYTES/MS        let BYTES bytes through every MS ms
  --rate BYTES/S         bandwidth cap (TCP and UDP)
  --gap MS               least time between two pieces (default 2), so the receiver's recv() returns them apart
  --lane c2s|s2c|both    the lanes --chunk, --delay, --drip and --rate act on (default both)
  --reset-after N        after N bytes forwarded (both lanes together), reset (RST) both peers
  --half-close LANE[:N]  after N bytes (default 0) on LANE, send FIN on it and discard its further bytes
  --drop c2s|s2c|both    discard a lane's data (counted; TCP and UDP)
Files and output:
  --record FILE          record both lanes (timestamps, chunk boundaries) as JSON lines, for replay and pcap
  --pcap FILE            write the conversation as pcapng (synthesized Ethernet/IP/TCP or UDP packets)
  --once                 exit after the first pair closes
  --quiet                no per-chunk output
  --json                 one JSON object per line per event

${COMMON_NOTES}`;

HELP.replay = `Usage: sockdbg replay FILE --to HOST:PORT | --listen [HOST:]PORT [--pair ID] [--diff] [--framing SPEC]
                     [--timeout SEC] [--json]

Plays one recorded pair (default the first) of a recording made with 'sockdbg relay --record':
  --to HOST:PORT        as the client: sends the c2s lane to a server, compares what the server answers
  --listen [HOST:]PORT  as the server: waits for one client, sends it the s2c lane, compares what it sends
Each recorded chunk is written on its own, and only after the other side sent as many bytes as it had at that
point of the recording. A UDP recording replays datagram by datagram, either way: as the client (--to), or as the
server (--listen: waits for a client's first datagram, answers that address in order and timing); --diff compares
datagram by datagram.
  --pair ID             the pair to play (p1, p2 … as printed by the relay)
  --diff                compare frame by frame (framing from the recording, or --framing); exit 4 on a difference
  --framing SPEC        framing for the diff (raw: the recorded chunks are the frames)
  --timeout SEC         how long to wait for the other side at each step (default 5)
  --json                one JSON object per line per event`;

HELP.pcap = `Usage: sockdbg pcap FILE OUT.pcapng

Converts a recording made with 'sockdbg relay --record' to pcapng for Wireshark/tshark: synthesized Ethernet and
IPv4 or IPv6 packets; TCP pairs with a handshake, consistent sequence and acknowledgement numbers, one packet per
recorded chunk (chunks over 65,000 bytes span several) and FIN or RST at the end; UDP datagrams as UDP packets;
timestamps as recorded. Follow TCP Stream shows the recorded bytes.`;

HELP.run = `Usage: sockdbg run FILE... [--scenario NAME]... [--junit OUT.xml] [--json]

Runs the scenarios of protocol files (*.sockdbg.yaml) one after another: each connects to (or listens for)
the program under test, optionally spawns it, sends and expects frames. Failures show the step, what was
expected and what arrived. See docs/protocol-files.md.

  --scenario NAME, -s NAME  run only this scenario (repeatable)
  --junit OUT.xml           also write the results as JUnit XML
  --json                    one JSON object per scenario, then a summary

Exit codes:   0 all passed, 1 a scenario failed or a usage/file error (with file:line:col),
              2 a network error (refused, address in use, nothing connected in time)`;

HELP.decode = `Usage: sockdbg decode FILE [--hex HEX] [--framing SPEC] [--json]

Cuts bytes (--hex, or else all of stdin) into frames with the file's framing and prints each frame's message,
fields and checksum mark (✓, or ✗ with the expected and received values).

  --hex HEX, -x HEX  the bytes, e.g. "02 01 07 00 00 00 cb 42 07 a4"
  --framing SPEC     instead of the file's framing:
  --json             one JSON object per frame

Exit codes:   0 decoded, 1 usage/file error, bad framing or an unfinished frame at the end`;

HELP.hmac = `Usage: sockdbg hmac (--key TEXT | --key-hex HEX) [--digest md5|sha1|sha256|sha512] (MESSAGE | --hex HEX) [--repr]

Prints hmac.new(key, msg, digestmod).digest() as hex (--repr: as Python prints the bytes), to check by hand what
the tutorial's check_conn programs (六) exchange. The default digest is md5, what hmac.new(key, msg) used before
Python 3.8. The key is on the command line: for learning only.

Examples:
  sockdbg hmac --key key hello                  → 04130747afca4d79e32e87cf2104f087
  sockdbg hmac --key wyb --hex 'challenge hex'  (the 32 bytes check_conn sent, e.g. from tcp connect --json)`;

HELP.agent = `Usage: sockdbg agent --port N [--host H] (--key-file F | --key-env VAR) [--digest sha256]
                     [--allow REGEX]... [--allow-cwd DIR]... [--max-sessions N] [--timeout SEC] [--audit FILE]
                     [--allow-short-key]

Runs commands for clients that prove the shared key (sockdbg exec, the extension, examples/python/client.py).
Frames are authenticated, not encrypted: keep it on 127.0.0.1 or behind an SSH tunnel / VPN.
See docs/remote-exec-security.md before giving anyone a key.

  --port N           port to listen on; 0 picks a free port (printed in the log)
  --host H           address to listen on (default 127.0.0.1; 0.0.0.0, ::, 0 or ::0 listen everywhere: warned)
  --key-file F       the shared key: a UTF-8 text file (one trailing newline ignored; warns unless mode 600)
  --key-env VAR      … or an environment variable (never passed on to the commands)
  --digest D         HMAC digest: sha256 (default), sha512, sha1, md5
  --allow REGEX      the whole command line must match one REGEX (repeatable). With an allowlist, shell commands
                     containing ; & | \` $ ( ) < > or a line break are refused (send argv), so is "env"; commands
                     get GIT_* removed from their environment and repository hooks/fsmonitor disabled
  --allow-cwd DIR    with an allowlist (or this option), a request's cwd must be the agent's own directory or
                     lie below one DIR (repeatable); without it, only the agent's own directory
  --max-sessions N   commands running at once (default 8); more get "busy"
  --timeout SEC      kill a command after SEC seconds (the client may ask for less)
  --audit FILE       append one JSON line per request (created mode 600)
  --allow-short-key  accept a key under 16 bytes (the tutorial's b'wyb'), with a warning: for the check_conn
                     programs of the tutorial only (docs/conversations.md)

Exit codes:   0 after SIGINT/SIGTERM, 1 usage error, 2 cannot listen`;

HELP.exec = `Usage: sockdbg exec HOST PORT (--key-file F | --key-env VAR) [--digest sha256] [--encoding ENC] [--cwd DIR]
                    [--timeout SEC] [--env NAME=VALUE]... [--shell] [--stdin] [--allow-short-key] -- COMMAND [ARG...]

Runs COMMAND on a sockdbg agent and streams its output. One COMMAND word runs through the remote shell (like
ssh); several run as an argument vector. Nothing is sent before the agent has proved it holds the key.

  --key-file F       the shared key (UTF-8 text file) …
  --key-env VAR      … or an environment variable holding it
  --digest D         HMAC digest: sha256 (default), sha512, sha1, md5
  --encoding ENC     decode the remote output from ENC (e.g. gbk) to UTF-8
  --cwd DIR          working directory on the agent (an allowlisted agent only accepts its allowed ones)
  --timeout SEC      ask the agent to kill the command after SEC seconds
  --env NAME=VALUE   extra environment (repeatable; refused by an allowlisted agent)
  --shell            join the words and run them through the remote shell
  --stdin            forward this program's standard input to the command
  --allow-short-key  accept a key under 16 bytes, with a warning (the tutorial's check_conn server; it closes
                     without a verdict, so exec shows the challenge and its answer: check with sockdbg hmac)

Exit codes:   the remote command's (128+N when killed by signal N; 1 when the agent reports a code outside
              0-255), 1 usage error, 2 network or authentication failure`;

HELP['struct pack'] = HELP.struct;
HELP['struct unpack'] = HELP.struct;

export function printHelp(ctx: Pick<CommandContext, 'stdout'>, topic: string): void {
  ctx.stdout.write((HELP[topic] ?? HELP.main) + '\n');
}

/** The hint printed after a usage error. */
export function usageHint(command?: string): string {
  return command !== undefined && HELP[command] !== undefined ? `Run 'sockdbg ${command} --help' for usage.` : `Run 'sockdbg --help' for usage.`;
}
