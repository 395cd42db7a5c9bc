#!/usr/bin/python3
"""zkgen.py — the ZooKeeper side of the side-by-side benchmark (python3-kazoo's client, the
ephemeral-sequential lock recipe written here): lock(name) = create /dlmbench/NAME/lock- as an
ephemeral sequential znode (creating the parent on first use), list the parent's children; the
lowest sequence number holds the lock; otherwise set a watch on the next lower one (exists) and
look again once it is deleted. unlock = delete our znode. roundtrip = one exists() of an absent
path. Usage and output: see pybench.py (--port is ZooKeeper's client port on 127.0.0.1)."""

import threading

from kazoo.client import KazooClient

import pybench

TIMEOUT_SECONDS = 60


class ZooKeeperLocks:
    """One client session (one connection)."""

    def __init__(self, port):
        self.client = KazooClient(hosts="127.0.0.1:%d" % port, timeout=TIMEOUT_SECONDS)
        self.client.start(timeout=TIMEOUT_SECONDS)

    def roundtrip(self):
        self.client.exists("/dlmbench-absent")

    def lock(self, name):
        parent = "/dlmbench/" + name.decode()
        path = self.client.create(parent + "/lock-", ephemeral=True, sequence=True, makepath=True)
        mine = path.rsplit("/", 1)[1]
        while True:
            children = sorted(self.client.get_children(parent))
            index = children.index(mine)
            if index == 0:
                return path
            deleted = threading.Event()
            if self.client.exists(parent + "/" + children[index - 1], watch=lambda _event: deleted.set()):
                if not deleted.wait(TIMEOUT_SECONDS):
                    raise TimeoutError("predecessor lock not released")

    def unlock(self, path):
        self.client.delete(path)

    def close(self):
        self.client.stop()
        self.client.close()


if __name__ == "__main__":
    pybench.main(ZooKeeperLocks, "zk-py")
