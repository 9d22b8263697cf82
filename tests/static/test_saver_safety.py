"""The Saver never loses or mixes data: it deletes only files it made, keeps whatever any
index names, treats a trailing '/' as TF1 does, saves safely from threads, processes and
through kill -9, and refuses every tampered checkpoint before changing a variable.

Each test is a regression test for one finding of issue #11."""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

import dualgrad
import dualgrad.static as ds
from dualgrad.errors import CheckpointError, MissingCheckpointError
from dualgrad.static import saver as saver_module
from dualgrad.static.saver import read_checkpoint

OURS = {".dualgrad-checkpoint.lock", ".dualgrad-checkpoint.owned", "checkpoint"}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(dualgrad.__file__)))


class Model:
    """Two variables that every update sets to one value, so a checkpoint that mixes two
    saves is visible: w == b everywhere in a consistent one."""

    def __init__(self, size: int = 16):
        self.graph = ds.Graph()
        with self.graph.as_default():
            self.w = ds.Variable(np.zeros(size, np.float32), name="w")
            self.b = ds.Variable(np.float32(0), name="b")
            self.v = ds.placeholder(ds.float32, shape=(), name="v")
            self.set_both = [self.w.assign(ds.ones([size]) * self.v), self.b.assign(self.v)]
            self.init = ds.global_variables_initializer()
            self.saver = ds.train.Saver([self.w, self.b])

    def session(self):
        sess = ds.Session(graph=self.graph, backend="numpy")
        sess.run(self.init)
        return sess

    def set(self, sess, value: float) -> None:
        sess.run(self.set_both, {self.v: value})

    def value(self, sess) -> float:
        w, b = sess.run([self.w, self.b])
        assert np.all(w == b), (w, b)
        return float(b)


def consistent_value(prefix: str) -> float:
    arrays = read_checkpoint(prefix)
    assert np.all(arrays["w"] == arrays["b"]), arrays
    return float(arrays["b"])


def data_file(prefix: str) -> str:
    return json.load(open(prefix + ".index.json"))["data_file"]


def assert_clean(directory, prefixes) -> None:
    """Only our bookkeeping files and each prefix's index and data file are left."""
    expected = set(OURS)
    for p in prefixes:
        expected |= {os.path.basename(p) + ".index.json", data_file(p)}
    assert set(os.listdir(directory)) == expected


def rewrite_index(prefix: str, mutate) -> None:
    """Edit an index the way a deliberate attacker would: change it, then recompute its
    self-digest (written here from the documented format, not with dualgrad's code)."""
    index = json.load(open(prefix + ".index.json"))
    body = {k: v for k, v in index.items() if k != "index_sha256"}
    mutate(body)
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    body["index_sha256"] = hashlib.sha256(b"dualgrad-index\0" + text).hexdigest()
    with open(prefix + ".index.json", "w") as f:
        json.dump(body, f)


# -- deleting only our own files -------------------------------------------------------------

def test_an_index_naming_a_foreign_file_never_gets_it_deleted(tmp_path):
    m = Model()
    source = tmp_path / "source.py"
    source.write_text("print('precious')\n")
    lookalike = tmp_path / "model.0123456789abcdef.safetensors"  # our pattern, not our file
    lookalike.write_bytes(b"user data")
    for name in ("source.py", lookalike.name):
        (tmp_path / "model.index.json").write_text(json.dumps(
            {"format": "dualgrad-checkpoint", "version": 2, "data_file": name}))
        with m.session() as sess:
            with pytest.raises(CheckpointError, match="model.index.json"):
                m.saver.restore(sess, str(tmp_path / "model"))
            m.set(sess, 3.0)
            m.saver.save(sess, str(tmp_path / "model"))
            m.saver.save(sess, str(tmp_path / "model"))
    assert source.read_text() == "print('precious')\n"
    assert lookalike.read_bytes() == b"user data"
    assert consistent_value(str(tmp_path / "model")) == 3.0


