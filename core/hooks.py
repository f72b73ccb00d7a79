"""The one way an app acts on another's events without the other importing it: hooks.

A hook is declared once, beside the code that fires it, and says when its receivers run:

- ``IN_TRANSACTION``: called at once, inside the firing transaction. Their writes commit or
  roll back with it, and an error they raise refuses the whole thing (a bank file, a
  verification).
- ``AFTER_COMMIT``: deferred with ``transaction.on_commit``; they run only if the
  transaction commits, and their failure cannot undo it (a recomputation, a message).

Other apps connect their receivers in their ``AppConfig.ready``, once (connecting the same
receiver again does nothing). A hook is either *broadcast* — ``fire`` calls every receiver —
or *keyed*: one receiver per key, looked up with ``get`` (the exchange's file types, each
handled by the one app that owns it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import partial
from typing import Any

from django.db import transaction


class When(StrEnum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"


IN_TRANSACTION = When.IN_TRANSACTION
AFTER_COMMIT = When.AFTER_COMMIT

_NAMES: set[str] = set()


class Hook:
    """A named point other apps plug into; see the module's docstring."""

    def __init__(self, name: str, *, when: When, keyed: bool = False, doc: str = "") -> None:
        if name in _NAMES:
            raise ValueError(f"hook {name!r} is declared twice")
        _NAMES.add(name)
        self.name = name
        self.when = When(when)
        self.keyed = keyed
        self.__doc__ = doc
        self._receivers: list[Any] = []
        self._by_key: dict[str, Any] = {}
        self._many: dict[Any, Callable[[list[tuple[Any, ...]]], Any]] = {}

    def __repr__(self) -> str:
        return f"<Hook {self.name} ({self.when})>"

    def connect(
        self,
        receiver: Any,
        *,
        key: str | None = None,
        many: Callable[[list[tuple[Any, ...]]], Any] | None = None,
    ) -> None:
        """Register ``receiver`` (for ``key`` on a keyed hook). The same receiver again is
        ignored; another one for a key already taken is a programming error. ``many``, on a
        broadcast hook, is the receiver's set-wise form: ``fire_each`` hands it the whole
        list of argument tuples at once (e.g. one statement for a thousand cards) instead of
        calling ``receiver`` once per tuple; it must do what those calls would."""
        if self.keyed:
            if key is None:
                raise TypeError(f"{self.name} is keyed: connect(receiver, key=...)")
            taken = self._by_key.get(key)
            if taken is not None and taken != receiver:
                raise ValueError(f"{self.name}: {key!r} is already handled by {taken!r}")
            self._by_key[key] = receiver
            return
        if key is not None:
            raise TypeError(f"{self.name} is not keyed")
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        if many is not None:
            self._many[receiver] = many

    def fire(self, *args: Any, **kwargs: Any) -> None:
        """Call every receiver now (in the transaction) or at the commit."""
        self._broadcast()
        for receiver in self._receivers:
            if self.when is IN_TRANSACTION:
                receiver(*args, **kwargs)
            else:
                transaction.on_commit(partial(receiver, *args, **kwargs))

    def collect(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Call every receiver of an in-transaction hook now and return what each answered
        (what to tell the person, say), in the order they were connected."""
        self._broadcast()
        if self.when is not IN_TRANSACTION:
            raise TypeError(f"{self.name} runs after commit: nothing to collect")
        return [receiver(*args, **kwargs) for receiver in self._receivers]

    def fire_each(self, calls: Iterable[tuple[Any, ...]]) -> None:
        """``fire(*args)`` for each ``args`` of ``calls`` (a set-wise move of thousands of
        rows): one call per receiver of its set-wise form (``connect(many=)``) with the whole
        list, else its calls in order; after the commit, one callback per receiver."""
        self._broadcast()
        calls = list(calls)
        if not calls:
            return
        for receiver in self._receivers:
            many = self._many.get(receiver)
            run = partial(many, calls) if many else partial(_call_each, receiver, calls)
            if self.when is IN_TRANSACTION:
                run()
            else:
                transaction.on_commit(run)

    def _broadcast(self) -> None:
        if self.keyed:
            raise TypeError(f"{self.name} is keyed: look its receiver up with get(key)")

    def __bool__(self) -> bool:
        """Whether anything is connected (a set-wise path skips the work of firing)."""
        return bool(self._receivers or self._by_key)

    @property
    def receivers(self) -> tuple[Any, ...]:
        """The receivers of a broadcast hook, in the order they were connected."""
        return tuple(self._receivers)

    def get(self, key: str) -> Any:
        """The receiver for ``key`` on a keyed hook, or None."""
        return self._by_key.get(key)

    def keys(self) -> list[str]:
        """The keys of a keyed hook, in the order they were connected."""
        return list(self._by_key)

    @contextmanager
    def replaced(self, *receivers: Callable[..., Any]) -> Iterator[None]:
        """Tests: only ``receivers`` are connected while the block runs (none: silence)."""
        saved, saved_many = self._receivers, self._many
        self._receivers, self._many = list(receivers), {}
        try:
            yield
        finally:
            self._receivers, self._many = saved, saved_many


def _call_each(receiver: Callable[..., Any], calls: list[tuple[Any, ...]]) -> None:
    for args in calls:
        receiver(*args)
