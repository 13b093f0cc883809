"""The command line's front door: help, argument and data errors, GUI dispatch. No TensorFlow."""

from __future__ import annotations

import os
import subprocess
import sys
import types
import warnings
from pathlib import Path

import pytest

from kmeans_gui import cli
from kmeans_gui.cli import arguments, cluster, fitting

REPO = Path(__file__).resolve().parents[2]

TABLE = "name,x,y\na,1.0,2.0\nb,1.5,1.8\nc,5.0,8.0\nd,8.0,8.0\ne,1.0,0.6\nf,,11.0\n"


@pytest.fixture
def table_csv(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(TABLE)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def error_line(err: str) -> str:
    """The one 'error: ...' line, which must come last (warnings may precede it)."""
    lines = err.splitlines()
    assert "Traceback" not in err
    assert [line for line in lines if line.startswith("error:")] == lines[-1:], err
    return lines[-1]


def test_help_lists_the_commands(capsys) -> None:
    code, out, err = run(["--help"], capsys)
    assert code == 0 and err == ""
    assert "kmeans-gui cluster FILE -k K" in out
    assert "sweep" in out


def test_cluster_help_lists_every_option(capsys) -> None:
    code, out, _ = run(["cluster", "--help"], capsys)
    assert code == 0
    for option in (
        "--columns",
        "--init",
        "--n-init",
        "--tol",
        "--max-iter",
        "--seed",
        "--scale",
        "--device",
        "--out",
        "--centroids-out",
        "--json",
        "--weight-column",
        "--algorithm",
        "--metric",
        "--batch-size",
        "--learning-rate",
        "--optimizer",
        "--max-candidates",
        "--missing",
        "--refine",
        "--refine-budget",
    ):
        assert option in out


def test_version(capsys) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("kmeans-gui 0.")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cluster", "t.csv"], "error: the following arguments are required: -k/--k/--n-clusters"),
        (["cluster", "t.csv", "-k", "0"], "error: argument -k/--k/--n-clusters: must be a whole"),
        (["cluster", "t.csv", "-k", "two"], "error: argument -k/--k/--n-clusters: must be a whole"),
        (["cluster", "t.csv", "-k", "2", "--tol", "-1"], "error: argument --tol: must be zero or"),
        (
            ["cluster", "t.csv", "-k", "2", "--scale", "log"],
            "error: argument --scale: invalid choice",
        ),
        (["cluster", "t.csv", "-k", "2", "--bogus"], "error: unrecognized arguments: --bogus"),
        (["sweep", "t.csv", "--k", "5:2"], "error: argument -k/--k: '5:2' is not a range of k"),
        (["sweep", "t.csv", "--k", "0:3"], "error: argument -k/--k: every k must be at least 1"),
        (["-k", "-3"], "error: argument -k/--k: must be a whole number of at least 1, not -3"),
        (
            ["cluster", "t.csv", "-k", "2", "--refine-budget", "3x"],
            "error: argument --refine-budget: must be a number of swap trials such as 500",
        ),
        (["cluster", "t.csv", "-k", "2", "--refine", "on"], "error: argument --refine: invalid"),
        (
            ["sweep", "t.csv", "--k", "2:3", "--init", "kmeans++"],
            "error: argument --init: 'kmeans++' is not an initialiser; did you mean 'k-means++'?",
        ),
    ],
)
def test_argument_errors_are_one_line_exit_2(capsys, argv, message) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--columns", "name"], "error: The column 'name' holds text, not numbers (row 1 is 'a')"),
        (["--columns", "x,z"], "error: There is no column named 'z'"),
        (["-k", "6"], "error: k = 6 is larger than the 5 usable rows (1 of 6 rows were left out"),
        (["--weight-column", "name"], "error: The weight column 'name' holds text"),
        (["--out", "o.foo"], "error: Cannot tell the export format of 'o.foo'"),
        (["--out", "nowhere/o.csv"], "error: Cannot write o.csv: the folder"),
        (["--init", "missing.csv"], "error: No such file: missing.csv."),
    ],
)
def test_data_errors_are_one_line_exit_2_and_write_nothing(
    capsys, table_csv, monkeypatch, extra, message
) -> None:
    monkeypatch.chdir(table_csv.parent)
    argv = ["cluster", "t.csv", "--out", "labelled.csv", "-k", "2", *extra]  # last one wins
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert error_line(err).startswith(message)
    assert sorted(p.name for p in table_csv.parent.iterdir()) == ["t.csv"]


