/** Python peers for the reliability tests of the CLI (written the way the tutorial writes its programs). */

/**
 * A client that sends argv[2] bytes (64 KiB blocks, from a thread) and reads nothing until a line arrives on its
 * stdin; it prints "stalled N" once sending made no progress for a second (or all was sent), then reads everything
 * back and prints "back N ok" when it is what it sent, in order.
 */
export const FLOOD_NO_READ_CLIENT = `
import socket, sys, threading, time, hashlib

port, total = int(sys.argv[1]), int(sys.argv[2])
block = bytes(range(256)) * 256
sk = socket.socket()
sk.connect(('127.0.0.1', port))
sent = 0

def send():
    global sent
    while sent < total:
        sk.sendall(block)
        sent += len(block)

threading.Thread(target=send, daemon=True).start()
last = -1
while sent != last and sent < total:
    last = sent
    time.sleep(1)
print("stalled %d" % sent)
sys.stdin.readline()
want = hashlib.sha256(block * (total // len(block))).hexdigest()
got = hashlib.sha256()
n = 0
while n < total:
    data = sk.recv(1 << 20)
    if not data:
        break
    got.update(data)
    n += len(data)
print("back %d %s" % (n, "ok" if got.hexdigest() == want else "bad"))
sk.close()
`;

/** A client that sends argv[2] (utf-8) and closes. */
export const SEND_AND_CLOSE_CLIENT = `
import socket, sys

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.sendall(sys.argv[2].encode('utf-8'))
sk.close()
`;

/** A client that sends one json-header frame whose header is nested 20,000 deep (body "abc"), then {"total_size": 2} "xy". */
export const DEEP_HEADER_CLIENT = `
import socket, struct, json, sys

head = '{"n": ' + '[' * 19999 + '1' + ']' * 19999 + ', "total_size": 3}'
head_bytes = head.encode('utf-8')
ok_bytes = json.dumps({'total_size': 2}).encode('utf-8')
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.sendall(struct.pack('i', len(head_bytes)) + head_bytes + b'abc')
sk.sendall(struct.pack('i', len(ok_bytes)) + ok_bytes + b'xy')
sk.close()
`;

/** A server that reads one chunk, sends FIN (shutdown SHUT_WR), prints "fin", then reads to the end and prints it. */
export const FIN_FIRST_SERVER = `
import socket

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
total = conn.recv(1024)
conn.shutdown(socket.SHUT_WR)
print("fin")
while True:
    data = conn.recv(1024)
    if not data:
        break
    total += data
print("got:" + total.hex())
conn.close()
sk.close()
`;

/** Floods 127.0.0.1:argv[1] with argv[2] datagrams of 1000 bytes. */
export const UDP_FLOOD = `
import socket, sys

sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    sk.sendto(b'x' * 1000, ('127.0.0.1', int(sys.argv[1])))
sk.close()
print("done")
`;
