"""Travel model: haversine x road factor at speed; the OSRM table client against a local stdlib server."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator

import pytest

from tournevis.dispatch.routing import travel
from tournevis.dispatch.routing.model import Location, Problem, Technician, Travel, Visit

from .support import km, problem, tech, visit

PARIS = Location(48.8566, 2.3522)
LYON = Location(45.7640, 4.8357)


def test_haversine_paris_lyon() -> None:
    assert round(travel.haversine_m(PARIS, LYON)) == 391_499


def test_default_matrix_is_haversine_times_road_factor_at_speed() -> None:
    given = Problem(
        (Technician("t", PARIS, ()),), (Visit("v", LYON, 30),), Travel(speed_kmh=90, road_factor=1.2)
    )
    grid = travel.matrix(given)
    assert grid.metres(PARIS, LYON) == round(391_499.47 * 1.2) == 469_799
    assert grid.seconds(PARIS, LYON) == round(469_799.37 / 25) == 18_792
    assert grid.seconds(LYON, LYON) == 0


def test_places_are_deduplicated_in_first_seen_order() -> None:
    given = problem([tech("a", 0), tech("b", 0)], [visit("x", 5), visit("y", 0), visit("z", 5)])
    assert travel.places(given) == [km(0), km(5)]


class Table(http.server.BaseHTTPRequestHandler):
    """A fake OSRM for places at lon = n / 1000: 100 s and 1 km per step of n; n = 9 is unroutable."""

    requests: list[str] = []

    def do_GET(self) -> None:
        Table.requests.append(self.path)
        parsed = urllib.parse.urlsplit(self.path)
        coordinates = parsed.path.rsplit("/", 1)[1].split(";")
        query = urllib.parse.parse_qs(parsed.query)
        sources = [int(i) for i in query["sources"][0].split(";")]
        destinations = [int(i) for i in query["destinations"][0].split(";")]
        lons = [float(c.split(",")[0]) for c in coordinates]
        index = [round(lon * 1000) for lon in lons]  # the test places sit at lon = n / 1000

        def cell(i: int, j: int, scale: int) -> float | None:
            if 9 in (index[i], index[j]) and index[i] != index[j]:
                return None
            return abs(index[i] - index[j]) * scale

        body = {
            "code": "Ok",
            "durations": [[cell(i, j, 100) for j in destinations] for i in sources],
            "distances": [[cell(i, j, 1000) for j in destinations] for i in sources],
        }
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Table)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Table.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def point(n: int) -> Location:
    return Location(0.0, n / 1000)


def test_request_url() -> None:
    url = travel.osrm_request_url("http://osrm:5000/", [point(1), point(2)], [0], [0, 1])
    assert url == (
        "http://osrm:5000/table/v1/driving/0.001000,0.000000;0.002000,0.000000"
        "?sources=0&destinations=0;1&annotations=duration,distance"
    )


def test_the_table_is_read_from_osrm(osrm: str) -> None:
    seconds, metres = travel.osrm_table(osrm, [point(0), point(3), point(5)])
    assert seconds.tolist() == [[0, 300, 500], [300, 0, 200], [500, 200, 0]]
    assert metres.tolist() == [[0, 3000, 5000], [3000, 0, 2000], [5000, 2000, 0]]
    assert len(Table.requests) == 1


def test_large_tables_are_asked_in_blocks(osrm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(travel, "OSRM_BLOCK", 2)
    seconds, _metres = travel.osrm_table(osrm, [point(0), point(1), point(2)])
    assert seconds.tolist() == [[0, 100, 200], [100, 0, 100], [200, 100, 0]]
    assert len(Table.requests) == 4
    assert Table.requests[0].split("?")[1] == "sources=0;1&destinations=2;3&annotations=duration,distance"


def test_an_unroutable_pair_is_unreachable(osrm: str) -> None:
    seconds, metres = travel.osrm_table(osrm, [point(0), point(9)])
    assert seconds.tolist() == [[0, travel.UNREACHABLE], [travel.UNREACHABLE, 0]]
    assert metres[0, 1] == travel.UNREACHABLE


def test_the_problem_matrix_uses_osrm_when_configured(osrm: str) -> None:
    given = Problem((Technician("t", point(0), ()),), (Visit("v", point(4), 30),), Travel(osrm_url=osrm))
    assert travel.matrix(given).seconds(point(0), point(4)) == 400


def test_an_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(travel.TravelError) as caught:
        travel.osrm_table(f"http://127.0.0.1:{port}", [point(0), point(1)], timeout=2)
    assert caught.value.message.startswith(f"the routing server http://127.0.0.1:{port} is unreachable: ")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>", "the routing server answered something that is not JSON"),
        (
            b'{"code": "InvalidQuery", "message": "Too many table coordinates"}',
            "the routing server refused the request: InvalidQuery Too many table coordinates",
        ),
        (
            b'{"code": "Ok", "durations": [[0]]}',
            "the routing server's answer has no durations table of the expected size",
        ),
    ],
)
def test_bad_answers_are_clear_errors(body: bytes, message: str) -> None:
    with pytest.raises(travel.TravelError) as caught:
        travel.parse_osrm_table(body, 2, 2)
    assert caught.value.message == message
