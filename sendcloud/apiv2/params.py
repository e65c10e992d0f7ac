"""Parameter parsing shared by every ``/apiv2/`` action (sendcloud-api-v2.md §1, §13).

SendCloud clients put parameters in the query string, the form body or a multipart body (some put
``apiUser``/``apiKey`` in the query string of a POST), so both are merged, the body winning.
Booleans are case-insensitive (the Python SDK sends ``True``); lists are ``;``-separated and may
also arrive as repeated keys.  Every parse failure raises ``ApiError`` with the code the caller names.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from sendcloud.apiv2.errors import ApiError

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


class Params:
    def __init__(self, query: QueryDict, body: QueryDict | None = None, files: MultiValueDict | None = None):
        merged: dict[str, list[str]] = {}
        for source in (query, body):
            if source is None:
                continue
            for key in source:
                merged[key] = source.getlist(key)  # body after query: the body wins
        self._values = merged
        self.files = files if files is not None else MultiValueDict()

    @classmethod
    def from_dict(cls, values: dict[str, str]) -> Params:
        query = QueryDict(mutable=True)
        for key, value in values.items():
            query[key] = value
        return cls(query)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def raw(self, name: str) -> str | None:
        """The last value given for ``name``, or None when absent."""
        values = self._values.get(name)
        return values[-1] if values else None

    def str(self, name: str, *, required_code: int | None = None, default: str = "") -> str:
        """A trimmed string; empty or absent raises ``required_code`` when given."""
        value = (self.raw(name) or "").strip()
        if not value:
            if required_code is not None:
                raise ApiError(required_code, f"parameter {name}")
            return default
        return value

    def bool(self, name: str, *, default: bool, invalid_code: int) -> bool:
        value = self.raw(name)
        if value is None or value.strip() == "":
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ApiError(invalid_code, f"parameter {name}: {value!r}")

    def int(
        self,
        name: str,
        *,
        default: int | None = None,
        required_code: int | None = None,
        invalid_code: int,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = (self.raw(name) or "").strip()
        if not value:
            if required_code is not None:
                raise ApiError(required_code, f"parameter {name}")
            return default
        try:
            number = int(value)
        except ValueError:
            raise ApiError(invalid_code, f"parameter {name}: {value!r}") from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise ApiError(invalid_code, f"parameter {name}: {value!r}")
        return number

    def list(self, name: str, *, separator: str = ";") -> list[str]:
        """Items of a ``;`` list, also accepting repeated keys; blanks dropped, order kept."""
        items: list[str] = []
        for value in self._values.get(name, []):
            items.extend(part.strip() for part in value.split(separator))
        return [item for item in items if item]

    def paging(self) -> tuple[int, int]:
        """``start`` (default 0) and ``limit`` (0-100, default 100) as SendCloud pages lists."""
        start = self.int("start", default=0, invalid_code=40002, minimum=0)
        limit = self.int("limit", default=100, invalid_code=40004, minimum=0, maximum=100)
        return start, limit

    def date_range(self, *, max_days: int, default_days: int) -> tuple[date, date]:
        """``days`` (1 = today) or ``startDate`` + ``endDate`` (yyyy-MM-dd), inclusive, in local time.

        Codes: 40006 bad days, 40007 bad startDate, 40008 bad endDate (also when the range is reversed
        or longer than ``max_days``).
        """
        today = timezone.localdate()
        days = self.int("days", invalid_code=40006, minimum=1)
        start_text, end_text = self.str("startDate"), self.str("endDate")
        if days is not None:
            if days > max_days:
                raise ApiError(40006, f"days must be at most {max_days}")
            return today - timedelta(days=days - 1), today
        if not start_text and not end_text:
            return today - timedelta(days=default_days - 1), today
        start = _parse_date(start_text, 40007)
        end = _parse_date(end_text, 40008) if end_text else today
        if end < start or (end - start).days + 1 > max_days:
            raise ApiError(40008, f"the range {start}..{end} must be ordered and at most {max_days} days")
        return start, end


def _parse_date(text: str, code: int) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ApiError(code, f"{text!r} is not yyyy-MM-dd") from None


def format_time(moment: datetime | None) -> str:
    """SendCloud's timestamp format, ``yyyy-MM-dd HH:mm:ss`` in UTC+08:00; "" when absent."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