def test_output_over_the_input_is_refused(capsys, table_csv) -> None:
    code, _, err = run(["cluster", str(table_csv), "-k", "2", "--out", str(table_csv)], capsys)
    assert code == 2
    assert error_line(err) == (
        f"error: {table_csv} is the input file; choose another output name so the input is kept."
    )
    assert table_csv.read_text() == TABLE


@pytest.mark.parametrize(
    ("init", "message"),
    [
        ("x,y\n1,2\n", "error: The initial-centroids file init.csv has 1 row(s) but k is 2;"),
        ("x,q\n1,2\n3,4\n", "error: The initial-centroids file init.csv has no column 'y';"),
        (
            "x,y\n1,2\n3,\n",
            "error: The initial-centroids file init.csv has a missing or non-finite",
        ),
        (
            "x,y\n1,2\n3,abc\n",
            "error: In the initial-centroids file init.csv, the column 'y' holds text, not "
            "numbers (row 2 is 'abc')",
        ),
    ],
)
def test_bad_init_files(capsys, table_csv, init, message) -> None:
    init_path = table_csv.parent / "init.csv"
    init_path.write_text(init)
    code, _, err = run(["cluster", str(table_csv), "-k", "2", "--init", str(init_path)], capsys)
    assert code == 2
    assert error_line(err).startswith(message)


def test_missing_file_and_folder(capsys, tmp_path) -> None:
    code, _, err = run(["cluster", str(tmp_path / "no.csv"), "-k", "2"], capsys)
    assert (code, err) == (2, f"error: No such file: {tmp_path / 'no.csv'}.\n")
    code, _, err = run(["cluster", str(tmp_path), "-k", "2"], capsys)
    assert code == 2 and "is a folder, not a file" in err
    code, _, err = run([str(tmp_path / "no.csv")], capsys)
    assert (code, err) == (2, f"error: No such file: {tmp_path / 'no.csv'}.\n")


