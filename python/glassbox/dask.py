"""Sharded Glassbox collections on Dask distributed (see docs/sharding.md).

    from dask.distributed import Client, LocalCluster
    from glassbox.dask import ShardedCollection

    client = Client(LocalCluster(n_workers=2, processes=True, threads_per_worker=1))
    sc = ShardedCollection.create(client, "/data/kb", shards=4, embedder="none")
    sc.add([{"id": "a", "title": "Leave", "text": "Annual leave is 25 days."}])
    sc.ingest(["docs/"])            # parsed on the workers, chunks routed by id
    sc.commit()                     # every shard commits, then coordinator.json
    r = sc.search("annual leave", k=10)   # same ids and scores as one collection

Each shard is a glassbox.Collection in `<prefix>/shard-<i>`, held by a Dask
actor pinned to one worker. A document lives on shard
`zlib.crc32(id.encode("utf-8")) % shards` (see shard_of). Searches run in two
phases: every shard reports its statistics for the query's terms
(Collection.query_statistics), the coordinator sums them, and every shard
searches with the sum (statistics=), so BM25 scores are those of one
collection holding all the documents. The coordinator merges the shards' top
k by (score descending, id ascending).
"""

import json
import os
import struct
import threading
import time
import uuid
import zlib

import glassbox

__all__ = ["ShardedCollection", "ShardActor", "ShardUnavailable", "shard_of", "merge_statistics", "make_server", "main"]

COORDINATOR_FILE = "coordinator.json"
FORMAT = 1


def shard_of(doc_id, shards):
    """The shard that owns a document: CRC-32 (zlib) of the UTF-8 id, modulo the shard count."""
    return zlib.crc32(doc_id.encode("utf-8")) % shards


def merge_statistics(parts):
    """Sums shards' query_statistics dicts (their documents are disjoint)."""
    out = {"doc_count": 0, "field_tokens": {}, "doc_freq": {}}
    for p in parts:
        out["doc_count"] += p["doc_count"]
        for key in ("field_tokens", "doc_freq"):
            table = out[key]
            for name, n in p[key].items():
                table[name] = table.get(name, 0) + n
    return out


def _f32(x):
    """x rounded to float32, as the engine's top-k compares scores."""
    return struct.unpack("f", struct.pack("f", x))[0]


class ShardUnavailable(glassbox.Error):
    """A shard's worker could not be reached (it died, or the call timed out).

    Attributes: shards (the missing shard numbers), workers (their addresses)."""

    def __init__(self, message, shards=(), workers=()):
        super().__init__(message)
        self.shards = list(shards)
        self.workers = list(workers)
        self.code = "unavailable"


class _Lost(Exception):
    """A replica that could not answer (internal)."""


class ShardActor:
    """One shard: a glassbox.Collection on the worker that holds this actor.

    Methods take and return plain Python objects (they travel between
    processes)."""

    def __init__(self, path, index, create, options):
        self.index = index
        self.path = path
        if create:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            self.c = glassbox.Collection.create(path, **options)
        else:
            self.c = glassbox.Collection.open(path)

    def pid(self):
        return os.getpid()

    def add(self, docs):
        for d in docs:
            self.c.add(d["id"], text=d.get("text"), title=d.get("title"), fields=d.get("fields"),
                       metadata=d.get("metadata"))
        return len(docs)

    def apply(self, docs, replace_chunks_of):
        """Adds docs and deletes this shard's earlier chunks of the named source
        documents that docs do not write again, in one batch (re-ingest)."""
        return self.c.apply(docs, replace_chunks_of=replace_chunks_of)

    def delete(self, ids):
        n = 0
        for i in ids:
            try:
                self.c.delete(i)
                n += 1
            except glassbox.NotFound:
                pass
        return n

    def commit(self):
        self.c.commit()
        return self.c.stats()["generation"]

    def merge(self, max_segments):
        self.c.merge(max_segments)
        return True

    def stats(self):
        return self.c.stats()

    def query_statistics(self, query, options):
        return self.c.query_statistics(query, **options)

    def search(self, query, k, options):
        return self.c.search(query, k, **options)

    def hybrid_rows(self, query, n, options, token=None):
        """Phases 1 and 2 of a sharded hybrid search on this shard: each retriever's
        own top n (weights 1/0 and 0/1, so each list is one retriever's and every
        row is scored by both). Returns {"bm25": rows, "vector": rows}, a row being
        [id, bm25 raw, vector raw] (a list is [] for a retriever of weight 0);
        the full hits stay here for hybrid_hits(token, ids)."""
        options = dict(options)
        weights = options.pop("weights")
        options.pop("explain", None)
        # Every listed row comes back: the coordinator applies the similarity
        # floor after ranking, as one node does (a dropped row keeps its place).
        options["min_similarity"] = -1.0
        out = {}
        hits = {}
        for r, name in enumerate(("bm25", "vector")):
            if weights[r] <= 0:
                out[name] = []
                continue
            one = (1.0, 0.0) if r == 0 else (0.0, 1.0)
            listed = self.c.search(query, n, mode="hybrid", fusion="minmax", weights=one, candidates=n,
                                   explain=True, **options)["hits"]
            out[name] = [[h["id"], h["retrievers"][0]["raw"], h["retrievers"][1]["raw"]] for h in listed]
            for h in listed:
                hits.setdefault(h["id"], h)
        if token is not None:
            cache = self.__dict__.setdefault("_hybrid_cache", {})
            cache[token] = hits
            while len(cache) > 64:  # the oldest searches' hits
                del cache[next(iter(cache))]
        return out

    def hybrid_hits(self, token, ids, query, n, options):
        """The hits (fields, snippet, explanation) of rows hybrid_rows(token) listed;
        computed again if that search's hits were evicted."""
        hits = getattr(self, "_hybrid_cache", {}).pop(token, None)
        if hits is None or any(i not in hits for i in ids):
            self.hybrid_rows(query, n, options, token)
            hits = self._hybrid_cache.pop(token)
        return [hits[i] for i in ids]

    def why_not(self, query, doc_id, k, options):
        return self.c.why_not(query, doc_id, k, **options)

    def get(self, doc_id, options):
        return self.c.get(doc_id, **options)

    def close(self):
        self.c.close()
        return True


def _read_files_task(paths, options):
    """Runs on a worker: parses files into chunks (the engine's readers and chunker)."""
    r = glassbox.read_files(paths, **options)
    return r