def test_a_copied_index_keeps_its_checkpoint(tmp_path):
    m = Model()
    prefix = str(tmp_path / "model")
    with m.session() as sess:
        m.set(sess, 1.0)
        m.saver.save(sess, prefix)
        shutil.copy(prefix + ".index.json", tmp_path / "best.index.json")
        for value in (2.0, 3.0, 4.0):
            m.set(sess, value)
            m.saver.save(sess, prefix)
        assert consistent_value(str(tmp_path / "best")) == 1.0
        assert consistent_value(prefix) == 4.0
        # once no index names it any more, the next save collects the old data file
        os.remove(tmp_path / "best.index.json")
        m.saver.save(sess, prefix)
    assert_clean(tmp_path, [prefix])


def test_max_to_keep_deletes_only_checkpoints_it_wrote(tmp_path):
    m = Model()
    m.saver.max_to_keep = 1
    with m.session() as sess:
        m.set(sess, 1.0)
        m.saver.save(sess, str(tmp_path / "m"), global_step=1)
        # the user replaces m-1's index with a copy of their own: it is no longer ours
        shutil.copy(tmp_path / "m-1.index.json", tmp_path / "keep.index.json")
        os.replace(tmp_path / "keep.index.json", tmp_path / "m-1.index.json")
        m.set(sess, 2.0)
        m.saver.save(sess, str(tmp_path / "m"), global_step=2)
        m.saver.save(sess, str(tmp_path / "m"), global_step=3)
    assert consistent_value(str(tmp_path / "m-1")) == 1.0
    assert not (tmp_path / "m-2.index.json").exists()
    assert m.saver.last_checkpoints == [str(tmp_path / "m-3")]
    assert_clean(tmp_path, [str(tmp_path / "m-1"), str(tmp_path / "m-3")])


def test_a_trailing_slash_writes_everything_inside_the_directory(tmp_path):
    """TF1 splits a save path with os.path.dirname: 'ckpt/' is the prefix '' in 'ckpt', so
    its files are 'ckpt/.index.json' and 'ckpt/.<hex>.safetensors', and 'ckpt/checkpoint'."""
    m = Model()
    directory = tmp_path / "ckpt"
    with m.session() as sess:
        m.set(sess, 5.0)
        assert m.saver.save(sess, str(directory) + "/") == str(directory) + "/"
        m.saver.save(sess, str(directory) + "/")
        assert os.listdir(tmp_path) == ["ckpt"]
        assert data_file(str(directory) + "/").startswith(".")
        assert ds.train.latest_checkpoint(str(directory)) == str(directory) + "/"
        m.set(sess, 0.0)
        m.saver.restore(sess, ds.train.latest_checkpoint(str(directory)))
        assert m.value(sess) == 5.0
    assert_clean(directory, [str(directory) + "/"])


# -- tampering: refused before any variable changes -------------------------------------------

def saved(tmp_path):
    m = Model()
    prefix = str(tmp_path / "model")
    with m.session() as sess:
        m.set(sess, np.float32(7.0))
        sess.run(m.w.assign(np.arange(16, dtype=np.float32)))  # w and b differ on purpose here
        m.saver.save(sess, prefix)
    return m, prefix


def assert_refused(m, prefix, pattern: str) -> None:
    with m.session() as sess:
        m.set(sess, -1.0)
        with pytest.raises(CheckpointError, match=pattern):
            m.saver.restore(sess, prefix)
        assert m.value(sess) == -1.0


def swap_names(body):
    a, b = body["variables"]
    a["name"], b["name"] = b["name"], a["name"]


def swap_name_and_shape(body):
    a, b = body["variables"]
    for key in ("name", "shape", "dtype"):
        a[key], b[key] = b[key], a[key]


