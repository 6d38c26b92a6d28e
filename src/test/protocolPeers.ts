/** Python peers and scenario files shared by the protocol-file tests of the extension host and the UI suites (no vscode import). */

/** Serves clients one after another, answering each recv with the text upper-cased (the tutorial's shape). */
export const UPPER_SERVER = `
import socket
sk = socket.socket()
sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sk.bind(('127.0.0.1', 0))
sk.listen(5)
print(sk.getsockname()[1], flush=True)
while True:
    conn, addr = sk.accept()
    while True:
        res = conn.recv(1024)
        if not res:
            break
        conn.send(res.decode('utf-8').upper().encode('utf-8'))
    conn.close()
`;

/** Two scenarios against UPPER_SERVER on `port`: the first passes (HELLO comes back), the second fails (expects hello). */
export function upperScenarios(port: string): string {
  return `scenarios:
  - name: upper answers
    connect: tcp 127.0.0.1:${port}
    steps:
      - send: {text: hello}
      - expect: {text: HELLO, timeout: 3s}

  - name: expects lower case
    connect: tcp 127.0.0.1:${port}
    steps:
      - send: {text: hello}
      - expect: {text: hello, timeout: 3s}
`;
}
