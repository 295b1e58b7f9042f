"""The studio's HTTP API on a real loopback server: every view is an endpoint usable from Python and from
curl."""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from studio_fixtures import PROMPT, call_raw

from partita.web import Limits

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "score"
BLANK = "(from the prompt)"


def compose_args(prompt=PROMPT, n=1, seed="1", bars="", key=BLANK, tempo=""):
    """The inputs of /compose in order: prompt, n, seed, key, tempo, meter, instruments, bars, chords, faders,
    in key, key gravity, chord tones only."""
    return [prompt, n, seed, key, tempo, BLANK, "", bars, "", "", "", "", False, "", False]


@pytest.fixture(scope="module")
def client(studio):
    from gradio_client import Client

    return Client(studio[0], analytics_enabled=False, verbose=False)


def test_every_view_has_a_documented_endpoint(client, studio):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/compose", "/analyze", "/corpora", "/corpus_pieces", "/corpus_piece"} <= set(api)
    names = [p["parameter_name"] for p in api["/compose"]["parameters"]]
    assert names[:3] == ["prompt", "n", "seed"] and "instruments" in names and "density" in names
    with urllib.request.urlopen(f"{studio[0]}gradio_api/info", timeout=10) as r:
        assert "/analyze" in json.loads(r.read())["named_endpoints"]


def test_compose_from_python_gives_ranked_candidates_and_their_files(client):
    from symusic import Score

    summary, files = client.predict(*compose_args(n=2), api_name="/compose")
    assert (
        summary["understood"]["conditions"]["key"] == "C" and summary["understood"]["conditions"]["bars"] == 2
    )
    ranks = [c["rank"] for c in summary["candidates"]]
    assert ranks == [1, 2]
    playing = [c for c in summary["candidates"] if c["notes"]]
    assert playing, "the taught debug model should play"
    first = playing[0]
    assert {"midi", "musicxml", "pianoroll", "score"} <= set(first["files"])
    assert "instrument_f1" in first["adherence"]
    midi = next(f for f in files if Path(f).name == first["files"]["midi"])
    assert Score(midi).note_num() == first["notes"]


def test_compose_with_keyword_arguments_as_in_the_readme(client):
    summary, files = client.predict(prompt=PROMPT, n=1, seed="7", bars="1", api_name="/compose")
    assert summary["understood"]["conditions"]["bars"] == 1 and summary["candidates"][0]["seed"] == 7
    assert "key" in summary["explain"] and files


def test_compose_in_key_keeps_the_taught_model_in_the_requested_key(client):
    """The debug model was taught a C major arpeggio: asked for F# major it plays some of it unless in-key."""
    from symusic import Score

    def pitch_classes(in_key: bool) -> tuple[dict, set[int]]:
        summary, files = client.predict(
            prompt="a piano piece in F# major, 4 bars",
            n=2,
            seed="4",
            in_key=in_key,
            key_gravity="0",
            api_name="/compose",
        )
        pcs = {n.pitch % 12 for f in files if f.endswith(".mid") for t in Score(f).tracks for n in t.notes}
        return summary, pcs

    f_sharp_major = {6, 8, 10, 11, 1, 3, 5}
    summary, inside = pitch_classes(True)
    assert summary["sampling"] == {"in_key": True, "key_gravity": 0.0, "chord_tones_only": False}
    assert inside and inside <= f_sharp_major
    _, free = pitch_classes(False)
    assert free - f_sharp_major
    with pytest.raises(Exception) as e:
        client.predict(prompt=PROMPT, n=1, seed="1", key_gravity="7", api_name="/compose")
    assert "key gravity 7: choose 0 (none) to 3" in str(e.value)


