"""HTTPS client loop for rotation tests: one new verified TLS connection and one GET per
request, until a stop file appears or a bound is reached. Prints a JSON summary: requests,
failures (a connection, handshake or verification error, or a status >= 400), the serials
of the certificates seen in order, and a few error samples.

Loopback only: the address must be in 127.0.0.0/8.

    python3 tools/load/https_load.py --address 127.0.1.1 --server-name nginx-1 \
        --cafile root.pem --stop-file /tmp/stop --max-requests 20000
"""

import argparse
import ipaddress
import json
import os
import socket
import ssl
import sys
import time


def one_request(context, address, port, server_name, timeout):
    """(status, serial of the served certificate) of one GET / over a new connection."""
    with socket.create_connection((address, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            serial = tls.getpeercert()["serialNumber"]
            tls.sendall(("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % server_name).encode())
            status_line = tls.makefile("rb").readline().decode("latin-1")
    return int(status_line.split()[1]), serial


def run(args):
    context = ssl.create_default_context(cafile=args.cafile)
    summary = {"requests": 0, "failures": 0, "serials": [], "errors": []}
    started = time.monotonic()
    while summary["requests"] < args.max_requests and time.monotonic() - started < args.max_seconds:
        if args.stop_file and os.path.exists(args.stop_file):
            break
        summary["requests"] += 1
        try:
            status, serial = one_request(context, args.address, args.port, args.server_name, args.timeout)
            if serial not in summary["serials"]:
                summary["serials"].append(serial)
            if status >= 400:
                raise RuntimeError("HTTP status %d" % status)
        except (OSError, ValueError, IndexError, RuntimeError) as error:
            summary["failures"] += 1
            if len(summary["errors"]) < 5:
                summary["errors"].append("%s: %s" % (type(error).__name__, error))
        if args.interval:
            time.sleep(args.interval)
    summary["seconds"] = round(time.monotonic() - started, 2)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, default=443)
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--stop-file")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between requests")
    parser.add_argument("--timeout", type=float, default=5)
    args = parser.parse_args()
    if not ipaddress.ip_address(args.address) in ipaddress.ip_network("127.0.0.0/8"):
        sys.exit("https_load: %s is not a loopback address; this tool only targets 127.0.0.0/8" % args.address)
    json.dump(run(args), sys.stdout)
    print()


if __name__ == "__main__":
    main()
