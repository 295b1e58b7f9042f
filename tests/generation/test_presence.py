import torch

from partita.generation.rules.presence import PresencePull

# ids as BPE would merge them (base tokens each)
_IDS = [
    ["Bar_None"],
    ["Position_0", "Program_0"],  # the piano names itself
    ["Program_24"],  # the guitar
    ["Pitch_60", "Velocity_79", "Duration_1.0.8"],
    ["Duration_1.0.8", "Bar_None", "Position_0", "Program_24"],  # a bar line, then the guitar
    ["Program_40"],  # a program not asked for
]


def test_a_program_quiet_for_a_whole_bar_is_pulled_back():
    pull = PresencePull(_IDS, [0, 24, -1], weight=2.0)  # drums (-1) are not pulled
    assert pull.active and pull.programs == [0, 24]
    row = pull.start()
    for t in (0, 1, 3):  # bar 1: the piano plays, the guitar not yet (the entry rule's business)
        pull.advance(row, t)
    assert pull.bonus(row, 6) is None
    pull.advance(row, 0)  # bar 2: the guitar has now missed a whole bar
    assert pull.bonus(row, 6).tolist() == [0.0, 0.0, 2.0, 0.0, 2.0, 0.0]
    pull.advance(row, 2)  # it plays: no pull for it in this bar or the next
    assert pull.bonus(row, 6) is None
    pull.advance(row, 0)  # bar 3: the piano, which did not play in bar 2, now has
    assert pull.bonus(row, 6).tolist() == [0.0, 2.0, 0.0, 0.0, 0.0, 0.0]
    pull.advance(row, 1)
    assert pull.bonus(row, 6) is None
    for t in (3, 0, 1, 3):  # bar 4: only the piano
        pull.advance(row, t)
    assert pull.bonus(row, 6)[2] == 2.0 and pull.bonus(row, 6)[1] == 0.0
    pull.advance(row, 4)  # an id that opens bar 5 with the guitar counts it in bar 5
    assert row["last"] == [4, 5] and pull.bonus(row, 6) is None


def test_one_program_or_no_weight_is_no_pull():
    assert not PresencePull(_IDS, [0], weight=2.0).active
    assert not PresencePull(_IDS, [0, 24], weight=0.0).active
    pull = PresencePull(_IDS, [0, 24], weight=2.0)
    assert pull.bonus(pull.start(), 6) is None
    assert torch.is_tensor(PresencePull(_IDS, [0, 24], weight=1.0).names)
