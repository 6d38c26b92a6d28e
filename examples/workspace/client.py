# The tutorial's client: two struct.pack('i')-prefixed messages in ONE send, then one length-prefixed reply.
import socket
import struct

sk = socket.socket()
sk.connect(('127.0.0.1', 8888))
msgs = ['hello'.encode('utf-8'), '吃包子啊!'.encode('utf-8')]
sk.send(b''.join(struct.pack('i', len(m)) + m for m in msgs))
head = b''
while len(head) < 4:
    head += sk.recv(4 - len(head))
n = struct.unpack('i', head)[0]
body = b''
while len(body) < n:
    body += sk.recv(n - len(body))
print('reply:', body.decode('utf-8'))
sk.close()
