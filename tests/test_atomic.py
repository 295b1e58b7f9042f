import pytest

from partita.atomic import atomic_path, atomic_write_text


def test_atomic_write_replaces_whole_file(tmp_path):
    p = tmp_path / "a" / "f.txt"
    atomic_write_text(p, "one")
    atomic_write_text(p, "two")
    assert p.read_text() == "two"
    assert [x.name for x in p.parent.iterdir()] == ["f.txt"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(p) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert p.read_text() == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["f.txt"]


def test_a_safetensors_file_written_atomically_gets_the_usual_permissions(tmp_path):
    import stat

    import torch
    from safetensors.torch import save_file

    from partita.atomic import _UMASK, atomic_path

    target = tmp_path / "w.safetensors"
    with atomic_path(target) as tmp:
        save_file({"a": torch.zeros(2)}, str(tmp))  # safetensors replaces the file itself, as 0600
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_UMASK
