"""Entity-group transactions without a thread pool per call.

azure-core runs the per-part policies of a multipart request, on the way out and on the way back,
on a `ThreadPoolExecutor` it creates and tears down for every batch: one create's transaction
started and joined a handful of threads, about a millisecond and a half of CPU on the profile. The
policies only read and set headers, so running them in place does the same work in the same order.

It then writes the multipart body through the standard library's e-mail generator, a fifth of a
conversion's CPU on the profile. The body is written here directly, byte for byte what the generator
writes for the ASCII requests the Tables SDK makes (`tests/unit/test_batch_parts.py` compares them).

Done only for the azure-core version requirements.txt pins; any other keeps its own behaviour.
"""

from __future__ import annotations

from typing import Any

import azure.core
from azure.core.pipeline import Pipeline, PipelineContext, PipelineRequest, PipelineResponse
from azure.core.pipeline.transport import _base as transport_base
from azure.core.rest import _helpers as rest_helpers
from azure.core.rest import _http_response_impl
from azure.core.utils import _pipeline_transport_rest_shared as shared_helpers

PATCHED_AZURE_CORE = "1.41.0"


def _prepare_parts(request: Any) -> None:
    info = request.multipart_mixed_info
    if not info:
        return
    parts, policies, options = info[0], info[1], info[3]
    for part in parts:
        if part.multipart_mixed_info:
            _prepare_parts(part)
        pipeline_request = PipelineRequest(part, PipelineContext(None, **options))
        for policy in policies:
            policy.on_request(pipeline_request)


def _response_parts(response: Any) -> Any:
    if not response.content_type or not response.content_type.startswith("multipart/mixed"):
        raise ValueError("You can't get parts if the response is not multipart/mixed")
    parts = response._get_raw_parts()
    if response.request.multipart_mixed_info:
        policies = response.request.multipart_mixed_info[1]
        for part in parts:
            context = PipelineContext(None)
            pipeline_request = PipelineRequest(part.request, context)
            pipeline_response = PipelineResponse(part.request, part, context=context)
            for policy in policies:
                policy.on_response(pipeline_request, pipeline_response)
    return parts


_GENERATED_BODY = shared_helpers._prepare_multipart_body_helper
CRLF = b"\r\n"


def multipart_body(http_request: Any, content_index: int = 0) -> int:
    """The multipart/mixed body of a batch (and of its change sets, nested), as azure-core writes it."""
    info = http_request.multipart_mixed_info
    if not info:
        return 0
    parts, boundary = info[0], info[2]
    if not boundary:
        return int(_GENERATED_BODY(http_request, content_index))
    delimiter = b"--" + boundary.encode("ascii")
    chunks: list[bytes] = []
    for part in parts:
        if part.multipart_mixed_info:
            content_index = part.prepare_multipart_body(content_index=content_index)
            head = b"Content-Type: " + part.headers["Content-Type"].encode("ascii") + CRLF
            payload = part.serialize()
            payload = payload[payload.index(b"--") :]
        else:
            head = b"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
            head += b"Content-ID: " + str(content_index).encode("ascii") + CRLF
            payload = part.serialize()
            content_index += 1
        chunks += [delimiter, CRLF, head, CRLF, payload, CRLF]
    chunks += [delimiter, b"--", CRLF]
    http_request.set_bytes_body(b"".join(chunks))
    http_request.headers["Content-Type"] = "multipart/mixed; boundary=" + boundary
    return content_index


def prepare_in_place() -> None:
    if azure.core.__version__ != PATCHED_AZURE_CORE:
        return
    Pipeline._prepare_multipart_mixed_request = staticmethod(_prepare_parts)  # type: ignore[method-assign]
    _http_response_impl._parts_helper = _response_parts  # type: ignore[attr-defined]
    transport_base._parts_helper = _response_parts  # type: ignore[attr-defined]
    rest_helpers._prepare_multipart_body_helper = multipart_body  # type: ignore[attr-defined]
    transport_base._prepare_multipart_body_helper = multipart_body  # type: ignore[attr-defined]