def test_compose_chord_tones_only_keeps_each_bar_in_its_chord(client):
    """The debug model was taught a C major arpeggio: with chords Dm G, chord tones only holds bar 1 to D F A
    and bar 2 to G B D (bars 3-4 loop), which the default (scale tones between beats) does not."""
    from symusic import Score

    chords = [{2, 5, 9}, {7, 11, 2}]

    def off_chord(strict: bool) -> tuple[dict, int]:
        summary, files = client.predict(
            prompt="a piano piece in C major, 4 bars",
            n=2,
            seed="3",
            chords="Dm G",
            chord_tones_only=strict,
            key_gravity="0",
            api_name="/compose",
        )
        bad = 0
        for f in files:
            if f.endswith(".mid"):
                score = Score(f)
                bar = 4 * score.ticks_per_quarter
                notes = [n for t in score.tracks for n in t.notes]
                bad += sum(n.pitch % 12 not in chords[n.time // bar % 2] for n in notes)
                assert notes
        return summary, bad

    summary, bad = off_chord(True)
    assert summary["sampling"]["chord_tones_only"] is True and bad == 0
    assert off_chord(False)[1] > 0


def test_analyze_the_curl_way_upload_then_call(studio):
    import httpx

    url = studio[0]
    with open(FIXTURES / "reel_pickup.abc", "rb") as f:
        r = httpx.post(f"{url}gradio_api/upload", files={"files": ("tune.abc", f)}, timeout=30)
    uploaded = r.json()[0]
    event, data = call_raw(url, "analyze", [{"path": uploaded, "meta": {"_type": "gradio.FileData"}}])
    assert event == "complete" and data[0]["format"] == "abc" and data[0]["file"] == "tune.abc"


def test_compose_from_curl_and_bad_input_is_one_clear_message(studio):
    url = studio[0]
    event, data = call_raw(url, "compose", compose_args(seed="2"))
    assert event == "complete" and data[0]["candidates"][0]["rank"] == 1
    assert data[1][0]["url"].startswith(url)  # downloads are URLs on this server
    event, data = call_raw(url, "compose", compose_args(bars="99"))
    assert event == "error"
    assert data is None or "1 to 4" in json.dumps(data)
    from gradio_client import Client

    client = Client(url, analytics_enabled=False, verbose=False)
    for args, message in [
        (compose_args(bars="99"), "bars 99: this server takes a whole number from 1 to 4"),
        (compose_args(seed="lucky"), "seed: 'lucky' is not a number"),
        (compose_args(n=3), "maximum value 2"),  # the slider's own bound, checked by Gradio
        (compose_args(prompt=""), "write a prompt"),
        (compose_args(tempo="5000"), "20 to 320 bpm"),
        (compose_args(key="Q flat"), "key"),
        (compose_args(prompt="a long piece, 200 bars"), "at most 4"),
        # quoted, not clamped to 128
        (compose_args(prompt="a long piece, 100000 bars"), "asks for 100000 bars"),
    ]:
        with pytest.raises(Exception) as e:
            client.predict(*args, api_name="/compose")
        text = str(e.value)
        assert message in text and "Traceback" not in text, text


def test_analyze_reads_the_upload_by_its_content(client, tmp_path):
    from gradio_client import handle_file

    abc = tmp_path / "tune.txt"  # an ABC tune with a name that says nothing
    abc.write_text((FIXTURES / "reel_pickup.abc").read_text())
    description, en, zh, timeline, segments, timeline_png, roll = client.predict(
        handle_file(str(abc)), api_name="/analyze"
    )
    assert description["format"] == "abc" and description["n_notes"] > 0
    assert en and zh and any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert timeline["data"] and timeline["data"][0][0] == "A"
    assert Path(timeline_png).stat().st_size > 1000 and Path(roll).stat().st_size > 1000
    fake = tmp_path / "song.mid"
    fake.write_text("<html>not music</html>")
    with pytest.raises(Exception, match="not a score file"):
        client.predict(handle_file(str(fake)), api_name="/analyze")


def test_a_path_sent_by_a_client_never_reaches_the_filesystem(studio, tmp_path, capfd):
    """Refused with one sentence to the client, and no traceback in the server's log."""
    secret = tmp_path / "secret.mid"
    secret.write_bytes((FIXTURES / "two_tracks.mid").read_bytes())
    for path in (str(secret), "/etc/hostname", "../../../../etc/hostname"):
        event, data = call_raw(studio[0], "analyze", [{"path": path, "meta": {"_type": "gradio.FileData"}}])
        assert event == "error", (path, data)
        assert "upload it first" in json.dumps(data) and "Traceback" not in json.dumps(data)
    assert "Traceback" not in capfd.readouterr().err


def test_corpus_endpoints_browse_by_label_and_refuse_unknown_names(client):
    update = client.predict(api_name="/corpora")
    assert update["choices"][0][0] == "tunes"
    rows, choice, count = client.predict("tunes", "tune_type", "waltz", api_name="/corpus_pieces")
    assert count == "2 pieces" and {r[1] for r in rows["data"]} == {"First Waltz", "Second Waltz"}
    rows, _, count = client.predict("tunes", "key", "F major", api_name="/corpus_pieces")
    assert [r[1] for r in rows["data"]] == ["Second Waltz"]
    en, zh, labels, audio, roll = client.predict("tunes", rows["data"][0][0], api_name="/corpus_piece")
    assert "3/4" in en and labels["title"] == "Second Waltz" and Path(roll).stat().st_size > 1000
    with pytest.raises(Exception, match="no corpus named '../tunes'"):
        client.predict("../tunes", "(any)", "(any)", api_name="/corpus_pieces")
    with pytest.raises(Exception, match="no piece"):
        client.predict("tunes", "../../etc/passwd", api_name="/corpus_piece")


def test_simultaneous_generations_are_answered_in_turn(studio):
    from gradio_client import Client

    url, app = studio

    def one(seed: int):
        c = Client(url, analytics_enabled=False, verbose=False)
        return c.predict(*compose_args(seed=str(seed), bars="1"), api_name="/compose")[0]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(one, range(6)))
    assert [r["candidates"][0]["seed"] for r in results] == list(range(6))
    work = app.studio.work.path
    assert len(list(work.iterdir())) >= 6  # one folder per request, pruned after keep_seconds


def test_generation_past_its_time_limit_stops_with_a_message(studio_model, tmp_path):
    from partita.web.compose import compose
    from partita.web.limits import RequestTimeout, WorkDir
    from partita.web.studio import Studio

    studio = Studio(
        model=studio_model,
        model_name="debug",
        limits=Limits(request_seconds=0.05),
        work=WorkDir(60, tmp_path),
        corpora_root=tmp_path,
    )
    # every forward pass takes >= 30 ms whatever the machine, so the 0.05 s limit is passed by the third one
    slow = studio_model.model.register_forward_pre_hook(lambda module, args: time.sleep(0.03))
    try:
        with pytest.raises(RequestTimeout, match="0.05 s limit"):
            compose(studio, "a piano piece, 4 bars", n=2, seed=0)
        studio_model.model(__import__("torch").tensor([[1, 2]]))  # the limit ended with the request
    finally:
        slow.remove()
        studio.close()
    assert not studio.work.path.exists()


@pytest.mark.timeout(300)
def test_a_full_queue_refuses_at_once_and_the_server_carries_on(tmp_path):
    from gradio_client import Client
    from studio_fixtures import running_studio

    from partita.pipelines import debug_generator

    model = debug_generator(seed=0)
    slow = model.model.register_forward_pre_hook(
        lambda module, args: time.sleep(0.02)
    )  # ~1 s per 2-bar request
    limits = Limits(max_candidates=1, max_bars=2, queue_size=1, generate_concurrency=1)
    try:
        with running_studio(model, tmp_path / "corpora", limits) as (url, _app):

            def one(seed: int):
                t0 = time.monotonic()
                try:
                    c = Client(url, analytics_enabled=False, verbose=False)
                    c.predict(*compose_args(seed=str(seed), bars="2"), api_name="/compose")
                    return "ok", time.monotonic() - t0
                except Exception as e:  # the client raises the server's refusal
                    return str(e), time.monotonic() - t0

            with ThreadPoolExecutor(6) as pool:
                answers = list(pool.map(one, range(6)))
            refused = [(m, s) for m, s in answers if m != "ok"]
            assert refused, f"6 requests at once against a queue of 1 were all served: {answers}"
            assert all("queue" in m.lower() and "full" in m.lower() for m, _ in refused), refused
            served = [s for m, s in answers if m == "ok"]
            assert served and max(s for _, s in refused) < min(served)  # refused at once, not after waiting
            after = Client(url, analytics_enabled=False, verbose=False)  # the server survives its clients
            assert after.predict(*compose_args(seed="9", bars="1"), api_name="/compose")[0]["candidates"]
    finally:
        slow.remove()


def test_on_loopback_only_loopback_host_names_are_answered(studio):
    """DNS rebinding: a page on another site that resolves its own name to 127.0.0.1 sends its own Host
    header; a server listening on loopback answers only requests addressed to a loopback name."""
    import http.client
    from urllib.parse import urlparse

    url = urlparse(studio[0])

    def status(host: str) -> int:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.request("GET", "/gradio_api/info", headers={"Host": host})
        return conn.getresponse().status

    assert status(f"127.0.0.1:{url.port}") == 200 and status(f"localhost:{url.port}") == 200
    assert status("rebound.example") == 400 and status(f"rebound.example:{url.port}") == 400
