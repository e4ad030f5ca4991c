"""The LangGraph flavour's local conversation store: one file per actor and session, bounded in size and in memory.

Without ``MEMORY_ID`` the kit keeps each session's graph state under ``LOCAL_MEMORY_DIR``, next to where the Strands
flavour keeps its files (``<LOCAL_MEMORY_DIR>/<actor>/``), so local history survives a restart like Strands':

    <LOCAL_MEMORY_DIR>/<actor>/langgraph/session_<session>.json

The kit's thread id is ``<actor>/<session>`` (:func:`.langgraph.thread_config`), so one actor's thread never maps to
another actor's file. Bounds: LangGraph stores a checkpoint at every step of every turn; this saver keeps only the
latest ``checkpoints_per_session`` of each session (LangGraph's own ``prune(strategy="keep_latest")`` keeps one:
``BaseCheckpointSaver.prune`` in langgraph-checkpoint), and at most ``sessions_in_memory`` sessions in memory (least
recently used first out; every change is on disk before the call returns, so eviction loses nothing); a subgraph's
checkpoints go once the top-level step that ran it is stored.

Values are serialized with the saver's serde (LangGraph's ``JsonPlusSerializer``, no pickle) and each file is replaced
atomically (temporary file, fsync, ``os.replace``): a killed process leaves the previous complete version.
Graphs with ``DeltaChannel`` state (beta in LangGraph) are not supported: their values are rebuilt from older
checkpoints, which this saver does not keep.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
    writes_sort_key,
)
from langgraph.checkpoint.serde.base import SerializerProtocol  # its defining module (not re-exported)

from agentcore_constructs.kit.identity import is_valid_id

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_CHECKPOINTS_PER_SESSION", "DEFAULT_SESSIONS_IN_MEMORY", "LocalCheckpointSaver"]

#: Checkpoints kept per session (and per subgraph namespace): the latest one is all the kit's turns read.
DEFAULT_CHECKPOINTS_PER_SESSION = 1
#: Sessions whose state stays loaded in memory; the others are read from their file when next used.
DEFAULT_SESSIONS_IN_MEMORY = 256
_FORMAT = 1

Typed = tuple[str, bytes]


@dataclass
class _Saved:
    checkpoint: Typed  #: the whole checkpoint, channel values included
    metadata: Typed
    parent_id: str | None


@dataclass
class _Session:
    #: namespace -> checkpoint id -> checkpoint
    checkpoints: dict[str, dict[str, _Saved]] = field(default_factory=dict)
    #: (namespace, checkpoint id) -> (task id, write index) -> (task id, channel, value, task path)
    writes: dict[tuple[str, str], dict[tuple[str, int], tuple[str, str, Typed, str]]] = field(default_factory=dict)
    #: (inode, mtime, size) of the file this state was read from or written to: another process's write shows.
    stamp: tuple[int, int, int] | None = None


def _encode(typed: Typed) -> list[str]:
    return [typed[0], base64.b64encode(typed[1]).decode("ascii")]


def _decode(value: Any) -> Typed:
    kind, data = value
    return str(kind), base64.b64decode(data)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


class LocalCheckpointSaver(BaseCheckpointSaver[int]):
    """A LangGraph checkpointer over files under ``directory`` (see the module docs), for the kit's thread ids."""

    def __init__(
        self,
        directory: Path,
        *,
        checkpoints_per_session: int = DEFAULT_CHECKPOINTS_PER_SESSION,
        sessions_in_memory: int = DEFAULT_SESSIONS_IN_MEMORY,
        serde: SerializerProtocol | None = None,
    ) -> None:
        if checkpoints_per_session < 1 or sessions_in_memory < 1:
            raise ValueError("checkpoints_per_session and sessions_in_memory must be at least 1")
        super().__init__(serde=serde)
        self.directory = Path(directory)
        self.checkpoints_per_session = checkpoints_per_session
        self.sessions_in_memory = sessions_in_memory
        self._sessions: OrderedDict[Path, _Session] = OrderedDict()
        # One lock for the cache and the files: requests run on a thread pool, each with its own event loop.
        self._lock = threading.Lock()

    @property
    def loaded_sessions(self) -> int:
        """How many sessions are held in memory now (at most ``sessions_in_memory``)."""
        return len(self._sessions)

    # ---------------------------------------------------------------------------------------------------------
    # Keys and files
    # ---------------------------------------------------------------------------------------------------------
    def path_of(self, config: RunnableConfig) -> Path:
        """The file of the config's thread; refuses anything but ``<actor>/<session>`` of two valid ids (and, when
        the config names its actor, that same actor)."""
        configurable = config.get("configurable") or {}
        thread_id = str(configurable.get("thread_id") or "")
        actor, separator, session = thread_id.partition("/")
        if not (separator and is_valid_id(actor) and is_valid_id(session)):
            raise ValueError(f"not a thread id of the kit (<actor>/<session>): {thread_id!r}")
        named_actor = configurable.get("actor_id")
        if named_actor is not None and named_actor != actor:
            raise ValueError("the thread id belongs to another actor than the config's actor_id")
        return self.directory / actor / "langgraph" / f"session_{session}.json"

    def _session(self, path: Path) -> _Session:
        """The session's state, from memory when the file did not change since, else from the file (LRU-bounded)."""
        cached = self._sessions.get(path)
        stamp = _stamp(path)
        if cached is None or cached.stamp != stamp:
            cached = self._read(path) if stamp is not None else _Session()
            cached.stamp = stamp
        self._sessions[path] = cached
        self._sessions.move_to_end(path)
        while len(self._sessions) > self.sessions_in_memory:
            self._sessions.popitem(last=False)
        return cached

    def _read(self, path: Path) -> _Session:
        raw = path.read_bytes()  # an unreadable disk or permission is an error, not a reset
        try:
            data = json.loads(raw)
            if data.get("format") != _FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            session = _Session()
            for item in data["checkpoints"]:
                session.checkpoints.setdefault(item["ns"], {})[item["id"]] = _Saved(
                    _decode(item["checkpoint"]), _decode(item["metadata"]), item["parent_id"]
                )
            for item in data["writes"]:
                key = (item["ns"], item["checkpoint_id"])
                session.writes.setdefault(key, {})[(item["task_id"], int(item["idx"]))] = (
                    item["task_id"],
                    item["channel"],
                    _decode(item["value"]),
                    item["task_path"],
                )
            for by_id in session.checkpoints.values():
                for saved in by_id.values():  # decodes now, so a damaged value is found here and not at every turn
                    self.serde.loads_typed(saved.checkpoint)
                    self.serde.loads_typed(saved.metadata)
            return session
        except (ValueError, KeyError, TypeError, AttributeError, NotImplementedError) as error:
            # Kept aside, not overwritten: the next turn starts a fresh conversation and nothing is deleted.
            aside = path.with_name(f"{path.name}.unreadable-{time.time_ns()}")
            path.replace(aside)
            logger.warning("Unreadable session file %s (%s); moved to %s, starting afresh", path, error, aside.name)
            return _Session()

    def _write(self, path: Path, session: _Session) -> None:
        data = {
            "format": _FORMAT,
            "checkpoints": [
                {
                    "ns": ns,
                    "id": checkpoint_id,
                    "parent_id": saved.parent_id,
                    "checkpoint": _encode(saved.checkpoint),
                    "metadata": _encode(saved.metadata),
                }
                for ns, by_id in session.checkpoints.items()
                for checkpoint_id, saved in by_id.items()
            ],
            "writes": [
                {
                    "ns": ns,
                    "checkpoint_id": checkpoint_id,
                    "task_id": task_id,
                    "idx": idx,
                    "channel": channel,
                    "value": _encode(value),
                    "task_path": task_path,
                }
                for (ns, checkpoint_id), by_key in session.writes.items()
                for (task_id, idx), (_, channel, value, task_path) in by_key.items()
            ],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(data, file, separators=(",", ":"))
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        session.stamp = _stamp(path)

    def _prune(self, session: _Session, ns: str) -> None:
        """Keep the latest checkpoints of ``ns`` and the writes no older than the oldest of them (writes of a
        checkpoint still being stored are newer, and kept). Subgraph namespaces are new at every run (``node:<task
        id>``): one whose checkpoints all predate the kept top-level ones belongs to a finished step and goes."""
        by_id = session.checkpoints.get(ns, {})
        for old in sorted(by_id)[: -self.checkpoints_per_session]:
            del by_id[old]
        if not by_id:
            return
        oldest = min(by_id)
        finished = (
            {other for other, ids in session.checkpoints.items() if other and (not ids or max(ids) < oldest)}
            if ns == ""
            else set()
        )
        for other in finished:
            del session.checkpoints[other]
        for key in [k for k in session.writes if k[0] in finished or (k[0] == ns and k[1] < oldest)]:
            del session.writes[key]

    # ---------------------------------------------------------------------------------------------------------
    # BaseCheckpointSaver
    # ---------------------------------------------------------------------------------------------------------
    def _tuple(self, config: RunnableConfig, session: _Session, ns: str, checkpoint_id: str) -> CheckpointTuple:
        thread_id = config["configurable"]["thread_id"]
        saved = session.checkpoints[ns][checkpoint_id]
        writes = session.writes.get((ns, checkpoint_id), {})
        return CheckpointTuple(
            config={"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}},
            checkpoint=self.serde.loads_typed(saved.checkpoint),
            metadata=self.serde.loads_typed(saved.metadata),
            parent_config=(
                {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": saved.parent_id}}
                if saved.parent_id
                else None
            ),
            pending_writes=[
                (task_id, channel, self.serde.loads_typed(value))
                for (_, _), (task_id, channel, value, _) in sorted(
                    writes.items(), key=lambda item: writes_sort_key(item[1][3], *item[0])
                )
            ],
        )

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        path = self.path_of(config)
        ns = config["configurable"].get("checkpoint_ns", "")
        with self._lock:
            session = self._session(path)
            by_id = session.checkpoints.get(ns) or {}
            checkpoint_id = get_checkpoint_id(config) or max(by_id, default=None)
            if checkpoint_id is None or checkpoint_id not in by_id:
                return None
            return self._tuple(config, session, ns, checkpoint_id)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        if config is None:
            raise ValueError("LocalCheckpointSaver lists the checkpoints of one thread: pass its config")
        path = self.path_of(config)
        wanted_ns = config["configurable"].get("checkpoint_ns")
        wanted_id = get_checkpoint_id(config)
        before_id = get_checkpoint_id(before) if before else None
        found: list[CheckpointTuple] = []
        with self._lock:
            session = self._session(path)
            for ns, by_id in session.checkpoints.items():
                if wanted_ns is not None and ns != wanted_ns:
                    continue
                for checkpoint_id in sorted(by_id, reverse=True):
                    if (wanted_id and checkpoint_id != wanted_id) or (before_id and checkpoint_id >= before_id):
                        continue
                    item = self._tuple(config, session, ns, checkpoint_id)
                    if filter and any(item.metadata.get(k) != v for k, v in filter.items()):
                        continue
                    found.append(item)
        yield from found[:limit] if limit is not None else found

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        path = self.path_of(config)
        ns = config["configurable"].get("checkpoint_ns", "")
        saved = _Saved(
            # The whole checkpoint with every channel's value (not only ``new_versions``): older checkpoints go.
            self.serde.dumps_typed(checkpoint),
            self.serde.dumps_typed(get_checkpoint_metadata(config, metadata)),
            config["configurable"].get("checkpoint_id"),
        )
        with self._lock:
            session = self._session(path)
            session.checkpoints.setdefault(ns, {})[checkpoint["id"]] = saved
            self._prune(session, ns)
            self._write(path, session)
        return {
            "configurable": {
                "thread_id": config["configurable"]["thread_id"],
                "checkpoint_ns": ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        path = self.path_of(config)
        ns = config["configurable"].get("checkpoint_ns", "")
        checkpoint_id = config["configurable"]["checkpoint_id"]
        with self._lock:
            session = self._session(path)
            stored = session.writes.setdefault((ns, checkpoint_id), {})
            for index, (channel, value) in enumerate(writes):
                key = (task_id, WRITES_IDX_MAP.get(channel, index))
                if key[1] >= 0 and key in stored:
                    continue  # as InMemorySaver: a task's regular writes are stored once
                stored[key] = (task_id, channel, self.serde.dumps_typed(value), task_path)
            self._prune(session, ns)
            self._write(path, session)

    def delete_thread(self, thread_id: str) -> None:
        path = self.path_of({"configurable": {"thread_id": thread_id}})
        with self._lock:
            self._sessions.pop(path, None)
            path.unlink(missing_ok=True)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.get_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        for item in self.list(config, filter=filter, before=before, limit=limit):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        self.delete_thread(thread_id)
