"""Shared fixtures: the built `wsss` CLI and the synthetic sample it writes (`wsss demo --generate-only`).

The parity tests compare the package with the CLI on the same files, so they need the CLI: `dotnet build` (or the
README's test command, which builds it first) puts it at src/WsssGpuRefine.Cli/bin/Release/net10.0/wsss.dll;
WSSS_CLI may name another `wsss` executable or wsss.dll. A missing CLI fails the tests, never skips them.
"""

import json
import os
import subprocess

import numpy as np
import pytest

import wsss_refine as wr

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def _cli_command():
    explicit = os.environ.get("WSSS_CLI")
    path = explicit or os.path.join(ROOT, "src", "WsssGpuRefine.Cli", "bin", "Release", "net10.0", "wsss.dll")
    if not os.path.exists(path):
        pytest.fail(f"the wsss CLI is not built ({path}); run `dotnet build WsssGpuRefine.sln -c Release` first")
    return ["dotnet", path] if path.endswith(".dll") else [path]


class Cli:
    def __init__(self):
        self.command = _cli_command()

    def run(self, *args, check=True):
        result = subprocess.run(self.command + [str(a) for a in args], capture_output=True, text=True, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"wsss {' '.join(map(str, args))} failed:\n{result.stderr}")
        return result

    def json(self, *args):
        out = args[-1]
        self.run(*args)
        with open(out) as f:
            return json.load(f)


def read_ids(path):
    """One id per line, or PSA-style lines `/JPEGImages/ID.jpg /SegmentationClassAug/ID.png`."""
    return [os.path.splitext(os.path.basename(line.split()[0]))[0] for line in open(path) if line.strip()]


class Sample:
    def __init__(self, root):
        self.root = root
        self.images = os.path.join(root, "JPEGImages")
        self.gt = os.path.join(root, "SegmentationClass")
        self.irn = os.path.join(root, "cams_irn")
        self.psa = os.path.join(root, "cams_psa")
        self.list = os.path.join(root, "train.txt")
        self.psa_list = os.path.join(root, "train_psa.txt")
        self.ids = read_ids(self.list)
        self.psa_ids = read_ids(self.psa_list)

    def image(self, i):
        return wr.read_image(os.path.join(self.images, i + ".jpg"))

    def gt_of(self, i):
        return wr.read_labels(os.path.join(self.gt, i + ".png"))

    def present(self, i):
        """0-based foreground classes in the ground truth, as the CLI names PSA dict channels."""
        values = np.unique(self.gt_of(i))
        return [int(v) - 1 for v in values if 0 < v < 255]


@pytest.fixture(scope="session")
def cli():
    return Cli()


@pytest.fixture(scope="session")
def sample(cli, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("demo"))
    cli.run("demo", "--generate-only", "--out", root)
    return Sample(root)


@pytest.fixture(scope="session")
def engine():
    with wr.Engine("cpu") as e:
        yield e
