"""The certfleet lab: a fleet of test hosts on one machine, without containers.

Each host is a mount + PID + UTS namespace with overlays over the machine's /etc, /var,
/usr/local, /root, /srv and /opt, and its own sshd on a loopback address 127.0.1.N.
See docs/lab.md.

    lab.py up --name demo --nginx 2 --apache 2 --inventory inventory.yml
    lab.py up --name molecule --host web1:nginx --host web2:apache --json
    lab.py status --name demo
    lab.py down --name demo        (also cleans up after a creator that crashed)
    lab.py down --all
"""

import argparse
import contextlib
import fcntl
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

LAB_ROOT = os.environ.get("CERTFLEET_LAB_ROOT", "/tmp/certfleet-lab")
HOST_INIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host_init.sh")
ADDRESS_POOL = ipaddress.ip_network("127.0.1.0/24")
GROUPS = ("nginx", "apache", "mixed", "plain")
SSH_READY_TIMEOUT = 20.0


class LabError(Exception):
    pass


def lab_dir(name):
    return os.path.join(LAB_ROOT, name)


def read_state(name):
    try:
        with open(os.path.join(lab_dir(name), "state.json")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def write_state(name, state):
    path = os.path.join(lab_dir(name), "state.json")
    with open(path + ".tmp", "w") as handle:
        json.dump(state, handle, indent=2)
    os.replace(path + ".tmp", path)


def existing_labs():
    try:
        return sorted(os.listdir(LAB_ROOT))
    except FileNotFoundError:
        return []


@contextlib.contextmanager
def allocation_lock():
    """Held while a lab takes addresses or removes the lab root: labs started at the same time
    (parallel test workers) never take the same address."""
    os.makedirs(os.path.dirname(LAB_ROOT), exist_ok=True)
    with open(LAB_ROOT + ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def address_in_use(address):
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((address, 22)) == 0


def allocate_addresses(count):
    taken = set()
    for other in existing_labs():
        for host in (read_state(other) or {}).get("hosts", []):
            taken.add(host["address"])
    free = []
    for candidate in ADDRESS_POOL.hosts():
        address = str(candidate)
        if address not in taken and not address_in_use(address):
            free.append(address)
            if len(free) == count:
                return free
    raise LabError("no free loopback address left in %s" % ADDRESS_POOL)


def parse_host_specs(args):
    specs = []
    for spec in args.host or []:
        hostname, group = (spec.split(":", 1) + [""])[:2]
        specs.append((hostname, group or "plain"))
    for group in ("nginx", "apache"):
        for index in range(1, getattr(args, group) + 1):
            specs.append(("%s-%d" % (group, index), group))
    if args.domain:
        specs = [("%s.%s" % (hostname, args.domain), group) for hostname, group in specs]
    for hostname, group in specs:
        if group not in GROUPS:
            raise LabError("host %s: unknown group %r (choose from %s)" % (hostname, group, ", ".join(GROUPS)))
    if not specs:
        raise LabError("no hosts requested: use --nginx N, --apache N or --host NAME:GROUP")
    return specs


def lab_processes(name=None):
    """PIDs of lab namespace launchers, found by their command line (survives a crashed creator)."""
    marker = lab_dir(name) + "/" if name else LAB_ROOT + "/"
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"unshare") and HOST_INIT.encode() in argv and any(
                arg.startswith(marker.encode()) for arg in argv):
            pids.append(int(entry))
    return pids


def is_alive(pid):
    """True while the process runs; a zombie (exited, not yet reaped by its parent) is gone."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def kill_and_wait(pids, timeout=10.0):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(is_alive(pid) for pid in pids):
            return
        time.sleep(0.05)
    raise LabError("lab processes did not exit: %s" % pids)


def down(name):
    # unshare runs with --kill-child: killing it kills the namespace's PID 1, and with it
    # every process of the host (nginx, apache, sshd sessions); its mounts go with the namespace.
    kill_and_wait(lab_processes(name))
    shutil.rmtree(lab_dir(name), ignore_errors=True)
    with allocation_lock():
        if os.path.isdir(LAB_ROOT) and not os.listdir(LAB_ROOT):
            os.rmdir(LAB_ROOT)


def start_host(directory, host):
    host_dir = os.path.join(directory, "hosts", host["name"])
    os.makedirs(host_dir)
    log = open(os.path.join(host_dir, "console.log"), "wb")
    process = subprocess.Popen(
        ["unshare", "--mount", "--pid", "--uts", "--fork", "--kill-child", "--propagation", "private",
         HOST_INIT, host_dir, host["address"], host["name"], host["group"], directory],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    host["pid"] = process.pid
    return process


def wait_for_ssh(hosts, processes):
    deadline = time.monotonic() + SSH_READY_TIMEOUT
    pending = list(zip(hosts, processes))
    while pending:
        still = []
        for host, process in pending:
            if process.poll() is not None:
                raise LabError("host %s exited during start (code %s); see its console.log"
                               % (host["name"], process.returncode))
            if not address_in_use(host["address"]):
                still.append((host, process))
        pending = still
        if pending and time.monotonic() > deadline:
            raise LabError("sshd did not come up on: %s" % ", ".join(host["name"] for host, process in pending))
        if pending:
            time.sleep(0.05)


def write_inventory(path, state):
    groups = {}
    for host in state["hosts"]:
        groups.setdefault(host["group"], {})[host["name"]] = {"ansible_host": host["address"]}
    inventory = {"all": {
        "vars": {
            "ansible_user": "root",
            "ansible_ssh_private_key_file": state["identity_file"],
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            "ansible_python_interpreter": "/usr/bin/python3",
        },
        "children": {group: {"hosts": members} for group, members in sorted(groups.items())},
    }}
    # JSON is valid YAML, and the standard library writes it.
    with open(path, "w") as handle:
        json.dump(inventory, handle, indent=2)
        handle.write("\n")


def up(name, specs, inventory=None):
    down(name)
    directory = lab_dir(name)
    identity = os.path.join(directory, "id_ed25519")
    with allocation_lock():
        os.makedirs(directory, mode=0o700)
        addresses = allocate_addresses(len(specs))
        hosts = [{"name": hostname, "group": group, "address": address}
                 for (hostname, group), address in zip(specs, addresses)]
        state = {"name": name, "identity_file": identity, "hosts": hosts}
        write_state(name, state)  # the addresses are taken from here on
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "certfleet-lab-" + name,
                    "-f", identity], check=True)
    with open(os.path.join(directory, "etc_hosts"), "w") as handle:
        # The name, and its first label as an alias (nginx-1 for nginx-1.demo.internal).
        handle.write("".join(" ".join([h["address"]] + sorted(set([h["name"], h["name"].split(".")[0]]), key=len, reverse=True))
                             + "\n" for h in hosts))
    try:
        processes = [start_host(directory, host) for host in hosts]
        write_state(name, state)  # with the hosts' PIDs
        wait_for_ssh(hosts, processes)
    except Exception:
        down(name)
        raise
    if inventory:
        write_inventory(inventory, state)
        state["inventory"] = os.path.abspath(inventory)
        write_state(name, state)
    return state


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="bring a lab up (replacing one of the same name)")
    up_parser.add_argument("--name", default="demo")
    up_parser.add_argument("--nginx", type=int, default=0, help="hosts named nginx-N running nginx")
    up_parser.add_argument("--apache", type=int, default=0, help="hosts named apache-N running apache2")
    up_parser.add_argument("--host", action="append", metavar="NAME:GROUP",
                           help="a host by name; GROUP is nginx, apache, mixed (both) or plain")
    up_parser.add_argument("--domain", help="DNS domain of the host names (nginx-1.DOMAIN), resolvable on the hosts")
    up_parser.add_argument("--inventory", help="write an Ansible inventory here")
    up_parser.add_argument("--json", action="store_true", help="print the lab state as JSON")
    down_parser = sub.add_parser("down", help="tear a lab down")
    down_parser.add_argument("--name", default="demo")
    down_parser.add_argument("--all", action="store_true", help="every lab on this machine")
    status_parser = sub.add_parser("status", help="print a lab's state as JSON")
    status_parser.add_argument("--name", default="demo")
    args = parser.parse_args(argv)

    if os.geteuid() != 0:
        parser.error("the lab needs root (mount and PID namespaces)")
    try:
        if args.command == "up":
            state = up(args.name, parse_host_specs(args), args.inventory)
            if args.json:
                print(json.dumps(state, indent=2))
            else:
                for host in state["hosts"]:
                    print("%-12s %-7s %s" % (host["name"], host["group"], host["address"]))
        elif args.command == "down":
            for name in existing_labs() if args.all else [args.name]:
                down(name)
            if args.all:
                kill_and_wait(lab_processes())
        else:
            state = read_state(args.name)
            if state is None:
                raise LabError("no lab named %s" % args.name)
            for host in state["hosts"]:
                host["running"] = address_in_use(host["address"])
            print(json.dumps(state, indent=2))
    except LabError as error:
        print("lab: %s" % error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
