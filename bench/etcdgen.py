#!/usr/bin/python3
"""etcdgen.py — the etcd side of the side-by-side benchmark (python3-etcd3's gRPC stubs; its own
Lock fails on a held lock with Debian's tenacity, so this is the etcd v3 lock recipe written here):
one lease per client session; lock(name) = one Txn: if create_revision(prefix/lease) == 0 then put
it with the lease, and in the same Txn read the prefix's oldest key by create revision (the owner);
if that is not ours, find the newest key created before ours and watch it until it is deleted,
then look again. unlock = DeleteRange of our key. roundtrip = one Range of an absent key.
Usage and output: see pybench.py (--port is etcd's client port on 127.0.0.1)."""

import threading

import etcd3
from etcd3 import etcdrpc

import pybench

TIMEOUT_SECONDS = 60
LEASE_TTL_SECONDS = 120


def prefix_end(prefix):
    """The end of the key range holding every key that starts with `prefix`."""
    return prefix[:-1] + bytes([prefix[-1] + 1])


class EtcdLocks:
    """One client session: a gRPC channel and a lease."""

    def __init__(self, port):
        self.client = etcd3.client("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
        self.kv = self.client.kvstub
        self.lease = self.client.lease(LEASE_TTL_SECONDS).id

    def roundtrip(self):
        self.kv.Range(etcdrpc.RangeRequest(key=b"/dlmbench-absent"), TIMEOUT_SECONDS)

    def lock(self, name):
        prefix = b"/dlmbench/" + name + b"/"
        key = prefix + b"%x" % self.lease
        owner = etcdrpc.RequestOp(request_range=etcdrpc.RangeRequest(
            key=prefix, range_end=prefix_end(prefix), sort_order=etcdrpc.RangeRequest.ASCEND,
            sort_target=etcdrpc.RangeRequest.CREATE, limit=1))
        txn = etcdrpc.TxnRequest(
            compare=[etcdrpc.Compare(result=etcdrpc.Compare.EQUAL, target=etcdrpc.Compare.CREATE,
                                     key=key, create_revision=0)],
            success=[etcdrpc.RequestOp(request_put=etcdrpc.PutRequest(key=key, value=b"", lease=self.lease)), owner],
            failure=[etcdrpc.RequestOp(request_range=etcdrpc.RangeRequest(key=key)), owner])
        reply = self.kv.Txn(txn, TIMEOUT_SECONDS)
        if reply.succeeded:
            revision = reply.header.revision
        else:
            revision = reply.responses[0].response_range.kvs[0].create_revision
        owners = reply.responses[1].response_range.kvs
        if owners and owners[0].create_revision == revision:
            return key
        self.wait_for_predecessors(prefix, revision)
        return key

    def wait_for_predecessors(self, prefix, revision):
        """Until no key of `prefix` was created before `revision`: watch the newest such key's delete."""
        while True:
            older = self.kv.Range(etcdrpc.RangeRequest(
                key=prefix, range_end=prefix_end(prefix), sort_order=etcdrpc.RangeRequest.DESCEND,
                sort_target=etcdrpc.RangeRequest.CREATE, limit=1, max_create_revision=revision - 1),
                TIMEOUT_SECONDS)
            if not older.kvs:
                return
            # Events from the Range's revision on: a delete after it cannot be missed.
            self.client.watch_once(older.kvs[0].key, timeout=TIMEOUT_SECONDS, start_revision=older.header.revision)

    def unlock(self, key):
        self.kv.DeleteRange(etcdrpc.DeleteRangeRequest(key=key), TIMEOUT_SECONDS)

    def close(self):
        self.client.revoke_lease(self.lease)
        # python3-etcd3 0.12's watch thread fails once the channel closes; that failure is expected.
        default_hook = threading.excepthook
        threading.excepthook = lambda hooked: None if hooked.thread.name.startswith("etcd3_watch") else default_hook(hooked)
        self.client.close()


if __name__ == "__main__":
    pybench.main(EtcdLocks, "etcd-py")
