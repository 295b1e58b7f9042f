"""Screenshots of each studio view for docs/ (not a test): ``python tests/web/take_screenshots.py [OUT_DIR]``.

Serves the studio with the taught debug model and the two-waltz test corpus, drives Debian's chromium through
Compose, Analyze and Corpus, and writes ``studio-compose.png``, ``studio-analyze.png``, ``studio-corpus.png``
(default: docs/images).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from browser import browser_page  # noqa: E402
from studio_fixtures import FIXTURES, PROMPT, build_tiny_corpus, playing_debug_model, running_studio  # noqa: E402


def chorale_file(folder: Path) -> Path:
    """A Bach chorale from music21's bundled corpus as MusicXML (a piece with sections to show), else the
    minuet."""
    try:
        import music21

        path = folder / "bwv66.6.musicxml"
        music21.corpus.parse("bach/bwv66.6").write("musicxml", fp=str(path))
        return path
    except Exception:
        return FIXTURES / "score" / "minuet.musicxml"


def main(out: Path) -> None:
    from partita.analysis.corpus_captions import caption_corpus
    from partita.web import Limits

    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="partita-shots-"))
    root = build_tiny_corpus(work / "corpora")
    upload = chorale_file(work)
    caption_corpus(str(root / "tunes"), n=1, workers=1)
    model = playing_debug_model()
    with (
        running_studio(model, root, Limits(max_candidates=2, max_bars=8)) as (url, _),
        browser_page(1280, 900) as page,
    ):
        page.goto(url)
        page.locator("#compose-prompt textarea").fill(PROMPT)
        page.locator("#compose-generate").click()
        page.locator(".candidate-pianoroll img").first.wait_for(state="visible", timeout=120_000)
        page.locator(".candidate-audio audio[src]").first.wait_for(state="attached", timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "studio-compose.png"), full_page=True)

        page.get_by_role("tab", name="Analyze").click()
        page.locator("#analyze-upload input[type=file]").set_input_files(str(upload))
        page.locator("#analyze-upload").get_by_text(upload.name).first.wait_for(timeout=60_000)
        page.locator("#analyze-run").click()
        caption = page.locator("#analyze-caption-en textarea")
        page.wait_for_function("el => el.value.length > 20", arg=caption.element_handle(), timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "studio-analyze.png"), full_page=True)

        page.get_by_role("tab", name="Corpus").click()
        page.locator("#corpus-list").click()
        page.wait_for_timeout(1500)
        page.locator("#corpus-listen").click()
        text = page.locator("#corpus-caption textarea")
        page.wait_for_function("el => el.value.length > 20", arg=text.element_handle(), timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "studio-corpus.png"), full_page=True)
    for name in ("compose", "analyze", "corpus"):
        print(out / f"studio-{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[1] / "docs" / "images")
