"""Exceptions raised by the storage package.

Callers catch :class:`StorageError` at loop boundaries; the subclasses carry the ids
needed to say what went wrong, and build their own messages from them.
"""


class StorageError(Exception):
    """Base class of every error raised on purpose by ``storage``."""


class UnsupportedDatabaseError(StorageError):
    """The database URL names a backend the service does not run on."""

    def __init__(self, url: str, detail: str = "") -> None:
        self.url = url
        self.detail = detail
        message = f"unsupported database URL {url!r}"
        super().__init__(f"{message}: {detail}" if detail else message)


class RegistryDataError(StorageError):
    """The packaged municipality reference data is malformed (a packaging bug)."""

    def __init__(self, file_name: str, line_number: int, message: str) -> None:
        self.file_name = file_name
        self.line_number = line_number
        self.message = message
        super().__init__(f"{file_name}, line {line_number}: {message}")


class ContactImportError(StorageError):
    """A contacts CSV was rejected; nothing from it was applied."""

    def __init__(self, line_number: int, message: str) -> None:
        self.line_number = line_number
        self.message = message
        super().__init__(f"line {line_number}: {message}")


class RawMessageNotFound(StorageError):
    """No raw message has the requested id."""

    def __init__(self, raw_id: int) -> None:
        self.raw_id = raw_id
        super().__init__(f"raw message {raw_id} does not exist")


class MigrationError(StorageError):
    """The schema could not be created or migrated."""
