"""pybench.py — the shared driver of the Python load generators (etcdgen.py, zkgen.py) of the
side-by-side benchmark: the same command line, workloads, samples file and JSON result line as
bench/redisgen.c, so dlm-bench reads them like its C programs.

    GEN --port P --workload roundtrip|local|pipelined|contended --seconds S [--clients C]
        [--depth K] [--samples FILE]

roundtrip: one client, one no-op request per sample (the client library's own round trip).
local: one client, lock then unlock on a new resource each time (one sample per pair).
pipelined: C client processes (one connection each) with K threads each doing lock/unlock pairs
on distinct resources, as the libdlm-c driver does (one sample per pair).
contended: C client processes taking one hot lock in turn (one sample per acquisition: request
to grant). Every client connects first; the measured window opens for all of them together
SETUP_SECONDS after the start. Samples are little-endian u64 nanoseconds. A backend is a class with
`__init__(port)`, `roundtrip()`, `lock(name) -> token`, `unlock(token)` and `close()`.
"""

import json
import os
import struct
import sys
import threading
import time

# Time allowed for every client process to start and connect before the measured window opens.
SETUP_SECONDS = 1.0


def arg(argv, name, default):
    """The value after `name` in argv, or `default`."""
    return argv[argv.index(name) + 1] if name in argv else default


def worker(backend_class, port, workload, tag, threads, start_at, deadline):
    """Connects one client, waits for `start_at`, runs `threads` threads until `deadline`; returns samples."""
    client = backend_class(port)
    time.sleep(max(0.0, start_at - time.monotonic()))
    samples = []
    lock = threading.Lock()

    def run(thread):
        mine = []
        serial = 0
        while time.monotonic() < deadline:
            if workload == "roundtrip":
                start = time.monotonic_ns()
                client.roundtrip()
            elif workload == "contended":
                start = time.monotonic_ns()
                token = client.lock(b"hot")
                mine.append(time.monotonic_ns() - start)
                client.unlock(token)
                continue
            else:
                name = b"%s.%d.%d" % (tag, thread, serial)
                serial += 1
                start = time.monotonic_ns()
                client.unlock(client.lock(name))
            mine.append(time.monotonic_ns() - start)
        with lock:
            samples.extend(mine)

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    client.close()
    return samples


def main(backend_class, driver):
    """Parses the command line, runs the workload, writes samples and prints the result line."""
    argv = sys.argv
    port = int(arg(argv, "--port", "0"))
    workload = arg(argv, "--workload", "local")
    seconds = float(arg(argv, "--seconds", "3"))
    clients = int(arg(argv, "--clients", "1"))
    depth = int(arg(argv, "--depth", "1"))
    path = arg(argv, "--samples", None)
    if workload in ("roundtrip", "local"):
        clients, depth = 1, 1
    if workload == "contended":
        depth = 1
    run_id = b"%x" % int.from_bytes(os.urandom(6), "big")
    # Every client connects first; all start measuring together once the setup allowance is over.
    start_at = time.monotonic() + SETUP_SECONDS
    deadline = start_at + seconds
    samples = []
    if clients == 1:
        samples = worker(backend_class, port, workload, run_id + b".0", depth, start_at, deadline)
    else:
        children = []
        for index in range(clients):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                code = 0
                try:
                    mine = worker(backend_class, port, workload, b"%s.%d" % (run_id, index), depth, start_at, deadline)
                    data = struct.pack("<%dQ" % len(mine), *mine)
                    with os.fdopen(write_end, "wb") as out:
                        out.write(data)
                except BaseException as error:  # report and exit non-zero from the child only
                    print("%s: client %d: %r" % (driver, index, error), file=sys.stderr)
                    code = 1
                os._exit(code)
            os.close(write_end)
            children.append((pid, read_end))
        failed = 0
        for pid, read_end in children:
            with os.fdopen(read_end, "rb") as data:
                raw = data.read()
            samples.extend(struct.unpack("<%dQ" % (len(raw) // 8), raw))
            _, status = os.waitpid(pid, 0)
            failed += status != 0
        if failed:
            print("%s: %d client processes failed" % (driver, failed), file=sys.stderr)
            sys.exit(1)
    # The measured window: from the common start to the end of the last operation.
    elapsed = time.monotonic() - start_at
    if path:
        with open(path, "wb") as out:
            out.write(struct.pack("<%dQ" % len(samples), *samples))
    print(json.dumps({"driver": driver, "workload": workload, "clients": clients, "depth": depth,
                      "ops": len(samples), "seconds": round(elapsed, 4)}))
