"""Live DNS checks of a domain's records, through ``sendcloud.resolver`` (no database here).

Each check returns a ``CheckResult``: ``state`` is ``pass``, ``fail`` or ``unknown`` ("could not
check": a timeout or SERVFAIL, which must not count as a failure of the record), ``found`` lists the
values currently published, and ``problem`` is a short code the console and the API turn into words.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from domains import records
from sendcloud import resolver

PASS = "pass"
FAIL = "fail"
UNKNOWN = "unknown"  # could not check
UNCHECKED = "unchecked"  # never checked (not produced by a check; used for display)

SPF_MAX_DEPTH = 5  # nested include:/redirect= levels followed (RFC 7208 allows 10 lookups in all)
CNAME_MAX_HOPS = 5

# problem codes (translated for display in domains.selectors.PROBLEM_TEXTS)
NO_RECORD = "no_record"
LOOKUP_FAILED = "lookup_failed"
NO_SPF = "no_spf"
MULTIPLE_SPF = "multiple_spf"
NO_INCLUDE = "no_include"
INCLUDE_UNCHECKED = "include_unchecked"
KEY_MISMATCH = "key_mismatch"
OTHER_MX = "other_mx"
NO_DMARC = "no_dmarc"
MULTIPLE_DMARC = "multiple_dmarc"
INVALID_DMARC = "invalid_dmarc"
WRONG_CNAME = "wrong_cname"


@dataclass
class CheckResult:
    state: str
    found: list[str] = field(default_factory=list)
    problem: str = ""
    error: str = ""  # the resolver's words when the check could not be made

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> CheckResult:
        if not data:
            return cls(state=UNCHECKED)
        return cls(
            state=data.get("state", UNCHECKED),
            found=list(data.get("found", [])),
            problem=data.get("problem", ""),
            error=data.get("error", ""),
        )


def _failed(error: resolver.LookupFailed) -> CheckResult:
    return CheckResult(state=UNKNOWN, problem=LOOKUP_FAILED, error=str(error))


# --- SPF ------------------------------------------------------------------------------------------
def _is_spf(text: str) -> bool:
    return text.lower() == "v=spf1" or text.lower().startswith("v=spf1 ")


def _spf_targets(record: str) -> list[str]:
    """The domains an SPF record delegates to with a passing qualifier: ``include:`` and ``redirect=``."""
    targets = []
    for term in record.split()[1:]:
        lowered = term.lower()
        if lowered.startswith(("+include:", "include:")):
            targets.append(lowered.split(":", 1)[1])
        elif lowered.startswith("redirect="):
            targets.append(lowered.split("=", 1)[1])
    return [resolver.normalize(target) for target in targets if target and "%" not in target]  # no macros


def _spf_reaches(record: str, wanted: str, depth: int, seen: set[str]) -> bool | None:
    """True when ``record`` includes ``wanted`` (directly or nested), False when it does not, None
    when a nested record could not be looked up and nothing else matched."""
    targets = _spf_targets(record)
    if wanted in targets:
        return True
    if depth >= SPF_MAX_DEPTH:
        return False
    undecided = False
    for target in targets:
        if target in seen:
            continue
        seen.add(target)
        try:
            nested = [text for text in resolver.txt(target) if _is_spf(text)]
        except resolver.NoRecord:
            continue
        except resolver.LookupFailed:
            undecided = True
            continue
        for text in nested[:1]:
            outcome = _spf_reaches(text, wanted, depth + 1, seen)
            if outcome:
                return True
            undecided = undecided or outcome is None
    return None if undecided else False


def check_spf(domain_name: str) -> CheckResult:
    try:
        texts = resolver.txt(domain_name)
    except resolver.NoRecord:
        return CheckResult(state=FAIL, problem=NO_RECORD)
    except resolver.LookupFailed as error:
        return _failed(error)
    spf = [text for text in texts if _is_spf(text)]
    if not spf:
        return CheckResult(state=FAIL, found=texts, problem=NO_SPF)
    if len(spf) > 1:
        # RFC 7208 §4.5: more than one SPF record is a permanent error at every receiver.
        return CheckResult(state=FAIL, found=spf, problem=MULTIPLE_SPF)
    outcome = _spf_reaches(spf[0], records.spf_include_host(), 0, {resolver.normalize(domain_name)})
    if outcome is True:
        return CheckResult(state=PASS, found=spf)
    if outcome is None:
        return CheckResult(state=UNKNOWN, found=spf, problem=INCLUDE_UNCHECKED)
    return CheckResult(state=FAIL, found=spf, problem=NO_INCLUDE)


# --- DKIM -----------------------------------------------------------------------------------------
def tag_list(text: str) -> dict[str, str]:
    """``k=v; k=v`` tags (DKIM RFC 6376 §3.2, DMARC RFC 7489 §6.4), keys lower-cased, first one wins."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        if "=" not in part:
            continue
        key, value = part.split("=", 1)
        tags.setdefault(key.strip().lower(), value.strip())
    return tags


