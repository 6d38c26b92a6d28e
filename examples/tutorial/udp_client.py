# The tutorial's UDP client (section 2, client.py). Only change: the port may be given as argv[1].
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
sk = socket.socket(type=socket.SOCK_DGRAM)          # DGRAM datagram

ip_port = ('127.0.0.1', port)                       # 发送的地址 '127.0.0.1', 8888 -> server端地址

sk.sendto(b"hello", ip_port)                        # 发送消息
ret, addr = sk.recvfrom(1024)                       # 接受消息   addr -> server端地址
print(ret.decode("utf-8"))

sk.close()
