"""partita.models.lora.copy_model: a concept's copy of a model the studio already watches."""

import threading

import torch

from partita.models.lora import copy_model
from partita.models.pretrained import debug_model


def test_a_model_with_a_thread_local_hook_copies_without_it():
    model = debug_model()
    model.tokenizer = object()
    calls = []

    class Watch:  # as the studio's Deadline: a bound method holding a thread-local
        def __init__(self):
            self.local = threading.local()

        def hook(self, module, args):
            calls.append(module)

    handle = model.register_forward_pre_hook(Watch().hook)
    copy = copy_model(model)  # copy.deepcopy(model) raises: cannot pickle '_thread._local'
    assert copy.tokenizer is model.tokenizer and not copy._forward_pre_hooks
    ids = torch.zeros((1, 4), dtype=torch.long)
    copy(ids)
    assert calls == []
    model(ids)
    assert calls == [model]
    handle.remove()
    with torch.no_grad():
        next(copy.parameters()).add_(1.0)
    assert not torch.equal(next(copy.parameters()), next(model.parameters()))