def check_dkim(*, host: str, public_key: str) -> CheckResult:
    try:
        texts = resolver.txt(host)
    except resolver.NoRecord:
        return CheckResult(state=FAIL, problem=NO_RECORD)
    except resolver.LookupFailed as error:
        return _failed(error)
    for text in texts:
        tags = tag_list(text)
        published = re.sub(r"\s+", "", tags.get("p", ""))
        if published == public_key and tags.get("k", "rsa").lower() == "rsa":
            return CheckResult(state=PASS, found=texts)
    return CheckResult(state=FAIL, found=texts, problem=KEY_MISMATCH)


# --- MX -------------------------------------------------------------------------------------------
def check_mx(domain_name: str) -> CheckResult:
    try:
        found = resolver.mx(domain_name)
    except resolver.NoRecord:
        return CheckResult(state=FAIL, problem=NO_RECORD)
    except resolver.LookupFailed as error:
        return _failed(error)
    shown = [f"{record.preference} {record.exchange or '.'}" for record in found]
    if any(record.exchange == records.mx_host() for record in found):
        return CheckResult(state=PASS, found=shown)
    # The domain already receives mail elsewhere: the console suggests a subdomain (info.<domain>).
    return CheckResult(state=FAIL, found=shown, problem=OTHER_MX)


def other_mx_hosts(result: CheckResult) -> list[str]:
    """MX hosts found that are not the platform's (the reason to suggest a subdomain)."""
    hosts = [value.split(" ", 1)[1] for value in result.found if " " in value]
    return [host for host in hosts if host not in (records.mx_host(), ".")]


# --- DMARC ----------------------------------------------------------------------------------------
DMARC_POLICIES = {"none", "quarantine", "reject"}


def valid_dmarc(text: str) -> bool:
    """A DMARC record: first tag ``v=DMARC1``, and a ``p`` tag with a known policy (RFC 7489 §6.3)."""
    parts = [part.strip() for part in text.split(";") if part.strip()]
    if not parts or re.sub(r"\s+", "", parts[0]).upper() != "V=DMARC1":
        return False
    return tag_list(text).get("p", "").lower() in DMARC_POLICIES


def check_dmarc(*, host: str) -> CheckResult:
    try:
        texts = resolver.txt(host)
    except resolver.NoRecord:
        return CheckResult(state=FAIL, problem=NO_RECORD)
    except resolver.LookupFailed as error:
        return _failed(error)
    dmarc = [text for text in texts if text.replace(" ", "").upper().startswith("V=DMARC1")]
    if not dmarc:
        return CheckResult(state=FAIL, found=texts, problem=NO_DMARC)
    if len(dmarc) > 1:
        return CheckResult(state=FAIL, found=dmarc, problem=MULTIPLE_DMARC)  # RFC 7489 §6.6.3: no policy
    if not valid_dmarc(dmarc[0]):
        return CheckResult(state=FAIL, found=dmarc, problem=INVALID_DMARC)
    return CheckResult(state=PASS, found=dmarc)


# --- all of a domain's records --------------------------------------------------------------------
def check_domain_records(*, domain_name: str, selector: str, public_key: str) -> dict[str, CheckResult]:
    """The four checks, run side by side so an unresponsive DNS costs one lookup timeout, not four."""
    jobs = {
        "spf": lambda: check_spf(domain_name),
        "dkim": lambda: check_dkim(
            host=records.dkim_host(domain_name=domain_name, selector=selector), public_key=public_key
        ),
        "mx": lambda: check_mx(domain_name),
        "dmarc": lambda: check_dmarc(host=records.dmarc_host(domain_name=domain_name)),
    }
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {key: pool.submit(job) for key, job in jobs.items()}
        return {key: futures[key].result() for key in records.RECORD_KEYS}


# --- tracking domains -----------------------------------------------------------------------------
def check_tracking_cname(name: str) -> CheckResult:
    """Passes when ``name`` is a CNAME to the platform's tracking host (through at most a few hops)."""
    wanted = records.tracking_host()
    current = resolver.normalize(name)
    chain: list[str] = []
    for _hop in range(CNAME_MAX_HOPS):
        try:
            target = resolver.cname(current)
        except resolver.NoRecord:
            break
        except resolver.LookupFailed as error:
            result = _failed(error)
            result.found = chain
            return result
        chain.append(target)
        if target == wanted:
            return CheckResult(state=PASS, found=chain)
        current = target
    return CheckResult(state=FAIL, found=chain, problem=WRONG_CNAME if chain else NO_RECORD)
