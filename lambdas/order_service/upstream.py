"""The orders API over HTTP: one connection pool per container, bounded retries with full-jitter backoff."""

from __future__ import annotations

import contextvars
import random
import time
from collections.abc import Callable, Mapping

import urllib3
from aws_lambda_powertools.metrics import MetricUnit

from order_service.errors import OUTCOME_UNKNOWN, UPSTREAM_UNAVAILABLE, ToolError
from order_service.observability import logger, metrics, tracer
from order_service.settings import Settings

#: A retry is only started if one more attempt (timeout + backoff) fits in the invocation's remaining time minus this.
DEADLINE_SAFETY_SECONDS = 0.25

# Injectable for tests: the backoff sleep and the jitter source (``_random()`` in [0, 1)).
_sleep: Callable[[float], None] = time.sleep
_random: Callable[[], float] = random.random

# Monotonic deadline of the current invocation (from context.get_remaining_time_in_millis), None if unknown.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("order_service_deadline", default=None)

# One pool per container: connections are reused across invocations. Retries are ours, not urllib3's.
_http = urllib3.PoolManager(retries=False, maxsize=4)


def backoff_delay(retry_number: int, base: float, cap: float) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2 ** (retry_number - 1))]; ``retry_number`` starts at 1."""
    return _random() * min(cap, base * (2 ** (retry_number - 1)))


#: Header that makes a POST safe to retry: the upstream answers a repeated key with the first answer.
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"


@tracer.capture_method(capture_response=False)
def call_upstream(
    settings: Settings, path: str, headers: Mapping[str, str], *, method: str = "GET", body: bytes | None = None
) -> tuple[int, bytes]:
    """``method base_url + path`` with bounded retries. Returns (status, body) of the first non-retryable answer.

    Only GET is retried as is; any other method needs an ``Idempotency-Key`` header, or a retry after a lost answer
    could do the thing twice. When the retries run out: ``UPSTREAM_UNAVAILABLE`` (retryable) if nothing can have
    reached the API (a GET, or no connection was ever made), else ``OUTCOME_UNKNOWN`` -- the request was sent and no
    answer came back (a timeout, a reset connection, 429/5xx), so it may have been carried out.
    """
    if method != "GET" and IDEMPOTENCY_KEY_HEADER not in headers:
        raise ValueError(f"{method} {path}: retried requests need an {IDEMPOTENCY_KEY_HEADER} header")
    url = settings.base_url + path
    last_failure = ""
    attempts = 0
    may_have_arrived = False  # whether any attempt may have reached the API (and been carried out)
    for attempt in range(1, settings.max_attempts + 1):
        if attempt > 1:
            delay = backoff_delay(attempt - 1, settings.backoff_base_seconds, settings.backoff_max_seconds)
            deadline = _DEADLINE.get()
            if deadline is not None and time.monotonic() + delay + settings.timeout_seconds > deadline:
                last_failure += "; no time left for another attempt"
                break
            metrics.add_metric(name="UpstreamRetries", unit=MetricUnit.Count, value=1)
            _sleep(delay)
        attempts = attempt
        try:
            response = _http.request(
                method,
                url,
                body=body,
                headers=dict(headers),
                timeout=urllib3.Timeout(total=settings.timeout_seconds),
                redirect=False,
            )
        except urllib3.exceptions.NewConnectionError as exc:  # before TimeoutError: urllib3 subclasses it
            last_failure = f"connection error ({type(exc).__name__})"  # no connection: nothing was sent
        except urllib3.exceptions.ConnectTimeoutError:
            last_failure = f"connecting timed out after {settings.timeout_seconds:g}s"  # nothing was sent
        except urllib3.exceptions.TimeoutError:
            may_have_arrived = True
            last_failure = f"timed out after {settings.timeout_seconds:g}s"
        except urllib3.exceptions.HTTPError as exc:
            may_have_arrived = True  # e.g. the connection was reset after the request went out
            last_failure = f"connection error ({type(exc).__name__})"
        else:
            if response.status != 429 and response.status < 500:  # 429 and every 5xx are retried
                return response.status, response.data
            may_have_arrived = True  # a 5xx may come after the work was done
            last_failure = f"HTTP {response.status}"
        logger.warning("orders API attempt failed", extra={"attempt": attempt, "failure": last_failure})
    if method != "GET" and may_have_arrived:
        raise ToolError(
            OUTCOME_UNKNOWN,
            f"no answer from the orders API after {attempts} attempt(s) (last: {last_failure}); the request was "
            "sent and may have been carried out, so its outcome is unknown",
        )
    raise ToolError(
        UPSTREAM_UNAVAILABLE,
        f"orders API unavailable after {attempts} attempt(s) (last: {last_failure}); try again later",
        retryable=True,
    )


# --------------------------------------------------------------------------- dispatch
