"""The key signature of a key: sharps and flats counted from the tonic's letter, as music21 counts them."""

import pytest
from music21 import key as m21key

from partita.analysis.key import MAJOR_TONICS, MINOR_TONICS, signature_fifths


@pytest.mark.parametrize("mode,tonics", [("major", MAJOR_TONICS), ("minor", MINOR_TONICS)])
def test_every_tonic_partita_names_gets_music21s_signature(mode, tonics):
    for tonic in tonics:
        name = tonic[0] + tonic[1:].replace("b", "-")
        want = m21key.Key(name if mode == "major" else name.lower()).sharps
        got = signature_fifths(tonic, mode)
        assert got == want or (abs(want) > 6 and got == want - 12 * (1 if want > 0 else -1)), (tonic, mode)
        assert -6 <= got <= 6


def test_enharmonic_spellings_and_bad_names():
    assert signature_fifths("F#", "major") == 6 and signature_fifths("Gb", "major") == -6
    assert signature_fifths("Db", "minor") == 4  # written as C# minor, not eight flats
    assert signature_fifths("E", None) == 4  # no mode: major
    with pytest.raises(ValueError, match="not a note name"):
        signature_fifths("H", "major")
    with pytest.raises(ValueError, match="not a note name"):
        signature_fifths("Cx", "minor")
