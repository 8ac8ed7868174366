# Type stubs of the reprint package (see __init__.py for the documentation of each call).
from os import PathLike
from typing import (Any, Dict, Iterable, Iterator, KeysView, List, Mapping, NamedTuple,
                    Optional, Tuple, Union)

__version__: str
KINDS: Tuple[str, str, str, str]

Doc = Union[str, Tuple[Union[str, int], str], Mapping[str, Any]]

class Error(Exception): ...
class IOFailure(Error, OSError): ...
class Utf8Error(Error, ValueError): ...
class InvalidError(Error, ValueError): ...
class LimitError(Error): ...
class FormatError(Error): ...
class NotFoundError(Error, LookupError): ...
class BudgetError(Error): ...

class Record:
    def __getattr__(self, name: str) -> Any: ...
    def __getitem__(self, name: str) -> Any: ...
    def __contains__(self, name: object) -> bool: ...
    def keys(self) -> KeysView[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...

class Document(Record):
    id: int
    name: str
    bytes: int
    tokens: int
    covered: float
    invalid_utf8: int
    offset: int

class Passage(Record):
    doc: int
    start: int
    end: int
    byte_start: int
    byte_end: int
    line: int
    column: int
    tokens: int
    identity: float
    text: str

class Pair(Record):
    cluster: int
    a: int
    b: int
    identity: float
    tokens: int

class Cluster(Record):
    id: int
    kind: str
    tokens: int
    documents: int
    passages: List[Passage]
    pairs: List[Pair]

class Source(Record):
    doc: int
    start: int
    end: int
    byte_start: int
    byte_end: int
    identity: float
    fidelity: str

class Quote(Record):
    id: int
    doc: int
    start: int
    end: int
    byte_start: int
    byte_end: int
    text: str
    speaker: Optional[str]
    status: str
    sources: List[Source]

class Report(Record):
    version: int
    tool: str
    command: str
    settings: Record
    documents: List[Document]
    skipped: List[Record]
    clusters: List[Cluster]
    pairs: List[Pair]
    quotes: List[Quote]
    def to_json(self) -> str: ...

class Token(NamedTuple):
    text: str
    normalized: str
    start: int
    end: int
    byte_start: int
    byte_end: int
    hash: int

class DedupResult(NamedTuple):
    id: str
    verdict: str
    of: Optional[str]
    group: int
    resemblance: float
    containment: float
    kept: bool
    index: int

class StoreVerdict(NamedTuple):
    id: str
    verdict: str
    of: Optional[str]
    resemblance: float
    containment: float
    original: str
    seq: int

def scan(docs: Iterable[Doc], *, shingle: int = ..., window: int = ..., min_tokens: int = ...,
         min_identity: float = ..., max_df: int = ..., boilerplate_docs: int = ...,
         boilerplate_tokens: int = ..., kinds: Optional[Iterable[str]] = ...,
         max_passages: int = ..., fold_case: bool = ..., fold_marks: bool = ...,
         fold_quotes: bool = ..., fold_spelling: bool = ..., threads: int = ...,
         memory_mb: int = ..., id_key: str = ..., text_key: str = ...) -> Report: ...

def quotes(docs: Iterable[Doc], *, min_words: int = ..., max_sources: int = ...,
           shingle: int = ..., window: int = ..., max_df: int = ..., fold_case: bool = ...,
           fold_marks: bool = ..., fold_quotes: bool = ..., fold_spelling: bool = ...,
           id_key: str = ..., text_key: str = ...) -> Report: ...

def tokens(text: str, *, fold_case: bool = ..., fold_marks: bool = ..., fold_quotes: bool = ...,
           fold_spelling: bool = ...) -> List[Token]: ...

def dedup(docs: Iterable[Doc], *, resemblance: float = ..., containment: float = ...,
          keep: str = ..., batch_size: int = ..., shingle: int = ..., window: int = ...,
          max_df: int = ..., fold_case: bool = ..., fold_marks: bool = ...,
          fold_quotes: bool = ..., fold_spelling: bool = ..., memory_mb: float = ...,
          threads: int = ..., id_key: str = ...,
          text_key: str = ...) -> Iterator[DedupResult]: ...

class Store:
    path: str
    def __init__(self, path: Union[str, PathLike[str]], create: bool = ..., *,
                 read_only: bool = ..., wait: bool = ..., max_items: int = ...,
                 max_age: int = ..., map_size_mb: int = ..., shingle: int = ...,
                 window: int = ..., max_df: int = ..., fold_case: bool = ...,
                 fold_marks: bool = ..., fold_quotes: bool = ..., fold_spelling: bool = ...,
                 id_key: str = ..., text_key: str = ...) -> None: ...
    def add(self, batch: Iterable[Doc], *, resemblance: float = ...,
            containment: float = ...) -> List[StoreVerdict]: ...
    def query(self, batch: Iterable[Doc], *, resemblance: float = ...,
              containment: float = ...) -> List[StoreVerdict]: ...
    def delete(self, ids: Iterable[Union[str, int]]) -> int: ...
    def stats(self) -> Dict[str, Any]: ...
    def export(self) -> List[Dict[str, Any]]: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Store": ...
    def __exit__(self, *exc: object) -> bool: ...
