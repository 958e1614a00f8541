"""HTTP triggers through a real socket: routing, request mapping, responses and errors."""

from __future__ import annotations

import json
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.devhost.conftest import StartSample
from tests.devhost.helpers import unique_name


def test_route_params_query_headers_and_body_reach_the_function(start_sample: StartSample) -> None:
    sample = start_sample()
    response = httpx.post(
        f"{sample.base_url}/api/items/42?colour=red&tag=a&tag=b",
        headers={"X-Sample": "hello"},
        content=b"payload bytes",
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["function"] == "item"
    assert document["method"] == "POST"
    assert document["route"] == {"id": "42"}
    assert document["query"] == {"colour": "red", "tag": "a,b"}
    assert document["sample_header"] == "hello"
    assert document["body"] == "payload bytes"
    assert document["url"].endswith("/api/items/42?colour=red&tag=a&tag=b")
    assert document["invocation_id"]


def test_literal_route_beats_parameter_route(start_sample: StartSample) -> None:
    sample = start_sample()
    assert httpx.get(f"{sample.base_url}/api/items/special").json() == {"function": "special_item"}


def test_catch_all_route(start_sample: StartSample) -> None:
    sample = start_sample()
    assert httpx.get(f"{sample.base_url}/api/files/a/b/c.txt").json() == {"path": "a/b/c.txt"}


def test_plain_text_response_gets_charset_and_custom_headers(start_sample: StartSample) -> None:
    response = httpx.get(f"{start_sample().base_url}/api/text")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-custom"] == "yes"
    assert response.text == "plain words"


def test_async_functions_are_awaited(start_sample: StartSample) -> None:
    response = httpx.get(f"{start_sample().base_url}/api/async-hello", params={"name": "Ann"})
    assert response.json() == {"hello": "Ann"}


def test_unknown_route_is_an_empty_404(start_sample: StartSample) -> None:
    response = httpx.get(f"{start_sample().base_url}/api/nothing-here")
    assert response.status_code == 404
    assert response.content == b""


def test_route_constraint_mismatch_is_404(start_sample: StartSample) -> None:
    assert httpx.get(f"{start_sample().base_url}/api/items/not-a-number").status_code == 404


def test_wrong_method_is_an_empty_404_as_on_the_host(start_sample: StartSample) -> None:
    """The Functions host has no 405: a route called with a method it does not list is not found."""
    response = httpx.delete(f"{start_sample().base_url}/api/items/42")
    assert response.status_code == 404
    assert response.content == b""
    assert "allow" not in response.headers


def test_empty_query_values_never_reach_the_function(start_sample: StartSample) -> None:
    """The host drops `?status=` before the worker sees it: the function finds no `status` at all."""
    response = httpx.get(f"{start_sample().base_url}/api/items/1?status=&flag&tag=a&tag=")
    assert response.json()["query"] == {"tag": "a,"}
    assert response.json()["url"].endswith("/api/items/1?status=&flag&tag=a&tag=")


def test_exception_is_an_empty_500(start_sample: StartSample, caplog: pytest.LogCaptureFixture) -> None:
    sample = start_sample()
    with caplog.at_level(logging.INFO, logger="devhost"):
        response = httpx.get(f"{sample.base_url}/api/boom")
    assert response.status_code == 500
    assert response.content == b""
    assert any("Executed 'Functions.boom' (Failed, 500" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("route", "python_type"), [("returns-nothing", "NoneType"), ("returns-bytes", "bytes")]
)
def test_returning_none_or_bytes_from_an_http_function_fails_the_invocation(
    start_sample: StartSample, caplog: pytest.LogCaptureFixture, route: str, python_type: str
) -> None:
    """The worker encodes only HttpResponse or str for an http output; anything else is a 500."""
    sample = start_sample()
    with caplog.at_level(logging.INFO, logger="devhost"):
        response = httpx.get(f"{sample.base_url}/api/{route}")
    assert response.status_code == 500
    assert response.content == b""
    errors = [str(r.exc_info[1]) for r in caplog.records if r.exc_info and r.exc_info[1] is not None]
    assert any(
        "unable to encode outgoing TypedData" in e and f'for Python type "{python_type}"' in e for e in errors
    )


def test_one_log_line_per_invocation_without_the_body(
    start_sample: StartSample, caplog: pytest.LogCaptureFixture
) -> None:
    sample = start_sample()
    with caplog.at_level(logging.INFO, logger="devhost"):
        httpx.post(f"{sample.base_url}/api/items/7", content=b"secret-personal-data")
    lines = [r.getMessage() for r in caplog.records if "Functions.item" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].startswith("Executed 'Functions.item' (Succeeded, 201, Duration=")
    assert "Trigger=HTTP" in lines[0]
    assert all("secret-personal-data" not in r.getMessage() for r in caplog.records)


def test_keep_alive_connection_serves_several_requests(start_sample: StartSample) -> None:
    sample = start_sample()
    with httpx.Client(base_url=sample.base_url) as client:
        for number in range(5):
            assert client.get(f"/api/items/{number}").json()["route"] == {"id": str(number)}


def test_fifty_requests_are_handled_concurrently_with_fifty_worker_threads(
    start_sample: StartSample,
) -> None:
    """Every handler waits at a barrier for all 50: only a concurrent server lets them all pass."""
    sample = start_sample(PYTHON_THREADPOOL_THREAD_COUNT="50")
    parties = 50
    limits = httpx.Limits(max_connections=parties)
    key = unique_name("fifty")
    with (
        httpx.Client(base_url=sample.base_url, limits=limits, timeout=30) as client,
        ThreadPoolExecutor(max_workers=parties) as pool,
    ):
        responses = list(
            pool.map(lambda _: client.get(f"/api/together/{key}", params={"n": parties}), range(parties))
        )
    assert [r.status_code for r in responses] == [200] * parties
    assert max(r.json()["most_running"] for r in responses) == parties


def test_stop_is_prompt_and_closes_the_port(start_sample: StartSample) -> None:
    sample = start_sample()
    with httpx.Client(base_url=sample.base_url) as client:
        assert client.get("/api/text").status_code == 200  # leaves an idle keep-alive connection
        started = time.monotonic()
        sample.host.stop()
        assert time.monotonic() - started < 2.0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sample.base_url}/api/text")