@pytest.mark.parametrize("mutate, pattern", [
    (swap_names, "does not match its index|holds"),
    (swap_name_and_shape, "does not match its index"),
    (lambda body: body["variables"].append(dict(body["variables"][0])), "twice"),
    (lambda body: body.update(data_file=""), "not a checkpoint data file name"),
    (lambda body: body.update(data_file="../model.index.json"), "not a checkpoint data file name"),
    (lambda body: body.update(data_size=4 << 40), "truncated or was altered"),
])
def test_a_rewritten_index_is_refused(tmp_path, mutate, pattern):
    m, prefix = saved(tmp_path)
    rewrite_index(prefix, mutate)
    assert_refused(m, prefix, pattern)


def test_swapped_or_duplicated_index_entries_without_a_new_digest_are_refused(tmp_path):
    m, prefix = saved(tmp_path)
    text = open(prefix + ".index.json").read()
    swapped = text.replace('"name": "w"', '"name": "@"').replace('"name": "b"', '"name": "w"') \
        .replace('"name": "@"', '"name": "b"')
    assert swapped != text
    open(prefix + ".index.json", "w").write(swapped)
    assert_refused(m, prefix, "SHA-256 does not match its contents")


def test_a_single_bit_flip_of_the_index_is_refused(tmp_path):
    m, prefix = saved(tmp_path)
    pristine = open(prefix + ".index.json", "rb").read()
    for position in range(0, len(pristine), max(1, len(pristine) // 40)):
        flipped = bytearray(pristine)
        flipped[position] ^= 1 << (position % 8)
        open(prefix + ".index.json", "wb").write(bytes(flipped))
        assert_refused(m, prefix, "model.index.json")


def _replace_data(prefix: str, make) -> str:
    path = os.path.join(os.path.dirname(prefix), data_file(prefix))
    os.remove(path)
    make(path)
    return path


def _giant_header(path):
    with open(path, "wb") as f:
        f.write((4 << 40).to_bytes(8, "little") + b"{}")


def _giant_tensor(path):
    header = json.dumps({"w": {"dtype": "F32", "shape": [1 << 40], "data_offsets": [0, 4 << 40]}})
    with open(path, "wb") as f:
        f.write(len(header).to_bytes(8, "little") + header.encode())


def _zip_bomb(path):
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a0.npy", b"\0" * (8 << 20))


@pytest.mark.parametrize("make, pattern", [
    (os.mkfifo, "is a FIFO"),
    (os.mkdir, "is a directory"),
    (lambda path: os.symlink("/dev/zero", path), "symbolic link"),
    (_giant_header, "truncated or was altered"),
    (_giant_tensor, "truncated or was altered"),
    (_zip_bomb, "truncated or was altered"),
])
def test_a_hostile_data_file_is_refused_without_hanging_or_allocating(tmp_path, make, pattern):
    m, prefix = saved(tmp_path)
    _replace_data(prefix, make)
    done = []

    def attempt():
        assert_refused(m, prefix, pattern)
        done.append(True)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)
    assert done, "restore blocked or failed"


def test_hostile_files_with_matching_sizes_are_refused_by_the_reader(tmp_path):
    """With the index's size and digest rewritten to match, the container's own checks still
    refuse a 4 TB declaration and a header nested 100,000 deep."""
    m, prefix = saved(tmp_path)
    for make, pattern in ((_giant_header, "header declares"), (_giant_tensor, "tensors hold"),
                          (None, "nested")):
        path = os.path.join(tmp_path, data_file(prefix))
        if make:
            make(path)
        else:
            header = b"{" + b'"a":[' * 100_000
            with open(path, "wb") as f:
                f.write(len(header).to_bytes(8, "little") + header)
        data = open(path, "rb").read()
        rewrite_index(prefix, lambda body, data=data: body.update(
            data_size=len(data), data_sha256=hashlib.sha256(data).hexdigest()))
        assert_refused(m, prefix, pattern)


def test_an_index_nested_100000_deep_is_a_checkpoint_error(tmp_path):
    m, prefix = saved(tmp_path)
    open(prefix + ".index.json", "w").write("[" * 100_000 + "]" * 100_000)
    assert_refused(m, prefix, "nested 100000 deep")


def test_a_symlinked_or_fifo_index_is_refused(tmp_path):
    m, prefix = saved(tmp_path)
    os.replace(prefix + ".index.json", tmp_path / "real.json")
    os.symlink(tmp_path / "real.json", prefix + ".index.json")
    assert_refused(m, prefix, "symbolic link")
    os.remove(prefix + ".index.json")
    os.mkfifo(prefix + ".index.json")
    assert_refused(m, prefix, "is a FIFO")


# -- concurrency -----------------------------------------------------------------------------

def test_threads_saving_one_prefix_while_values_change(tmp_path):
    """Two threads alternate values and save to one prefix while a third restores; every
    restore sees one whole save and the final checkpoint is the last one written."""
    m = Model(size=4096)
    prefix = str(tmp_path / "model")
    errors, restored = [], []
    for round_ in range(5):
        stop = threading.Event()

        def saver(who, round_=round_):
            try:
                with m.session() as sess:
                    saver = ds.train.Saver([m.w, m.b])
                    for i in range(6):
                        m.set(sess, 1000 * round_ + 100 * who + i)
                        saver.save(sess, prefix)
            except Exception as e:  # noqa: BLE001 (collected and asserted on below)
                errors.append(repr(e))

        def restorer(stop=stop):
            while not stop.is_set():
                try:
                    restored.append(consistent_value(prefix))
                except CheckpointError as e:
                    if "no checkpoint" not in str(e):
                        errors.append(repr(e))
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))

        threads = [threading.Thread(target=saver, args=(who,)) for who in (1, 2)]
        reader = threading.Thread(target=restorer)
        reader.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        reader.join()
        assert not errors, errors
        final = consistent_value(prefix)
        assert final in (1000 * round_ + 105, 1000 * round_ + 205)
        assert_clean(tmp_path, [prefix])
    assert restored