@pytest.fixture
def fake_gui(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    module = types.ModuleType("kmeans_gui.app.main")

    def run_app(path, screenshot=None, k=None) -> int:
        calls.append((path, screenshot, k))
        return 0

    module.run_app = run_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kmeans_gui.app.main", module)
    return calls


def test_no_arguments_opens_the_gui(fake_gui) -> None:
    assert cli.main([]) == 0
    assert fake_gui == [(None, None, None)]


def test_a_file_opens_the_gui_on_it(fake_gui, table_csv) -> None:
    assert cli.main([str(table_csv), "-k", "4"]) == 0
    assert fake_gui == [(str(table_csv), None, 4)]


def test_screenshot_is_forwarded(fake_gui, table_csv, tmp_path) -> None:
    shot = str(tmp_path / "shot.png")
    assert cli.main(["--screenshot", shot, str(table_csv), "-k", "3"]) == 0
    assert fake_gui == [(str(table_csv), shot, 3)]


def test_gui_that_cannot_import_is_one_line_exit_1(capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "kmeans_gui.app.main", None)  # import raises ImportError
    code, _, err = run([], capsys)
    assert code == 1
    assert err.startswith("error: the GUI cannot start (")
    assert err.count("\n") == 1


def test_argument_and_data_errors_never_import_tensorflow(table_csv) -> None:
    code = (
        "import sys; from kmeans_gui.cli import main; "
        f"codes = [main(['cluster', {str(table_csv)!r}, '-k', '99']), main(['--help'])]; "
        "print(codes, 'tensorflow' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip().endswith("[2, 0] False")


def test_unexpected_errors_are_one_line_exit_1(capsys, table_csv, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the loader\nbroke")

    monkeypatch.setattr(fitting, "load_table", broken)
    monkeypatch.delenv("KMEANS_GUI_DEBUG", raising=False)
    code, out, err = run(["cluster", str(table_csv), "-k", "2"], capsys)
    assert (code, out) == (1, "")
    assert err == "error: internal error: RuntimeError: the loader broke\n"


@pytest.mark.parametrize("how", ["--debug", "KMEANS_GUI_DEBUG=1"])
def test_debug_shows_the_traceback_of_unexpected_errors(table_csv, monkeypatch, how) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the loader broke")

    monkeypatch.setattr(fitting, "load_table", broken)
    argv = ["cluster", str(table_csv), "-k", "2"]
    if how == "--debug":
        argv.append("--debug")
    else:
        monkeypatch.setenv("KMEANS_GUI_DEBUG", "1")
    with pytest.raises(RuntimeError, match="the loader broke"):
        cli.main(argv)


@pytest.mark.parametrize("command", [["cluster", "-k", "2"], ["sweep", "--k", "2:3"]])
def test_values_too_large_for_float32_name_the_column_and_the_remedy(
    capsys, tmp_path, command
) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("a,b,c\n1e39,1,2\n2e39,2,3\n3e39,5,1\n1,4,4\n")
    out = tmp_path / "o.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy overflow warning on the way
        argv = [command[0], str(path), *command[1:]]
        argv += ["--out", str(out)] if command[0] == "cluster" else []
        code, _, err = run(argv, capsys)
    assert code == 2
    assert error_line(err) == (
        "error: Column 'a' holds values too large for the engine's float32 arithmetic "
        "(up to 3e+39); rerun with --scale standard (or --scale minmax) to cluster them."
    )
    assert not out.exists()


@pytest.mark.parametrize("flag", ["--out", "--centroids-out"])
def test_an_output_folder_that_cannot_be_written_fails_before_the_fit(
    capsys, table_csv, tmp_path, monkeypatch, flag
) -> None:
    from kmeans_gui.data import export as export_module

    locked = tmp_path / "locked"
    locked.mkdir()
    real = export_module._temporary

    def refuse(target: Path) -> Path:
        if target.parent == locked:
            raise PermissionError(13, "Permission denied", str(target))
        return real(target)

    monkeypatch.setattr(export_module, "_temporary", refuse)  # as a read-only folder would
    monkeypatch.setattr(cluster, "load_engine", lambda: pytest.fail("the fit must not start"))
    code, _, err = run(["cluster", str(table_csv), "-k", "2", flag, str(locked / "o.csv")], capsys)
    assert code == 2
    assert error_line(err) == (
        f"error: Cannot write o.csv in {locked}: permission denied; "
        "choose a folder you can write to."
    )
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_output_folder_fails_before_the_fit(capsys, table_csv, tmp_path) -> None:
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = run(
            ["cluster", str(table_csv), "-k", "2", "--out", str(locked / "o.csv")], capsys
        )
    finally:
        locked.chmod(0o755)
    assert code == 2 and "permission denied" in error_line(err)


def test_init_typo_suggests_the_initialiser_before_loading_anything(capsys, table_csv) -> None:
    code, out, err = run(["cluster", str(table_csv), "-k", "2", "--init", "kmeans++"], capsys)
    assert (code, out) == (2, "")
    assert err.splitlines() == [  # no warning about the data first: nothing was loaded
        "error: argument --init: 'kmeans++' is neither an initialiser nor a file; "
        "did you mean 'k-means++'?"
    ]


def test_help_explains_learning_rate_max_candidates_and_distance_units(capsys) -> None:
    _, out, _ = run(["cluster", "--help"], capsys)
    text = " ".join(out.split())
    assert "--learning-rate LR gradient only" in text
    assert "minibatch has none" in text
    assert "--max-candidates N kmedoids only" in text
    assert "in the units the clustering ran in" in text


def test_max_candidates_reaches_the_engine(capsys, table_csv, monkeypatch) -> None:
    seen: dict[str, object] = {}

    class Stop(Exception):
        pass

    def fake_fit(engine, features, k, init, options, reporter):
        seen.update(options)
        raise Stop

    monkeypatch.setattr(cluster, "load_engine", lambda: None)
    monkeypatch.setattr(cluster, "fit", fake_fit)
    argv = ["cluster", str(table_csv), "-k", "2", "--algorithm", "kmedoids"]
    with pytest.raises(Stop):
        cluster.run_cluster(
            arguments.build_command_parser().parse_args([*argv, "--max-candidates", "50"])
        )
    assert seen["max_candidates"] == 50 and seen["algorithm"] == "kmedoids"