class _RWLock:
    """Searches share it; commit() takes it alone (a search of this coordinator never sees half a commit)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    def read(self):
        lock = self

        class _Ctx:
            def __enter__(self):
                with lock._cond:
                    while lock._writer:
                        lock._cond.wait()
                    lock._readers += 1

            def __exit__(self, *a):
                with lock._cond:
                    lock._readers -= 1
                    lock._cond.notify_all()

        return _Ctx()

    def write(self):
        lock = self

        class _Ctx:
            def __enter__(self):
                with lock._cond:
                    while lock._writer or lock._readers:
                        lock._cond.wait()
                    lock._writer = True

            def __exit__(self, *a):
                with lock._cond:
                    lock._writer = False
                    lock._cond.notify_all()

        return _Ctx()


# Search options a shard's search takes as they are; the coordinator handles
# k, offset, mode, statistics and the principal itself.
_PASSED_OPTIONS = {"explain", "plain", "algorithm", "snippet", "snippet_chars", "highlight_open",
                   "highlight_close", "explain_words", "ef_search", "time_budget", "candidates",
                   "min_similarity"}
_FUSIONS = ("minmax", "rrf", "zscore")
# The engine's prior fusion (index/manifest.h, kPriorVectorWeight): the sharded default.
DEFAULT_FUSION = ("minmax", (0.85, 0.15))


class ShardedCollection:
    """S glassbox collections on the workers of a Dask client, searched as one.

    With replication R > 1, every shard has R copies (replica 0 in
    `shard-<i>`, replica r in `shard-<i>-replica-<r>`) on R different workers:
    writes go to every replica, a read to one, and to the next when it fails."""

    def __init__(self, client, prefix, meta, actors, futures, workers):
        self.client = client
        self.prefix = prefix
        self._meta = meta
        self._actors = actors      # [shard][replica] -> Actor (None when closed)
        self._futures = futures    # [shard][replica] -> the actor's dask Future
        self._workers = workers    # [shard][replica] -> worker address
        self._lock = _RWLock()
        self.timeout = 60.0

    # ------------------------------------------------------------ lifecycle

    @property
    def shards(self):
        return self._meta["shards"]

    @property
    def replication(self):
        return self._meta.get("replication", 1)

    @property
    def generation(self):
        """The coordinator generation searches answer from (see commit())."""
        return self._meta["generation"]

    @property
    def workers(self):
        """The worker address holding each shard (replica 0)."""
        return [w[0] for w in self._workers]

    @property
    def replica_workers(self):
        """The worker addresses holding each shard's replicas."""
        return [list(w) for w in self._workers]

    def _path(self, i, r):
        return os.path.join(self.prefix, "shard-%d" % i if r == 0 else "shard-%d-replica-%d" % (i, r))

    @staticmethod
    def _alive_workers(client):
        alive = sorted(client.scheduler_info()["workers"])
        if not alive:
            raise glassbox.Error("the Dask client has no workers")
        return alive

    def _submit(self, i, r, worker, create, options):
        return self.client.submit(ShardActor, self._path(i, r), i, create, options, actor=True, workers=[worker],
                                  allow_other_workers=False, pure=False)

    @classmethod
    def _start(cls, client, prefix, meta, create, options, preferred=None):
        alive = cls._alive_workers(client)
        S, R = meta["shards"], meta.get("replication", 1)
        if R > len(alive):
            raise glassbox.InvalidArgument("replication %d needs at least %d workers; the client has %d" %
                                           (R, R, len(alive)))
        workers = []
        for i in range(S):
            row = []
            for r in range(R):
                w = None
                if preferred and i < len(preferred) and isinstance(preferred[i], list) and r < len(preferred[i]):
                    w = preferred[i][r] if preferred[i][r] in alive and preferred[i][r] not in row else None
                if w is None:
                    w = next(alive[(i + r + n) % len(alive)] for n in range(len(alive))
                             if alive[(i + r + n) % len(alive)] not in row)
                row.append(w)
            workers.append(row)
        sc = cls(client, prefix, meta, [[None] * R for _ in range(S)], [[None] * R for _ in range(S)], workers)
        for i in range(S):
            for r in range(R):
                sc._futures[i][r] = sc._submit(i, r, workers[i][r], create, options)
        errors = []
        for i in range(S):
            for r in range(R):
                try:
                    sc._actors[i][r] = sc._futures[i][r].result()
                except glassbox.Error as e:
                    errors.append("shard %d replica %d (%s): %s" % (i, r, workers[i][r], e))
        if errors:
            sc._close_actors()
            raise glassbox.Error("cannot %s the sharded collection %s: %s" %
                                 ("create" if create else "open", prefix, "; ".join(errors)))
        return sc

    @classmethod
    def create(cls, client, path_prefix, shards=2, replication=1, fusion=None, weights=None, **options):
        """Creates `shards` collections `<path_prefix>/shard-<i>` (options as glassbox.Collection.create),
        each with `replication` copies on different workers.

        The embedder defaults to "static-frozen" (the built-in word vectors with
        fixed word weights: a text's vector depends on the text alone, so every
        shard embeds as one node would); "static" is accepted but then vector and
        hybrid search are refused. fusion= / weights=: the hybrid fusion searches
        use unless they name their own (default minmax 0.85/0.15, the engine's
        prior)."""
        options.setdefault("embedder", "static-frozen")
        if shards < 1:
            raise glassbox.InvalidArgument("shards must be at least 1")
        if replication < 1:
            raise glassbox.InvalidArgument("replication must be at least 1")
        coord = os.path.join(path_prefix, COORDINATOR_FILE)
        if os.path.exists(coord):
            raise glassbox.AlreadyExists("a sharded collection exists at %s" % path_prefix)
        os.makedirs(path_prefix, exist_ok=True)
        meta = {"format": FORMAT, "shards": shards, "replication": replication, "hash": "crc32(utf-8 id) % shards",
                "generation": 0, "shard_generations": [0] * shards, "options": options}
        if fusion is not None or weights is not None:
            meta["fusion"] = {"method": fusion or DEFAULT_FUSION[0],
                              "weights": list(weights if weights is not None else DEFAULT_FUSION[1])}
            cls._check_fusion(meta["fusion"]["method"], meta["fusion"]["weights"])
        sc = cls._start(client, path_prefix, meta, True, options)

        sc._meta["workers"] = sc._workers
        sc._write_meta()
        return sc

    @classmethod
    def open(cls, client, path_prefix):
        """Opens a sharded collection (each replica on the worker that held it, if that worker is alive)."""
        coord = os.path.join(path_prefix, COORDINATOR_FILE)
        try:
            with open(coord, encoding="utf-8") as f:
                meta = json.load(f)
        except FileNotFoundError:
            raise glassbox.NotFound("no sharded collection at %s (no %s)" % (path_prefix, COORDINATOR_FILE))
        return cls._start(client, path_prefix, meta, False, {}, preferred=meta.get("workers"))

    def close(self):
        """Closes every shard (their locks and files); the actors are released."""
        self._close_actors()

    def _close_actors(self):
        for i, row in enumerate(self._actors):
            for r, a in enumerate(row):
                if a is not None and self._alive(i, r):
                    try:
                        a.close().result(timeout=self.timeout)
                    except Exception:  # a dead worker holds nothing any more
                        pass
                row[r] = None
        for row in self._futures:
            for f in row:
                if f is not None:
                    f.release()

    def drop(self):
        """Closes the shards and deletes every shard directory and the coordinator record."""
        self._close_actors()
        import shutil
        for i in range(self.shards):
            for r in range(self.replication):
                shutil.rmtree(self._path(i, r), ignore_errors=True)
        try:
            os.remove(os.path.join(self.prefix, COORDINATOR_FILE))
        except FileNotFoundError:
            pass
        try:
            os.rmdir(self.prefix)
        except OSError:
            pass

    def merge(self, max_segments=1):
        """Merges every shard's segments (drops deleted and replaced versions, which
        count in document frequencies until then, on one node as here)."""
        with self._lock.write():
            self._call(range(self.shards), "merge", lambda i: (max_segments,), write=True)

    def recover(self):
        """Reopens, from disk, every replica whose worker is gone, on a live worker
        (not one holding another replica of the same shard, when possible; the
        directories must be reachable there: a shared disk, or the restarted
        worker's own). Each replays its write-ahead log, so acknowledged additions
        survive. Returns the (shard, replica) pairs reopened."""
        dead = [(i, r) for i in range(self.shards) for r in range(self.replication) if not self._alive(i, r)]
        if not dead:
            return []
        with self._lock.write():
            alive = self._alive_workers(self.client)
            for n, (i, r) in enumerate(dead):
                if self._futures[i][r] is not None:
                    self._futures[i][r].release()
                others = {self._workers[i][x] for x in range(self.replication) if x != r}
                choices = [w for w in alive if w not in others] or alive
                w = choices[(i + r + n) % len(choices)]
                f = self._submit(i, r, w, False, {})
                self._futures[i][r] = f
                self._actors[i][r] = f.result(timeout=self.timeout)
                self._workers[i][r] = w
            self._meta["workers"] = self._workers
            self._write_meta()
        return dead

    # ------------------------------------------------------------ calls to shards

    def _alive(self, i, r=0):
        f = self._futures[i][r]
        return self._actors[i][r] is not None and f is not None and f.status == "finished"

    def _wait(self, i, r, fut):
        """The result of one call, or raises _Lost(reason)."""
        deadline = time.monotonic() + self.timeout
        # Wake every quarter second to notice a worker the scheduler has
        # declared lost (a call to a dead worker may otherwise wait the whole timeout).
        while True:
            try:
                return fut.result(timeout=0.25)
            except glassbox.Error:
                raise
            except TimeoutError:
                if not self._alive(i, r):
                    raise _Lost("its worker %s was lost during the call" % self._workers[i][r])
                if time.monotonic() > deadline:
                    raise _Lost("no answer from %s within %.0f s" % (self._workers[i][r], self.timeout))
            except Exception as e:  # OSError, CommClosedError: the worker went away
                raise _Lost("%s on %s: %s" % (type(e).__name__, self._workers[i][r], e))

    def _call(self, shards, method, args_of, allow_partial=False, write=False):
        """Calls `method` on each shard, in parallel; returns ({shard: result}, [missing shards]).

        A read goes to one replica, and to the next when that one fails; a
        write (write=True) to every replica, and fails for the shard unless all
        are there (replicas stay identical; a failed write can be retried, add
        replaces and delete ignores what is gone). An engine error
        (glassbox.Error) from a shard is raised as it is; a shard that cannot
        answer raises ShardUnavailable naming it, unless allow_partial (then it
        is listed as missing)."""
        R = self.replication
        missing = {}
        pending = []  # (shard, replica, future)
        for i in shards:
            if write:
                dead = [r for r in range(R) if not self._alive(i, r)]
                if dead:
                    missing[i] = "replica(s) %s on %s gone; writes need every replica (recover() first)" % (
                        dead, ", ".join(self._workers[i][r] for r in dead))
                    continue
                replicas = range(R)
            else:
                live = [r for r in range(R) if self._alive(i, r)]
                if not live:
                    missing[i] = "its worker(s) %s are gone" % ", ".join(self._workers[i])
                    continue
                replicas = live[:1]
            for r in replicas:
                try:
                    pending.append((i, r, getattr(self._actors[i][r], method)(*args_of(i))))
                except Exception as e:  # the actor's worker was lost
                    missing[i] = "%s: %s" % (type(e).__name__, e)
        results = {}
        tried = {i: {r} for i, r, _ in pending}
        while pending:
            i, r, fut = pending.pop(0)
            try:
                value = self._wait(i, r, fut)
                if i not in missing:
                    results.setdefault(i, value)
            except _Lost as lost:
                retry = None
                if not write:
                    retry = next((x for x in range(R) if x not in tried[i] and self._alive(i, x)), None)
                if retry is None:
                    missing[i] = str(lost)
                    results.pop(i, None)
                else:
                    tried[i].add(retry)
                    try:
                        pending.append((i, retry, getattr(self._actors[i][retry], method)(*args_of(i))))
                    except Exception as e:
                        missing[i] = "%s; %s: %s" % (lost, type(e).__name__, e)
        if missing and not allow_partial:
            names = ", ".join("shard %d on %s (%s)" % (i, ", ".join(self._workers[i]), missing[i])
                              for i in sorted(missing))
            raise ShardUnavailable("%s: %s; no results returned (allow_partial=True returns the other shards' "
                                   "hits, marked partial)" % (method, names), sorted(missing),
                                   [self._workers[i][0] for i in sorted(missing)])
        return results, sorted(missing)

    def _all(self, method, *args, allow_partial=False, write=False):
        return self._call(range(self.shards), method, lambda i: args, allow_partial, write)

    # ------------------------------------------------------------ writes

    def add(self, documents):
        """Adds documents (dicts with id and text/title/fields/metadata, as Collection.add takes),
        each to the shard that owns its id. Visible to search after commit()."""
        batches = [[] for _ in range(self.shards)]
        for d in documents:
            if not isinstance(d, dict) or not isinstance(d.get("id"), str):
                raise glassbox.InvalidArgument("documents are dicts with a str 'id'")
            batches[shard_of(d["id"], self.shards)].append(d)
        todo = [i for i in range(self.shards) if batches[i]]
        results, _ = self._call(todo, "add", lambda i: (batches[i],), write=True)
        return sum(results.values())

    def delete(self, ids):
        """Deletes documents by id (hidden at once on their shard); returns how many existed."""
        batches = [[] for _ in range(self.shards)]
        for i in ids:
            batches[shard_of(i, self.shards)].append(i)
        todo = [i for i in range(self.shards) if batches[i]]
        results, _ = self._call(todo, "delete", lambda i: (batches[i],), write=True)
        return sum(results.values())

    def ingest(self, paths, **options):
        """Parses files on the workers (the engine's readers and chunker: options as
        Collection.ingest takes, except progress) and routes each chunk by its id.
        Does not commit. Returns {files_seen, files_ok, files_failed, files_skipped,
        documents, chunks, errors, seconds}."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [os.fspath(p) for p in paths]
        files = []
        for p in paths:
            if os.path.isdir(p):
                for root, _, names in os.walk(p):
                    # A walked "<file>.schema.json" describes a table (docs/tables.md), as in Collection.ingest.
                    files.extend(os.path.join(root, n) for n in sorted(names) if not n.endswith(".schema.json"))
            else:
                files.append(p)
        start = time.monotonic()
        workers = sorted(self.client.scheduler_info()["workers"])
        groups = [files[i::len(workers)] for i in range(len(workers))]
        futs = [self.client.submit(_read_files_task, g, options, workers=[w], pure=False)
                for g, w in zip(groups, workers) if g]
        report = {"files_seen": 0, "files_ok": 0, "files_failed": 0, "files_skipped": 0, "documents": 0,
                  "chunks": 0, "errors": []}
        for f in futs:
            r = f.result()
            for key in ("files_seen", "files_ok", "files_failed", "files_skipped", "documents", "chunks"):
                report[key] += r[key]
            report["errors"].extend(r["errors"])
            self._apply_chunks(r["chunks_read"])
            f.release()
        report["seconds"] = time.monotonic() - start
        return report

    def _apply_chunks(self, chunks):
        """Routes ingested chunks by id, and has every shard delete its earlier chunks
        of the same source documents (metadata doc_id) that this ingest does not write
        again: a re-ingested file that now yields fewer chunks leaves none behind on
        any shard, as one collection's ingest (WriteBatch::replace_chunks_of)."""
        def last(v):
            return v[-1] if isinstance(v, list) else v
        sources = set()
        batches = [[] for _ in range(self.shards)]
        for d in chunks:
            doc_id = (d.get("metadata") or {}).get("doc_id")
            sources.add(last(doc_id) if doc_id is not None else d["id"])
            batches[shard_of(d["id"], self.shards)].append(d)
        sources = sorted(sources)
        if not sources:
            return 0
        results, _ = self._call(range(self.shards), "apply", lambda i: (batches[i], sources), write=True)
        return sum(results.values())

    def commit(self):
        """Two-phase commit: every shard commits (its own atomic manifest), then
        the coordinator records generation N+1 in coordinator.json (write, fsync,
        rename). Returns the new generation. If a shard fails, the record stays
        at N and the error is raised (shards that did commit show their new
        documents; commit again once the shard is back)."""
        with self._lock.write():
            results, _ = self._all("commit", write=True)
            self._meta["generation"] += 1
            self._meta["shard_generations"] = [results[i] for i in range(self.shards)]
            self._meta["workers"] = self._workers
            self._write_meta()
            return self._meta["generation"]

    def _write_meta(self):
        path = os.path.join(self.prefix, COORDINATOR_FILE)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self._meta, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dfd = os.open(self.prefix, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    # ------------------------------------------------------------ reads

    def stats(self):
        """Per-shard stats and totals: {documents, shards: [...], generation}."""
        with self._lock.read():
            results, _ = self._all("stats")
        per = [results[i] for i in range(self.shards)]
        return {"documents": sum(s["documents"] for s in per), "buffered": sum(s["buffered"] for s in per),
                "generation": self.generation, "shards": per}

    @staticmethod
    def _principal(user, groups):
        out = {}
        if user is not None:
            out["user"] = user
        if groups is not None:
            out["groups"] = groups
        return out

    def query_statistics(self, query, *, plain=False, user=None, groups=None, allow_partial=False):
        """Phase 1: the sum of every shard's statistics for the query's terms."""
        opts = dict(plain=plain, **self._principal(user, groups))
        results, missing = self._all("query_statistics", query, opts, allow_partial=allow_partial)
        return merge_statistics(results[i] for i in sorted(results)), missing

    def _embedder(self):
        return self._meta.get("options", {}).get("embedder", "static")

    def _fusion(self, fusion, weights):
        """The fusion method and (bm25, vector) weights of a hybrid search: those
        given, else the coordinator's (create(fusion=, weights=)), else the
        engine's uncalibrated default. Never a shard's calibration (each shard
        calibrates on its own documents)."""
        rec = self._meta.get("fusion") or {}
        method = fusion or rec.get("method") or DEFAULT_FUSION[0]
        w = weights if weights is not None else rec.get("weights") or DEFAULT_FUSION[1]
        self._check_fusion(method, w)
        return method, (float(w[0]), float(w[1]))

    @staticmethod
    def _check_fusion(method, w):
        if method not in _FUSIONS:
            raise glassbox.InvalidArgument("unknown fusion '%s' (%s)" % (method, ", ".join(_FUSIONS)))
        if len(w) != 2 or any(not isinstance(x, (int, float)) or x < 0 for x in w):
            raise glassbox.InvalidArgument("weights are (bm25, vector), two non-negative numbers")

    def search(self, query, k=10, offset=0, *, mode="auto", user=None, groups=None, allow_partial=False,
               fusion=None, weights=None, rrf_k=60.0, **options):
        """Searches every shard and merges: the same hits and scores as one collection
        holding all the documents (ties: smaller id first).

        mode: "bm25", "vector", "hybrid" or "auto" (hybrid when the collection has
        an embedder). BM25 scores under global statistics; vector hits merged by
        cosine; hybrid fused once, here, over the global candidate lists (see
        docs/sharding.md). fusion= / weights= / rrf_k= as Collection.search
        (default: the coordinator's fusion). Other options as Collection.search
        (explain, plain, algorithm, snippet, candidates, ef_search, ...). Returns
        Collection.search's dict plus "partial" (bool), "missing_shards" (list)
        and "generation"; each hit has its "shard"."""
        return self._search(query, k, offset, mode, user, groups, allow_partial, fusion, weights, rrf_k,
                            options)[0]

    def _resolve_mode(self, mode):
        """The mode a search runs in ("auto": hybrid when the collection has an embedder);
        vector and hybrid need an embedder that embeds each text on its own."""
        embedder = self._embedder()
        if mode == "auto":
            mode = "bm25" if embedder == "none" else "hybrid"
        if mode not in ("bm25", "vector", "hybrid"):
            raise glassbox.InvalidArgument("unknown mode '%s' (auto, bm25, vector, hybrid)" % mode)
        if mode != "bm25" and embedder == "none":
            raise glassbox.InvalidArgument("%s search needs an embedder; the collection has none" % mode)
        if mode != "bm25" and embedder == "static":
            raise glassbox.Unsupported(
                "sharded %s search needs an embedder that embeds each text on its own (static-frozen, gguf:, "
                "http:); the collection's is 'static', which weighs words by the collection's own frequencies "
                "and removes its common component, so shards would embed differently from one node "
                "(docs/sharding.md)" % mode)
        return mode

    def _search(self, query, k, offset, mode, user, groups, allow_partial, fusion, weights, rrf_k, options):
        start = time.monotonic()
        mode = self._resolve_mode(mode)
        for name in options:
            if name not in _PASSED_OPTIONS:
                raise glassbox.Unsupported("sharded search does not take the option '%s' (docs/sharding.md)" % name)
        if mode == "hybrid":
            method, w = self._fusion(fusion, weights)
        elif fusion is not None or weights is not None:
            raise glassbox.InvalidArgument("fusion= and weights= are for hybrid search")
        principal = self._principal(user, groups)
        want = k + offset
        explain = options.get("explain", False)
        with self._lock.read():
            stats, missing = self.query_statistics(query, plain=options.get("plain", False),
                                                   allow_partial=allow_partial, **principal)
            shard_opts = dict(options, statistics=stats, **principal)
            live = [i for i in range(self.shards) if i not in missing]
            if mode == "hybrid":
                n = max(want, options.get("candidates", 100))
                shard_opts.pop("candidates", None)
                shard_opts["weights"] = w
                floor = shard_opts.pop("min_similarity", None)
                if floor is None:
                    floor = self._meta.get("options", {}).get("min_similarity", -1.0)
                if not explain:
                    shard_opts["explain_words"] = False
                token = uuid.uuid4().hex
                results, missing2 = self._call(live, "hybrid_rows", lambda i: (query, n, shard_opts, token),
                                               allow_partial)
            else:
                shard_opts["mode"] = mode
                results, missing2 = self._call(live, "search", lambda i: (query, want, shard_opts), allow_partial)
        missing = sorted(set(missing) | set(missing2))
        out = {"total_exact": False, "mode": mode, "fusion": "", "partial": bool(missing), "missing_shards": missing,
               "generation": self.generation}
        if mode == "hybrid":
            rows, total, out["fusion"] = self._fuse(results, n, method, w, rrf_k, want, floor)
            # The hits themselves (fields, snippet, explanation) from their shards, for the final page only.
            page = rows[offset:want]
            by_shard = {}
            for row in page:
                by_shard.setdefault(row["shard"], []).append(row["id"])
            with self._lock.read():
                payload, lost = self._call(sorted(by_shard), "hybrid_hits",
                                           lambda i: (token, by_shard[i], query, n, shard_opts), allow_partial)
            full = {h["id"]: h for i in payload for h in payload[i]}
            hits = [None] * offset
            for row in page:
                h = full.get(row["id"])
                if h is None:
                    continue  # its shard was lost since (allow_partial)
                h["shard"], h["score"] = row["shard"], row["score"]
                if explain:
                    h["retrievers"] = row["retrievers"]
                else:
                    h["retrievers"], h["explanation"], h["similar_words"] = [], None, []
                hits.append(h)
            missing = sorted(set(missing) | set(lost))
            out["partial"], out["missing_shards"] = bool(missing), missing
        else:
            hits = []
            total = 0
            exact = True
            for i in sorted(results):
                r = results[i]
                total += r["total_hits"]
                exact = exact and r["total_exact"]
                for h in r["hits"]:
                    h["shard"] = i
                    hits.append(h)
            hits.sort(key=lambda h: (-h["score"], h["id"]))
            if mode == "vector":
                total = min(len(hits), want)  # as one node: the vector hits found
                exact = False
                if explain:
                    for rank, h in enumerate(hits[:want], 1):
                        for r in h["retrievers"]:
                            r["rank"] = rank
            out["total_exact"] = exact
        out["hits"] = hits[offset:want]
        out["total_hits"] = total
        out["took_ms"] = (time.monotonic() - start) * 1000.0
        return out, stats

    @staticmethod
    def _fuse(results, n, method, weights, rrf_k, want, floor):
        """Hybrid: the global list of each retriever (every shard's own top n,
        merged by raw score then id, cut at n), their union, every candidate's raw
        score from both retrievers (its shard scored it), then the engine's fusion
        (glassbox.fuse) once over that union, as one node fuses. Returns the fused
        rows best first ({id, shard, score, retrievers}), the candidate count and
        the fusion's description."""
        rows = ShardedCollection._fused_rows(results, n, method, weights, rrf_k, floor)
        describe = "%s bm25=%s vector=%s" % (method, "%.3g" % weights[0], "%.3g" % weights[1])
        return rows[0][:want], rows[1], describe

    @staticmethod
    def _fused_rows(results, n, method, weights, rrf_k, floor, also=None):
        """The fused ranking of the global candidates: ([{id, shard, score, retrievers}] best
        first (score, then id), candidate count). also = (id, shard, (bm25 raw, vector raw)):
        a document fused even if no retriever lists it and whatever the floor (why-not),
        as the engine's FusionRun::Run(..., also)."""
        raws = {}   # id -> (bm25 raw, vector raw)
        owner = {}
        lists = ([], [])
        for i in sorted(results):
            for r, name in enumerate(("bm25", "vector")):
                for doc_id, bm25, vec in results[i][name]:
                    raws[doc_id] = (bm25, vec)
                    owner[doc_id] = i
                    lists[r].append((bm25 if r == 0 else vec, doc_id))
        rank = {}
        for r in range(2):
            lists[r].sort(key=lambda x: (-x[0], x[1]))
            for pos, (_, doc_id) in enumerate(lists[r][:n], 1):
                rank[(doc_id, r)] = pos
        cands = {doc_id for (doc_id, _) in rank}
        if also is not None and also[0] not in cands:
            raws[also[0]], owner[also[0]] = tuple(also[2]), also[1]
            cands.add(also[0])
        cands = sorted(cands)
        if floor > -1:
            # The similarity floor (SearchOptions::min_similarity): a candidate that
            # matches no query word and is less similar than the floor goes before
            # fusion; the others keep their ranks.
            cands = [c for c in cands if (also is not None and c == also[0]) or
                     not (raws[c][0] == 0 and raws[c][1] < floor)]
        fused = glassbox.fuse(method, list(weights), [list(raws[c]) for c in cands],
                              [[rank.get((c, r), 0) for r in range(2)] for c in cands], rrf_k)
        fused.sort(key=lambda f: (-f["score"], cands[f["candidate"]]))
        rows = []
        for f in fused:
            c = cands[f["candidate"]]
            rows.append({"id": c, "shard": owner[c], "score": f["score"],
                         "retrievers": [{"retriever": name, "rank": p["rank"], "raw": p["raw"],
                                         "normalized": p["normalized"], "weight": weights[r],
                                         "contribution": p["contribution"], "share": p["share"]}
                                        for r, (name, p) in enumerate(zip(("bm25", "vector"), f["parts"]))]})
        return rows, len(cands)

    # Answer options the coordinator's reader takes (glassbox/answer.h); the rest are search options.
    _READER_OPTIONS = ("max_passages", "answer_mode", "unsupported", "not_found_threshold", "route")

    @staticmethod
    def _passage(h, n):
        """An answer passage from a hit, as the engine's answer::PassageFromHit makes it."""
        def last(v):
            return v[-1] if isinstance(v, list) else v
        fields = h.get("fields") or {}
        title = last(fields["title"]) if "title" in fields else ""
        body = None
        for key, v in fields.items():
            if key == "body" or (key == "text" and body is None):
                body = last(v)
        if body is None:
            for key, v in fields.items():
                if key != "title" and (body is None or len(last(v)) > len(body)):
                    body = last(v)
        meta = h.get("metadata") or {}
        doc_id = last(meta["doc_id"]) if "doc_id" in meta else ""
        page = last(meta["page"]) if isinstance(last(meta.get("page")), (int, float)) else None
        e = h.get("explanation")
        why = e["summary"] if e and e["matched"] else "score %.4f" % h["score"]
        for r in h.get("retrievers") or []:
            why += "; %s rank %u (raw %.4f, share %.0f%%)" % (r["retriever"], r["rank"], r["raw"], r["share"] * 100)
        return {"n": n, "id": h["id"], "doc_id": doc_id or h["id"], "title": title, "text": body or "",
                "score": h["score"], "page": int(page) if page is not None else None, "why": why,
                "shard": h["shard"]}

    def ask(self, question, *, user=None, groups=None, mode="auto", fusion=None, weights=None, rrf_k=60.0,
            max_passages=5, answer_mode="extractive", route="auto", **options):
        """Answers a question from the sharded collection: the sharded search (the
        same passages, scores and explanations as one node) retrieves max_passages
        passages, then the engine's extractive reader (glassbox.read_answer) reads
        them here, weighing terms by idf under the global statistics. Returns
        Collection.ask's dict; each citation and passage also names its "shard"
        (the shard that owns the cited document: sc.get(citation["id"]) returns it).

        Extractive answers over the documents only: answer_mode "faq" and
        "generative", route "tables" (tables are not sharded) raise
        glassbox.Unsupported; compound questions are not split into steps."""
        if not isinstance(question, str) or not question.strip():
            raise glassbox.InvalidArgument("the question is empty")
        if answer_mode != "extractive":
            raise glassbox.Unsupported("a sharded collection answers in extractive mode only (answer_mode '%s')"
                                       % answer_mode)
        if route not in ("auto", "documents"):
            raise glassbox.Unsupported("a sharded collection answers from its documents (route '%s'): its "
                                       "tables are not sharded" % route)
        reader = {name: options.pop(name) for name in list(options) if name in self._READER_OPTIONS}
        reader["max_passages"] = max_passages
        t0 = time.monotonic()
        search_opts = dict(options, plain=True, explain=True, explain_words=False, snippet=False)
        r, stats = self._search(question, max_passages, 0, mode, user, groups, False, fusion, weights, rrf_k,
                                search_opts)
        t1 = time.monotonic()
        passages = [self._passage(h, n) for n, h in enumerate(r["hits"], 1)]
        principal = user is not None or groups is not None
        a = glassbox.read_answer(question, passages, statistics=stats, analyzer=self.analyzer,
                                 principal=principal, **reader)
        retrieve_ms = (t1 - t0) * 1000.0
        trace = [{"step": "retrieve", "detail": "%d passage(s) from %s search (%d matching) in %.2f ms" % (
            len(passages), r["mode"], r["total_hits"], retrieve_ms)}]
        trace += [{"step": "passage", "detail": "[%d] %s: %s" % (p["n"], p["id"], p["why"])} for p in passages]
        a["trace"] = trace + a["trace"]
        a["timings_ms"]["retrieve"] = retrieve_ms
        a["route"] = "documents"
        a["route_reason"] = "a sharded collection answers from its documents (tables are not sharded)"
        shard_of_id = {p["id"]: p["shard"] for p in passages}
        for c in a.get("citations", []):
            c["shard"] = shard_of_id.get(c["id"], self._owner(c["id"]))
        for p in a.get("passages", []):
            p["shard"] = shard_of_id.get(p["id"], self._owner(p["id"]))
        a["generation"] = r["generation"]
        return a

    @property
    def analyzer(self):
        """The shards' text analyzer (fixed at creation)."""
        if "analyzer" not in self._meta:
            self._meta["analyzer"] = self.stats()["shards"][0]["analyzer"]
        return self._meta["analyzer"]

    def _owner(self, doc_id):
        return shard_of(doc_id, self.shards)

    def get(self, doc_id, *, user=None, groups=None):
        """A stored document, from the shard that owns its id."""
        i = self._owner(doc_id)
        with self._lock.read():
            results, _ = self._call([i], "get", lambda i: (doc_id, self._principal(user, groups)))
        return results[i]

    def explain(self, query, doc_id, *, mode="bm25", user=None, groups=None, plain=False, k=10, **options):
        """In BM25 mode (the default), the BM25 breakdown of one document under global
        statistics (as one collection's explain). In "vector" or "hybrid" mode (options
        as why_not: fusion, weights, rrf_k, candidates, ef_search, min_similarity, offset),
        how that search scores it, as one collection's why_not for the same request says:
        {mode, score (fused score or cosine), rank, retrievers (each one's rank, raw,
        normalized, weight, contribution, share), explanation (the BM25 breakdown)}."""
        if self._resolve_mode(mode) != "bm25":
            w = self.why_not(query, doc_id, k, mode=mode, user=user, groups=groups, plain=plain, **options)
            if w["reason"] == "no_such_document":
                raise glassbox.NotFound("no document with id '%s'" % doc_id)
            return {key: w[key] for key in ("mode", "score", "rank", "retrievers", "explanation")}
        if options:
            raise glassbox.InvalidArgument("explain in BM25 mode takes no option '%s'" % sorted(options)[0])
        principal = self._principal(user, groups)
        i = self._owner(doc_id)
        with self._lock.read():
            stats, _ = self.query_statistics(query, plain=plain, **principal)
            opts = dict(mode="bm25", plain=plain, statistics=stats, **principal)
            results, _ = self._call([i], "why_not", lambda i: (query, doc_id, 1, opts))
        w = results[i]
        if w["reason"] == "no_such_document" or w["explanation"] is None:
            raise glassbox.NotFound("no document with id '%s'" % doc_id)
        return w["explanation"]

    def why_not(self, query, doc_id, k=10, *, offset=0, mode="auto", user=None, groups=None, plain=False,
                algorithm=None, fusion=None, weights=None, rrf_k=60.0, candidates=100, ef_search=0,
                min_similarity=None):
        """Why a document is or is not among the top k (after offset) of the sharded search
        with these options: one collection's why_not for the same request.

        The reason (a filter, an excluded or missing term...) and the BM25 breakdown come
        from the owning shard under global statistics. The rank and the k-th score are
        global (ties counted by id, as the coordinator merges): in BM25 mode from every
        shard's ranking; in vector mode from the merged top k by cosine; in hybrid mode
        from the fusion of the global candidate lists with the document among the
        candidates (each retriever's rank, raw and normalized score, weight and share;
        the message names the retriever that missed it), as one node explains it."""
        mode = self._resolve_mode(mode)
        if mode == "bm25":
            if fusion is not None or weights is not None:
                raise glassbox.InvalidArgument("fusion= and weights= are for hybrid search")
            return self._why_not_bm25(query, doc_id, k, offset, user, groups, plain, algorithm)
        principal = self._principal(user, groups)
        cutoff = k + offset
        i = self._owner(doc_id)
        if mode == "hybrid":
            method, w8 = self._fusion(fusion, weights)
        elif fusion is not None or weights is not None:
            raise glassbox.InvalidArgument("fusion= and weights= are for hybrid search")
        with self._lock.read():
            stats, _ = self.query_statistics(query, plain=plain, **principal)
            base = dict(plain=plain, statistics=stats, ef_search=ef_search, **principal)
            if algorithm is not None:
                base["algorithm"] = algorithm
            # The owning shard: admissibility (filters, excluded and required terms),
            # the BM25 breakdown and the document's raw score in each retriever.
            wopts = dict(base, mode=mode, candidates=candidates)
            if mode == "hybrid":
                wopts.update(fusion=method, weights=w8, rrf_k=rrf_k)
            results, _ = self._call([i], "why_not", lambda _: (query, doc_id, cutoff, wopts))
            w = results[i]
            if w["reason"] not in ("in_top_k", "ranked_below"):
                return w
            if mode == "vector":
                sopts = dict(base, mode="vector", snippet=False)
                res, _ = self._all("search", query, cutoff, sopts)
                listed = sorted(((h["score"], h["id"]) for j in res for h in res[j]["hits"]),
                                key=lambda x: (-x[0], x[1]))[:cutoff]
            else:
                n = max(cutoff, candidates)
                ropts = dict(base, weights=w8, explain_words=False)
                res, _ = self._all("hybrid_rows", query, n, ropts)
        if mode == "vector":
            return self._why_not_vector(w, doc_id, cutoff, listed)
        floor = min_similarity
        if floor is None:
            floor = self._meta.get("options", {}).get("min_similarity", -1.0)
        raw = {r["retriever"]: r["raw"] for r in w["retrievers"]}
        rows, _ = self._fused_rows(res, n, method, w8, rrf_k, floor,
                                   also=(doc_id, i, (raw.get("bm25", 0.0), raw.get("vector", 0.0))))
        pos = next(p for p, row in enumerate(rows) if row["id"] == doc_id)
        w["rank"] = pos + 1
        w["score"] = rows[pos]["score"]
        w["kth_score"] = rows[cutoff - 1]["score"] if 0 < cutoff <= len(rows) else 0.0
        w["retrievers"] = rows[pos]["retrievers"]
        parts, missed = [], []
        for r in w["retrievers"]:
            if r["rank"] > 0:
                parts.append("%s ranks it %d (raw %.4f)" % (r["retriever"], r["rank"], r["raw"]))
            else:
                parts.append("%s: not among its %d candidates (raw %.4f)" % (r["retriever"], n, r["raw"]))
                if r["weight"] > 0:
                    missed.append(r["retriever"])
        describe = "%s bm25=%s vector=%s" % (method, "%.3g" % w8[0], "%.3g" % w8[1])
        if w["rank"] <= cutoff:
            w["reason"] = "in_top_k"
            msg = "hybrid (%s) ranks it %d of the top %d (fused score %.4f)" % (describe, w["rank"], cutoff, w["score"])
        else:
            w["reason"] = "ranked_below"
            msg = "hybrid (%s) ranks it %d (fused score %.4f); hit #%d scores %.4f, a gap of %.4f" % (
                describe, w["rank"], w["score"], cutoff, w["kth_score"], w["kth_score"] - w["score"])
        msg += ". " + "; ".join(parts)
        if missed:
            msg += ". Missed by: " + ", ".join(missed)
        if w["reason"] == "ranked_below" and any(r["retriever"] == "bm25" and r["raw"] == 0 for r in w["retrievers"]):
            msg += ". It contains none of the query's words"
        w["message"] = msg
        w["mode"] = "hybrid"
        return w

    @staticmethod
    def _why_not_vector(w, doc_id, cutoff, listed):
        """Vector why-not from the global top `cutoff` by cosine (as the engine's: rank
        in that list, or one past its end when the document is not in it)."""
        raw = w["retrievers"][0]["raw"] if w["retrievers"] else w["score"]
        rank = next((p + 1 for p, (_, d) in enumerate(listed) if d == doc_id), 0)
        found = rank > 0
        if not found:
            rank = len(listed) + 1
        w["rank"], w["score"] = rank, raw
        w["kth_score"] = listed[cutoff - 1][0] if 0 < cutoff <= len(listed) else 0.0
        w["retrievers"] = [{"retriever": "vector", "rank": rank if found else 0, "raw": raw, "normalized": raw,
                            "weight": 1.0, "contribution": raw, "share": 1.0}]
        w["reason"] = "in_top_k" if found else "ranked_below"
        if found:
            w["message"] = "vector search ranks it %d of the top %d (cosine %.4f)" % (rank, cutoff, raw)
        else:
            w["message"] = ("vector search does not reach it: its cosine %.4f is below hit #%d's %.4f (a gap of %.4f)"
                            % (raw, cutoff, w["kth_score"], w["kth_score"] - raw))
        w["mode"] = "vector"
        return w

    def _why_not_bm25(self, query, doc_id, k, offset, user, groups, plain, algorithm):
        """Why-not in BM25 mode: the reason and the breakdown come from the owning shard
        under global statistics; the rank and the k-th score are global (ties counted
        by id, as the coordinator merges)."""
        principal = self._principal(user, groups)
        cutoff = k + offset
        i = self._owner(doc_id)
        with self._lock.read():
            stats, _ = self.query_statistics(query, plain=plain, **principal)
            opts = dict(mode="bm25", plain=plain, statistics=stats, **principal)
            if algorithm is not None:
                opts["algorithm"] = algorithm
            results, _ = self._call([i], "why_not", lambda i: (query, doc_id, cutoff, opts))
            w = results[i]
            if w["reason"] not in ("in_top_k", "ranked_below"):
                w["mode"] = "bm25"
                return w
            # Global rank: documents of every shard that rank before it.
            score = _f32(w["score"])
            before = 0
            sopts = dict(mode="bm25", plain=plain, statistics=stats, snippet=False, **principal)
            top_scores = []
            for j in range(self.shards):
                n = max(2 * cutoff, 64)
                while True:
                    res, _ = self._call([j], "search", lambda _: (query, n, sopts))
                    hits = res[j]["hits"]
                    if len(hits) < n or hits[-1]["score"] < score:
                        break
                    n *= 4
                top_scores.extend(h["score"] for h in hits[:cutoff])
                before += sum(1 for h in hits
                              if h["id"] != doc_id and (h["score"] > score or (h["score"] == score and h["id"] < doc_id)))
        top_scores.sort(reverse=True)
        w["rank"] = before + 1
        w["kth_score"] = top_scores[cutoff - 1] if cutoff > 0 and len(top_scores) >= cutoff else 0.0
        w["mode"] = "bm25"
        if w["rank"] <= cutoff:
            w["reason"] = "in_top_k"
            w["message"] = "the document is in the top %d, at rank %d (score %.4f)" % (cutoff, w["rank"], w["score"])
        else:
            w["reason"] = "ranked_below"
            w["message"] = ("the document matches but ranks %d (score %.4f); hit #%d scores %.4f, a gap of %.4f" %
                            (w["rank"], w["score"], cutoff, w["kth_score"], w["kth_score"] - w["score"]))
        if w["missing_terms"]:
            w["message"] += "; it lacks: " + ", ".join(w["missing_terms"])
        return w

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def __repr__(self):
        return "<glassbox.dask.ShardedCollection '%s' shards=%d generation=%d>" % (
            self.prefix, self.shards, self.generation)


# ---------------------------------------------------------------- serving over HTTP

# The search options a /search body may carry (as the HTTP API names them, docs/server.md).
_HTTP_SEARCH = {"k", "offset", "mode", "fusion", "weights", "rrf_k", "candidates", "explain", "plain", "snippet",
                "snippet_chars", "highlight_open", "highlight_close", "explain_words", "algorithm", "ef_search",
                "time_budget", "min_similarity", "allow_partial"}
_HTTP_ASK = {"max_passages", "answer_mode", "unsupported", "not_found_threshold", "route", "mode", "fusion", "weights",
             "rrf_k", "candidates", "ef_search", "min_similarity"}
_HTTP_CODES = {"InvalidArgument": (400, "invalid_argument"), "Unsupported": (400, "invalid_argument"),
               "NotFound": (404, "not_found"), "ShardUnavailable": (503, "unavailable"),
               "DeadlineExceeded": (503, "deadline_exceeded"), "Busy": (503, "busy")}


def _http_weights(w):
    """weights as the HTTP API takes them: [b, v], {"bm25": b, "vector": v} or "bm25=b,vector=v"."""
    if isinstance(w, dict):
        return (w.get("bm25", 0.0), w.get("vector", 0.0))
    if isinstance(w, str):
        parts = dict(p.split("=", 1) for p in w.split(",") if "=" in p)
        try:
            return (float(parts.get("bm25", 0)), float(parts.get("vector", 0)))
        except ValueError:
            raise glassbox.InvalidArgument("weights: expected \"bm25=W,vector=W\"")
    if isinstance(w, (list, tuple)) and len(w) == 2:
        return tuple(w)
    raise glassbox.InvalidArgument("weights: expected [bm25, vector], {\"bm25\": W, \"vector\": W} or "
                                   "\"bm25=W,vector=W\"")


def make_server(collections, host="127.0.0.1", port=8080):
    """An HTTP server (http.server.ThreadingHTTPServer, not started) in front of
    sharded collections {name: ShardedCollection}, with the read endpoints of
    `glassbox serve` under the same paths and JSON shapes (docs/server.md):
    GET /health, GET /v1/collections, GET /v1/collections/{name}/stats,
    POST /v1/collections/{name}/search, POST /v1/collections/{name}/ask,
    GET /v1/collections/{name}/documents/{id}. No API keys: bind it to a
    trusted network (see docs/sharding.md, "Serving")."""
    import http.server
    import urllib.parse

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _reply(self, status, body):
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status, code, message):
            self._reply(status, {"error": {"code": code, "message": message}})

        def _route(self, method):
            path = urllib.parse.urlsplit(self.path).path
            parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
            if method == "GET" and path == "/health":
                return self._reply(200, {"status": "ok"})
            if parts[:2] != ["v1", "collections"]:
                return self._error(404, "not_found", "no endpoint %s" % path)
            if len(parts) == 2:
                if method != "GET":
                    return self._error(405, "method_not_allowed", "%s %s" % (method, path))
                return self._reply(200, {"collections": [dict(_summary(sc), name=n)
                                                         for n, sc in sorted(collections.items())]})
            sc = collections.get(parts[2])
            if sc is None:
                return self._error(404, "not_found", "no collection '%s'" % parts[2])
            what = parts[3] if len(parts) > 3 else ""
            body = {}
            if method == "POST":
                n = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(n) or b"{}")
                except ValueError as e:
                    return self._error(400, "invalid_argument", "malformed JSON: %s" % e)
                if not isinstance(body, dict):
                    return self._error(400, "invalid_argument", "the body must be a JSON object")
            expected = {"search": "POST", "ask": "POST", "stats": "GET", "documents": "GET"}.get(what)
            if expected is None or (what == "documents" and len(parts) != 5) or (what != "documents" and len(parts) != 4):
                return self._error(404, "not_found", "no endpoint %s" % path)
            if method != expected:
                return self._error(405, "method_not_allowed", "%s %s" % (method, path))
            if what == "stats":
                return self._reply(200, dict(_summary(sc), name=parts[2]))
            if what == "documents":
                return self._reply(200, sc.get(parts[4]))
            key = "query" if what == "search" else "question"
            if not isinstance(body.get(key), str):
                return self._error(400, "invalid_argument", "field \"%s\" is required (a string)" % key)
            allowed = _HTTP_SEARCH if what == "search" else _HTTP_ASK
            unknown = sorted(set(body) - allowed - {key})
            if unknown:
                return self._error(400, "invalid_argument", "unknown field \"%s\"" % unknown[0])
            opts = {k: v for k, v in body.items() if k != key}
            if "weights" in opts:
                opts["weights"] = _http_weights(opts["weights"])
            if what == "search":
                r = sc.search(body[key], **opts)
            else:
                r = sc.ask(body[key], **opts)
            return self._reply(200, r)

        def _handle(self, method):
            try:
                self._route(method)
            except glassbox.Error as e:
                status, code = _HTTP_CODES.get(type(e).__name__, (500, "internal"))
                self._error(status, code, str(e))
            except (TypeError, ValueError) as e:
                self._error(400, "invalid_argument", str(e))

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

    return http.server.ThreadingHTTPServer((host, port), Handler)


