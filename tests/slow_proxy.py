#!/usr/bin/env python3
"""slow_proxy.py PORT UPSTREAM_PORT RATE - a registry on a slow line.

A TCP relay from 127.0.0.1:PORT to 127.0.0.1:UPSTREAM_PORT that passes
the upstream's answers on at RATE bytes per second (requests go through at
once), so that test_pull.c can interrupt a pull while a blob is still
arriving. Bytes only: TLS, HTTP and the registry are the real ones.
"""
import socket, sys, threading, time

PORT, UPSTREAM, RATE = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
CHUNK = 4096


def pump(src, dst, rate):
    """src to dst until either end closes, then close both."""
    try:
        while data := src.recv(CHUNK):
            dst.sendall(data)
            if rate:
                time.sleep(len(data) / rate)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


listener = socket.create_server(("127.0.0.1", PORT))
while True:
    client, _ = listener.accept()
    upstream = socket.create_connection(("127.0.0.1", UPSTREAM))
    threading.Thread(target=pump, args=(client, upstream, 0), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, RATE), daemon=True).start()
