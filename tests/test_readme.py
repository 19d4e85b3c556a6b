"""Every command the README shows, run as a user would paste it, prints what the README says."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples():
    text = (ROOT / "README.md").read_text()
    for block in BLOCK.findall(text):
        command, output = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    yield command, "\n".join(output)
                command, output = line[2:], []
            else:
                output.append(line)
        if command:
            yield command, "\n".join(output)


CASES = list(examples())


def test_readme_has_examples():
    assert len(CASES) >= 8


@pytest.mark.skipif(shutil.which("bptrace") is None, reason="the bptrace command is not installed")
@pytest.mark.parametrize("command,expected", CASES, ids=[c for c, _ in CASES])
def test_readme_command(command, expected):
    r = subprocess.run(command + " 2>&1", shell=True, cwd=ROOT, capture_output=True, text=True)
    assert r.stdout.rstrip("\n") == expected
