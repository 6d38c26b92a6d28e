# The tutorial's UDP time client (exercise 2, client.py): sends the format its user types, prints the answer.
# Only change: the port may be given as argv[1].
import socket
import sys

ip_port = ('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8888)
udp_client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

while True:
    msg = input('请输入时间格式(例%Y %m %d)>>: ').strip()    # 输入信息
    udp_client.sendto(msg.encode('utf-8'), ip_port)          # 发送信息

    data = udp_client.recv(1024)                             # 接受消息
    print(data.decode("utf-8"))


udp_client.close()
