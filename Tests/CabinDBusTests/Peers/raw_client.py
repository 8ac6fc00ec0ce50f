"""Speaks the D-Bus wire protocol over a raw socket, to put bytes on the bus that libdbus and
python-dbus refuse to build (a string that is not UTF-8).

usage: raw_client.py ADDRESS DESTINATION PATH INTERFACE
Prints 'dropped' if the bus closes the connection after the bad message, else 'answered'.
"""

import os
import socket
import struct
import sys


def pad(buffer, alignment):
    buffer.extend(b'\0' * (-len(buffer) % alignment))


def string(buffer, data):
    pad(buffer, 4)
    buffer.extend(struct.pack('<I', len(data)) + data + b'\0')


def message(serial, destination, path, interface, member, signature=b'', body=b''):
    fields = bytearray()
    for code, kind, value in [(1, b'o', path), (2, b's', interface), (3, b's', member),
                              (6, b's', destination), (8, b'g', signature)]:
        if code == 8 and not value:
            continue
        pad(fields, 8)
        fields.extend(bytes([code, 1]) + kind + b'\0')
        if kind == b'g':
            fields.extend(bytes([len(value)]) + value + b'\0')
        else:
            string(fields, value)
    header = bytearray(b'l' + bytes([1, 0, 1]) + struct.pack('<III', len(body), serial, len(fields)))
    header.extend(fields)
    pad(header, 8)
    return bytes(header) + body


def main():
    address, destination, path, interface = sys.argv[1:5]
    socket_path = dict(part.split('=', 1) for part in address.split(':', 1)[1].split(','))['path']
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(socket_path)
    connection.sendall(b'\0AUTH EXTERNAL ' + str(os.getuid()).encode().hex().encode() + b'\r\n')
    if not connection.recv(4096).startswith(b'OK'):
        sys.exit('authentication failed')
    connection.sendall(b'BEGIN\r\n')
    connection.sendall(message(1, b'org.freedesktop.DBus', b'/org/freedesktop/DBus', b'org.freedesktop.DBus', b'Hello'))
    connection.recv(4096)
    body = bytearray(b'\x01s\0')
    string(body, b'caf\xc3 \xff\xfe')
    connection.sendall(message(2, destination.encode(), path.encode(), interface.encode(), b'Echo', b'v', bytes(body)))
    # The bus may still be delivering the Hello reply and NameAcquired, so read until it closes
    # the connection or goes quiet; only a closed connection counts as dropped.
    connection.settimeout(5)
    while True:
        try:
            data = connection.recv(4096)
        except socket.timeout:
            print('answered')
            return
        except ConnectionResetError:
            data = b''
        if not data:
            print('dropped')
            return

if __name__ == '__main__':
    main()