def test_stop_lets_a_running_request_finish(start_sample: StartSample) -> None:
    sample = start_sample()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(
            httpx.get, f"{sample.base_url}/api/together/{unique_name('alone')}", params={"n": 1}
        )
        deadline = time.monotonic() + 10
        while sample.host.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)  # wait until the function is sleeping inside the host
        assert sample.host.in_flight == 1
        sample.host.stop()
        assert pending.result().status_code == 200


def test_function_disabled_by_app_setting_is_not_served(start_sample: StartSample) -> None:
    sample = start_sample(**{"AzureWebJobs.boom.Disabled": "true"})
    assert httpx.get(f"{sample.base_url}/api/boom").status_code == 404
    assert "boom" not in {spec.name for spec in sample.host.functions}


def _raw_exchange(base_url: str, request: bytes, *, keep_open: bool = True, timeout: float = 5.0) -> bytes:
    """Send raw bytes and read the answer; with keep_open the client never ends its body."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(request)
        if not keep_open:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while keep_open is False or b"\r\n\r\n" not in answer:
            piece = connection.recv(4096)
            if not piece:
                break
            answer += piece
        return answer


def test_a_negative_chunk_size_is_refused_at_once_without_reading_on(start_sample: StartSample) -> None:
    answer = _raw_exchange(
        start_sample().base_url,
        b"POST /api/items/1 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_a_chunked_body_is_not_forwarded_to_the_function(start_sample: StartSample) -> None:
    """The host hands a function only a body whose length was announced."""
    answer = _raw_exchange(
        start_sample().base_url,
        b"POST /api/items/1 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        keep_open=False,
    )
    assert answer.startswith(b"HTTP/1.1 201 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["body"] == ""


def test_a_body_over_the_host_limit_is_refused_before_it_is_read(start_sample: StartSample) -> None:
    sample = start_sample(FUNCTIONS_REQUEST_BODY_SIZE_LIMIT="1024")
    answer = _raw_exchange(
        sample.base_url, b"POST /api/items/1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048576\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert httpx.post(f"{sample.base_url}/api/items/1", content=b"x" * 1024).status_code == 201


@pytest.mark.parametrize(
    "header_lines",
    [
        b"Host: localhost\r\nX-Sample: a\rInjected: yes\r\n",  # a bare CR
        b"Host: localhost\r\nX-Sample: a\nInjected: yes\r\n",  # a bare LF
        b"Host: evil.example/path\r\n",  # a Host that is no host name
    ],
)
def test_malformed_header_lines_are_refused(start_sample: StartSample, header_lines: bytes) -> None:
    answer = _raw_exchange(start_sample().base_url, b"GET /api/text HTTP/1.1\r\n" + header_lines + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_the_server_header_names_no_versions(start_sample: StartSample) -> None:
    assert httpx.get(f"{start_sample().base_url}/api/text").headers["server"] == "devhost"
