# The tutorial's QQ chat client (exercise 3, client.py): sends what its user types, prints the answers.
# Only change: the port may be given as argv[1].
import socket
import sys

ip_port = ('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8005)
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

while True:
    msg = input("老王: ")
    msg = "\033[34m来自老王的消息: %s\033[0m" % msg
    sk.sendto(msg.encode("utf-8"), ip_port)
    data, addr = sk.recvfrom(1024)
    if data == b"bye":
        break
    print(data.decode("utf-8"))

sk.close()
