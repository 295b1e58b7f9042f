from partita.generation.rules.unisons import UnisonGuard

_IDS = [
    ["Program_0"],
    ["Program_32"],
    ["Pitch_40"],
    ["Pitch_43"],
    ["Program_32", "Pitch_40"],
    ["Position_4"],
    ["Duration_1.0.8", "Position_8", "Program_32", "Pitch_40"],  # a new onset first: never banned here
]


def _after(guard, ids):
    row = guard.start()
    for i in ids:
        guard.advance(row, i)
    return row


def test_a_pitch_is_not_started_twice_by_one_program_at_one_onset():
    g = UnisonGuard(_IDS)
    row = _after(g, [1, 2])  # bass starts E2
    bad = g.bad(row, len(_IDS)).tolist()
    assert bad == [False, False, True, False, True, False, False]
    assert g.bad(_after(g, [1, 2, 0]), len(_IDS)).tolist()[2] is False  # piano may double the bass's E
    assert g.bad(_after(g, [1, 2, 5]), len(_IDS)) is None  # a new position: a new onset


def test_a_monophonic_program_starts_one_note_at_a_time():
    g = UnisonGuard(_IDS, monophonic=[32])
    bad = g.bad(_after(g, [1, 2]), len(_IDS)).tolist()
    assert bad == [
        False,
        True,
        True,
        True,
        True,
        False,
        False,
    ]  # no other bass note, nor naming the bass again
    assert not g.bad(_after(g, [0, 2]), len(_IDS)).tolist()[3]  # the piano is not monophonic
