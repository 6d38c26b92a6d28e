# The tutorial's UDP server (section 2, server.py). Only change: the port may be given as argv[1]
# (0: the system picks a free one, printed as the first line).
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
sk = socket.socket(type=socket.SOCK_DGRAM)          # DGRAM datagram
sk.bind(('127.0.0.1', port))                        # '127.0.0.1', 8888 -> server端地址
if port == 0:
    print(sk.getsockname()[1])

msg, addr = sk.recvfrom(1024)                       # 接受消息
print(msg.decode("utf-8"))
sk.sendto(b"bye", addr)                             # 发送消息  addr -> client端地址

sk.close()
