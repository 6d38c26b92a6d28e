# The tutorial's server: reads struct.pack('i')-prefixed messages and answers each with its upper-case copy.
import socket
import struct

sk = socket.socket()
sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sk.bind(('127.0.0.1', 8888))
sk.listen(5)
print('listening on 127.0.0.1:8888')
while True:
    conn, addr = sk.accept()
    print('client', addr)
    while True:
        head = conn.recv(4)
        if len(head) < 4:
            break
        n = struct.unpack('i', head)[0]
        body = b''
        while len(body) < n:
            chunk = conn.recv(n - len(body))
            if not chunk:
                break
            body += chunk
        msg = body.decode('utf-8').upper().encode('utf-8')
        conn.send(struct.pack('i', len(msg)) + msg)
    conn.close()