def test_a_restore_racing_the_first_save_reads_again_under_its_lock(tmp_path, monkeypatch):
    """Before any save a directory has no lock file, so a restore reads it unlocked; the first
    save can land between that check and the read. The restore then reads again under the
    save's lock and sees that whole save, not "no such file" (the flake this thread test had)."""
    m = Model(size=16)
    prefix = str(tmp_path / "model")
    real_read = saver_module.read_small_file

    def first_save_lands_now(path, *args, **kwargs):
        monkeypatch.setattr(saver_module, "read_small_file", real_read)
        with m.session() as sess:
            m.set(sess, 7.0)
            ds.train.Saver([m.w, m.b]).save(sess, prefix)
        raise MissingCheckpointError(f"{path}: no such file")  # what the unlocked read had found

    monkeypatch.setattr(saver_module, "read_small_file", first_save_lands_now)
    assert consistent_value(prefix) == 7.0


def test_a_missing_checkpoint_under_the_lock_is_no_checkpoint(tmp_path):
    m = Model(size=16)
    prefix = str(tmp_path / "model")
    with m.session() as sess:
        ds.train.Saver([m.w, m.b]).save(sess, prefix)
    with pytest.raises(CheckpointError, match="no checkpoint at .*other.index.json is missing"):
        read_checkpoint(str(tmp_path / "other"))


