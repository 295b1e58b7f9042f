"""adapt() takes the names the other training functions take (``resume_from=``, ``save_to=``,
``checkpoint_every=``); its older ``state=``, ``checkpoint=``, ``every=`` still work, with a
DeprecationWarning, and give the same run; both names at once, or a folder without a state to resume, are
one clear error."""

from __future__ import annotations

import warnings

import pytest
from tests.training.stops import stop_at
from tests.training.test_encoder_interrupt import PIECES, _model, _same

from partita.models.encoder import MusicEncoder
from partita.training.adversarial_mask import MaskerState, load_masker
from partita.training.culture import AdaptConfig, adapt, save_adapted
from partita.training.interrupt import TrainingInterrupted
from partita.training.train_state import TrainState, load_train_state

pytestmark = pytest.mark.usefixtures("one_thread")

DATA = {"china": PIECES}
CONFIG = AdaptConfig(steps=5, lr=3e-3, warmup=2, batch_size=4, masking="adversarial")
CONFIG.adversarial = {"book_after": 1, "book_rate": 0.9}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # those not asserted by pytest.warns
def test_the_new_names_warn_nothing_and_the_old_ones_warn_and_do_the_same(tmp_path):
    new, state = _model(), TrainState()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(TrainingInterrupted):
            adapt(
                new, DATA, CONFIG, stop_at(3), resume_from=state, save_to=tmp_path / "new", checkpoint_every=2
            )
        adapt(new, DATA, CONFIG, resume_from=tmp_path / "new")

    old, state, masker = _model(), TrainState(), MaskerState()
    folder = tmp_path / "old"

    def save():
        return save_adapted(old, folder, CONFIG, masker=masker, state=state)

    warned = pytest.warns(DeprecationWarning, match=r"adapt\(state=\) is now adapt\(resume_from=\)")
    with warned, pytest.raises(TrainingInterrupted):
        adapt(old, DATA, CONFIG, stop_at(3), masker, state, save, 2)  # positional, as the CLI called it
    assert load_train_state(folder).step == 3 and masker.step == 3
    with pytest.warns(DeprecationWarning, match=r"adapt\(every=\) is now adapt\(checkpoint_every=\)"):
        adapt(old, DATA, CONFIG, masker=masker, state=state, checkpoint=save, every=2)
    _same(old, new)
    assert state.losses == load_train_state(tmp_path / "new").losses
    assert masker.updates == load_masker(tmp_path / "new").updates > 0


def test_both_names_or_no_state_to_resume_are_one_error(tmp_path):
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match=r"give resume_from= only"):
        adapt(_model(), DATA, CONFIG, state=TrainState(), resume_from=TrainState())
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match=r"give save_to= only"):
        adapt(_model(), DATA, CONFIG, checkpoint=lambda: None, save_to=tmp_path)
    _model().save_pretrained(tmp_path / "bare")
    with pytest.raises(ValueError, match=r"bare: no training state to resume"):
        adapt(_model(), DATA, CONFIG, resume_from=tmp_path / "bare")
    wide = MusicEncoder(_model().config.__class__(**{**_model().config.to_dict(), "d_model": 48}))
    adapt(_model(), DATA, AdaptConfig(steps=2, batch_size=2), save_to=tmp_path / "done")
    with pytest.raises(ValueError, match=r"done: the saved weights do not fit this model"):
        adapt(wide, DATA, AdaptConfig(steps=2, batch_size=2), resume_from=tmp_path / "done")
