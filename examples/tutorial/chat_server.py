# The tutorial's QQ chat server (exercise 3, server.py): answers each message with a line typed on stdin.
# Only change: the port may be given as argv[1] (0: the system picks a free one, printed as the first line).
import socket
import sys

ip_port = ('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8005)
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.bind(ip_port)
if ip_port[1] == 0:
    print(sk.getsockname()[1])

while True:
    data, addr = sk.recvfrom(1024)  # 接受消息
    if data == b"bye":
        break
    print(data.decode("utf-8"))
    info = input(">>>").encode("utf-8")
    sk.sendto(info, addr)

sk.close()