CHILD = r"""
import os, sys, time
import numpy as np
import dualgrad.static as ds
prefix, who, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pause_before = sys.argv[5] if len(sys.argv) > 5 else ""
real_replace = os.replace

def replace(src, dst):
    # the second save stops just before renaming into `pause_before` (to be killed there)
    if pause_before and i == 1 and os.path.basename(dst) == pause_before:
        print("paused", flush=True)
        time.sleep(600)
    return real_replace(src, dst)

os.replace = replace
w = ds.Variable(np.zeros(size, np.float32), name="w")
b = ds.Variable(np.float32(0), name="b")
v = ds.placeholder(ds.float32, shape=())
set_both = [w.assign(ds.ones([size]) * v), b.assign(v)]
saver = ds.train.Saver([w, b])
with ds.Session(backend="numpy") as sess:
    sess.run(ds.global_variables_initializer())
    if os.environ.get("GO_FILE"):  # start saving together with the other process
        print("ready", flush=True)
        while not os.path.exists(os.environ["GO_FILE"]):
            time.sleep(0.005)
    i = 0
    while count < 0 or i < count:
        sess.run(set_both, {v: who * 1000 + i})
        saver.save(sess, prefix)
        i += 1
        if i == 1:
            print("saved", flush=True)
"""


def _child(prefix: str, who: int, count: int, size: int, pause_before: str = "",
           go_file: str = "") -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
               GO_FILE=go_file)
    args = [prefix, str(who), str(count), str(size)] + ([pause_before] if pause_before else [])
    return subprocess.Popen([sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True)


def test_two_processes_saving_one_prefix(tmp_path):
    prefix = str(tmp_path / "ckpt" / "model")
    go = str(tmp_path / "go")
    children = [_child(prefix, who, 15, 4096, go_file=go) for who in (1, 2)]
    for c in children:
        assert c.stdout.readline() == "ready\n", c.stderr.read()
    open(go, "w").close()
    errors = []
    while any(c.poll() is None for c in children):
        try:
            consistent_value(prefix)  # each restore sees one whole save
        except CheckpointError as e:
            if "no checkpoint" not in str(e):
                errors.append(str(e))
    outputs = [c.communicate() for c in children]
    assert [c.returncode for c in children] == [0, 0], outputs
    assert not errors, errors
    assert consistent_value(prefix) in (1014.0, 2014.0)
    assert_clean(tmp_path / "ckpt", [prefix])


@pytest.mark.parametrize("pause_before, survivor", [
    ("model.index.json", 1000.0),  # killed with the data file and both temporaries written
    ("checkpoint", 1001.0),  # killed after the commit, before the 'latest' pointer moved
    ("", None),  # killed at a random moment of a stream of saves
])
def test_kill_9_during_a_save_keeps_a_whole_checkpoint_and_the_next_save_cleans_up(
        tmp_path, pause_before, survivor):
    prefix = str(tmp_path / "model")
    child = _child(prefix, 1, -1, 1 << 16, pause_before)
    assert child.stdout.readline() == "saved\n", child.stderr.read()
    if pause_before:
        assert child.stdout.readline() == "paused\n", child.stderr.read()
    else:
        threading.Event().wait(random.Random(11).uniform(0.01, 0.2))
    child.send_signal(signal.SIGKILL)
    child.communicate()
    before = consistent_value(prefix)  # a whole checkpoint survived
    if survivor is not None:
        assert before == survivor
        leftovers = [n for n in os.listdir(tmp_path) if n.endswith(".dgtmp")]
        assert leftovers, os.listdir(tmp_path)
    m = Model(size=1 << 16)
    with m.session() as sess:
        m.saver.restore(sess, prefix)
        assert m.value(sess) == before
        m.saver.save(sess, prefix)
    assert consistent_value(prefix) == before
    assert_clean(tmp_path, [prefix])


def test_an_index_that_hides_its_data_file_name_in_json_escapes_still_keeps_it(tmp_path):
    m = Model()
    prefix = str(tmp_path / "model")
    with m.session() as sess:
        m.set(sess, 1.0)
        m.saver.save(sess, prefix)
        escaped = open(prefix + ".index.json").read().replace(
            data_file(prefix), "".join(f"\\u{ord(c):04x}" for c in data_file(prefix)))
        open(tmp_path / "best.index.json", "w").write(escaped)
        m.set(sess, 2.0)
        m.saver.save(sess, prefix)
    assert consistent_value(str(tmp_path / "best")) == 1.0