def _summary(sc):
    st = sc.stats()
    return {"documents": st["documents"], "shards": sc.shards, "replication": sc.replication,
            "generation": st["generation"], "embedder": sc._embedder(), "workers": sc.replica_workers}


def main(argv=None):
    """python3 -m glassbox.dask serve PREFIX [--workers N | --scheduler ADDR] [--create S --ingest PATH...]."""
    import argparse
    p = argparse.ArgumentParser(prog="python3 -m glassbox.dask",
                                description="Serve a sharded Glassbox collection over HTTP (docs/sharding.md).")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the search and ask endpoints of `glassbox serve` for a sharded collection")
    s.add_argument("prefix", help="the sharded collection's folder (coordinator.json)")
    s.add_argument("--name", help="its name in the URLs (default: the folder's name)")
    s.add_argument("--scheduler", help="a Dask scheduler's address (tcp://HOST:8786); default: a local cluster")
    s.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    s.add_argument("--create", type=int, metavar="SHARDS", help="create the collection with this many shards if it "
                   "does not exist")
    s.add_argument("--ingest", nargs="+", default=[], metavar="PATH", help="files or folders to ingest and commit first")
    s.add_argument("--embedder", default="static-frozen", help="with --create (default static-frozen)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    a = p.parse_args(argv)
    from dask.distributed import Client, LocalCluster
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        client = Client(LocalCluster(n_workers=a.workers, processes=True, threads_per_worker=1, host="127.0.0.1",
                                     dashboard_address=None))
    prefix = os.path.abspath(a.prefix)
    if a.create and not os.path.exists(os.path.join(prefix, COORDINATOR_FILE)):
        sc = ShardedCollection.create(client, prefix, shards=a.create, embedder=a.embedder)
    else:
        sc = ShardedCollection.open(client, prefix)
    if a.ingest:
        rep = sc.ingest(a.ingest)
        sc.commit()
        print("ingested %d chunks from %d files (%d failed)" % (rep["chunks"], rep["files_ok"], rep["files_failed"]),
              flush=True)
    name = a.name or os.path.basename(prefix.rstrip("/"))
    server = make_server({name: sc}, a.host, a.port)
    print("serving %s (%d shards on %d workers) at http://%s:%d/v1/collections/%s/search" % (
        name, sc.shards, len(client.scheduler_info()["workers"]), a.host, server.server_address[1], name), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sc.close()
        client.close()


if __name__ == "__main__":
    # Run as `python3 -m glassbox.dask`: the workers must find the actor class
    # as glassbox.dask.ShardActor, not __main__.ShardActor.
    from glassbox.dask import main as _main
    _main()
