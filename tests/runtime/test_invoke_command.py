"""`edgesim invoke` as a user runs it: a real process, handler files in the current directory.

Exit status 0 prints the request or response CloudFront continues with; 1 is a function error
named as CloudFront names it (spec §2.4); 2 is a usage mistake or an unusable event file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

ADD_HEADER = '''
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    print("saw", request["uri"])
    request["headers"]["x-handled-by"] = [{"value": context.function_name}]
    return request
'''
SHOW_EVENT = '''
import json

def handler(event, context):
    cf = event["Records"][0]["cf"]
    print(json.dumps(cf))
    return cf.get("response", cf["request"])
'''
REDIRECT = '''
def handler(event, context):
    return {"status": "302", "headers": {"location": [{"value": "https://example.org/"}]}}
'''
HSTS = '''
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["strict-transport-security"] = [{"value": "max-age=63072000"}]
    print("adding HSTS")
    return response
'''
HEADER_NOT_A_LIST = '''
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-foo"] = "bar"
    return request
'''
RAISES = '''
def handler(event, context):
    raise ValueError("something broke")
'''
SLEEPS = '''
import time

def handler(event, context):
    time.sleep(60)
'''
ECHO_BODY = '''
import base64

def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    body = request["body"]
    text = base64.b64decode(body["data"]).decode()
    request["headers"]["x-body"] = [{"value": f"{text} truncated={body['inputTruncated']}"}]
    return request
'''
# The Lambda console's "cloudfront-modify-querystring" sample: no eventType, requestId or
# distributionDomainName.
CONSOLE_SAMPLE = {
    "Records": [{"cf": {
        "config": {"distributionId": "EDFDVBD6EXAMPLE"},
        "request": {
            "clientIp": "2001:0db8:85a3:0:0:8a2e:0370:7334",
            "querystring": "size=large",
            "uri": "/picture.jpg",
            "method": "GET",
            "headers": {
                "host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}],
                "user-agent": [{"key": "User-Agent", "value": "curl/7.51.0"}],
            },
        },
    }}]
}


class Run(NamedTuple):
    status: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        return self.err.rstrip("\n").rsplit("\n", 1)[-1]

    def logged_json(self) -> Any:
        """The one JSON line the handler printed (its log is on stderr)."""
        (line,) = [line for line in self.err.splitlines() if line.startswith("{")]
        return json.loads(line)


@pytest.fixture
def edgesim(tmp_path: Path) -> Any:
    """Run `edgesim invoke ...` in tmp_path, where the handler and event files are."""

    def run(*args: str) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "edge", "invoke", *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )
        assert "Traceback" not in done.stderr or "[ERROR]" in done.stderr, done.stderr
        return Run(done.returncode, done.stdout, done.stderr)

    return run


def write(directory: Path, name: str, text: str) -> str:
    (directory / name).write_text(text)
    return name


def test_an_accepted_request_is_printed_and_the_log_goes_to_stderr(
    edgesim: Any, tmp_path: Path
) -> None:
    write(tmp_path, "add_header.py", ADD_HEADER)
    run = edgesim("add_header.py", "--event-type", "viewer-request", "--uri", "/docs/?lang=en",
                  "--header", "Accept-Language: fr", "--client-ip", "198.51.100.7")
    assert run.status == 0, run.err
    request = json.loads(run.out)
    assert request["uri"] == "/docs/" and request["querystring"] == "lang=en"
    assert request["clientIp"] == "198.51.100.7"
    assert request["headers"]["accept-language"] == [{"key": "Accept-Language", "value": "fr"}]
    assert request["headers"]["x-handled-by"] == [{"key": "X-Handled-By", "value": "add_header"}]
    assert run.out.startswith('{\n  "clientIp"')  # two-space indent
    log = run.err.splitlines()
    assert log[0].startswith("START RequestId: ") and log[1] == "saw /docs/"
    assert log[-2].startswith("END RequestId: ")
    assert log[-1].startswith("REPORT RequestId: ") and "\tInit Duration: " in log[-1]


def test_a_generated_response_is_printed(edgesim: Any, tmp_path: Path) -> None:
    write(tmp_path, "redirect.py", REDIRECT)
    run = edgesim("redirect.py", "--event-type", "origin-request")
    assert run.status == 0, run.err
    assert json.loads(run.out) == {
        "headers": {"location": [{"key": "Location", "value": "https://example.org/"}]},
        "status": "302",
        "statusDescription": "Found",
    }


def test_an_origin_event_has_what_a_pop_sends_the_origin(edgesim: Any, tmp_path: Path) -> None:
    write(tmp_path, "add_header.py", ADD_HEADER)
    run = edgesim("add_header.py", "--event-type", "origin-request", "--client-ip", "198.51.100.9",
                  "--header", "Accept: text/html")
    assert run.status == 0, run.err
    headers = {name: [entry["value"] for entry in entries]
               for name, entries in json.loads(run.out)["headers"].items()}
    assert headers["user-agent"] == ["Amazon CloudFront"]
    assert headers["x-forwarded-for"] == ["198.51.100.9"]  # the viewer's, as given
    assert headers["accept"] == ["text/html"] and headers["host"] == ["example.org"]


def test_a_response_event_gets_the_origin_status(edgesim: Any, tmp_path: Path) -> None:
    write(tmp_path, "hsts.py", HSTS)
    run = edgesim("hsts.py", "--event-type", "origin-response", "--status", "404",
                  "--mode", "inline")
    assert run.status == 0, run.err
    response = json.loads(run.out)
    assert (response["status"], response["statusDescription"]) == ("404", "Not Found")
    assert "strict-transport-security" in response["headers"]
    assert "\nadding HSTS\n" in run.err  # inline too, the handler's output is the log's


def test_an_invalid_return_value_is_a_validation_error(edgesim: Any, tmp_path: Path) -> None:
    write(tmp_path, "not_a_list.py", HEADER_NOT_A_LIST)
    run = edgesim("not_a_list.py", "--event-type", "viewer-request")
    assert run.status == 1 and run.out == ""
    assert run.last_line == (
        "edgesim: LambdaValidationError: headers['x-foo'] must be a list of {key, value} objects"
    )
    assert "CloudFront would answer 502 (X-Cache: LambdaValidationError from cloudfront)" in run.err


def test_an_exception_is_an_execution_error_with_the_trace_in_the_log(
    edgesim: Any, tmp_path: Path
) -> None:
    write(tmp_path, "raises.py", RAISES)
    run = edgesim("raises.py", "--event-type", "viewer-request")
    assert run.status == 1 and run.out == ""
    assert run.last_line == "edgesim: LambdaExecutionError: ValueError: something broke"
    assert "[ERROR] ValueError: something broke\nTraceback (most recent call last):" in run.err
    assert "CloudFront would answer 503" in run.err


def test_a_timeout_is_an_execution_error(edgesim: Any, tmp_path: Path) -> None:
    write(tmp_path, "sleeps.py", SLEEPS)
    run = edgesim("sleeps.py", "--event-type", "viewer-request", "--timeout", "0.2")
    assert run.status == 1
    assert run.last_line == (
        "edgesim: LambdaExecutionError: Sandbox.Timedout: Task timed out after 0.20 seconds"
    )


def test_a_missing_handler_file_is_an_init_error(edgesim: Any) -> None:
    run = edgesim("nowhere.py", "--event-type", "viewer-request")
    assert run.status == 1
    assert run.last_line == (
        "edgesim: LambdaExecutionError: Runtime.ImportModuleError: Unable to import module "
        "'nowhere': no file nowhere.py"
    )


def test_the_console_sample_is_completed_as_cloudfront_sends_it(
    edgesim: Any, tmp_path: Path
) -> None:
    write(tmp_path, "show.py", SHOW_EVENT)
    write(tmp_path, "event.json", json.dumps(CONSOLE_SAMPLE))
    run = edgesim("show.py", "--event", "event.json", "--event-type", "viewer-request")
    assert run.status == 0, run.err
    cf = run.logged_json()
    assert cf["config"] == {
        "distributionDomainName": "d111111abcdef8.cloudfront.net",
        "distributionId": "EDFDVBD6EXAMPLE",
        "eventType": "viewer-request",
        "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
    }
    assert json.loads(run.out) == CONSOLE_SAMPLE["Records"][0]["cf"]["request"]


def test_a_response_sample_without_request_or_description_takes_its_type_from_the_file(
    edgesim: Any, tmp_path: Path
) -> None:
    write(tmp_path, "show.py", SHOW_EVENT)
    sample = {"Records": [{"cf": {
        "config": {"distributionId": "EXAMPLE", "eventType": "origin-response"},
        "response": {"status": "200", "headers": {
            "x-cache": [{"key": "X-Cache", "value": "Hello from Cloudfront"}],
            "last-modified": [{"value": "2016-11-25"}],
        }},
    }}]}
    write(tmp_path, "event.json", json.dumps(sample))
    run = edgesim("show.py", "--event", "event.json")
    assert run.status == 0, run.err
    cf = run.logged_json()
    assert cf["response"] == {
        "headers": {"last-modified": [{"key": "Last-Modified", "value": "2016-11-25"}]},
        "status": "200",
        "statusDescription": "OK",
    }
    assert (cf["request"]["method"], cf["request"]["uri"]) == ("GET", "/")
    assert "custom" in cf["request"]["origin"]


def test_the_body_is_shown_with_include_body(edgesim: Any, tmp_path: Path) -> None:
    write(tmp_path, "echo_body.py", ECHO_BODY)
    write(tmp_path, "form.txt", "name=edge")
    run = edgesim("echo_body.py", "--event-type", "viewer-request", "--method", "post",
                  "--include-body", "--body", "@form.txt")
    assert run.status == 0, run.err
    request = json.loads(run.out)
    assert request["method"] == "POST"
    assert request["headers"]["x-body"][0]["value"] == "name=edge truncated=False"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"Records": [', "event.json: not JSON (Expecting value: line 1 column 14 (char 13))"),
        ('{"Records": []}', "event.json: Records: CloudFront sends exactly one record, not 0"),
        ('{"Records": [{"cf": {"request": {"method": "GET"}}}]}',
         "event.json: Records[0].cf.request.uri: missing"),
        ('{"Records": [{"cf": {"config": {"eventType": "origin-request"}, '
         '"request": {"uri": "/", "method": "GET"}}}]}',
         "event.json: Records[0].cf.config.eventType: the document says origin-request, but "
         "the event type is viewer-request"),
    ],
)
def test_a_bad_event_file_is_one_line_naming_the_field(
    edgesim: Any, tmp_path: Path, document: str, message: str
) -> None:
    write(tmp_path, "add_header.py", ADD_HEADER)
    write(tmp_path, "event.json", document)
    run = edgesim("add_header.py", "--event", "event.json", "--event-type", "viewer-request")
    assert run.status == 2 and run.out == ""
    assert run.err == f"edgesim invoke: error: {message}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--header", "X-Foo bar"], "argument --header: expected 'Name: value', got 'X-Foo bar'"),
        (["--event", "event.json", "--uri", "/x"],
         "--uri cannot be combined with --event; edit the event file instead"),
        (["--status", "404"], "--status is for response triggers, not viewer-request"),
        (["--timeout", "6"], "timeout 6: viewer-request allows more than 0 and at most 5 s"),
        (["--timeout", "0"], "timeout 0: viewer-request allows more than 0 and at most 5 s"),
    ],
)
def test_a_usage_mistake_exits_2(edgesim: Any, tmp_path: Path, args: list[str],
                                 message: str) -> None:
    write(tmp_path, "add_header.py", ADD_HEADER)
    run = edgesim("add_header.py", "--event-type", "viewer-request", *args)
    assert run.status == 2 and run.out == ""
    assert run.last_line.endswith(f"error: {message}")
