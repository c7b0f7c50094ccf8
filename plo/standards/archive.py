"""The published archive (a checkout of oslokommune/sarepta-standarder, a mirror of
Direktoratet for e-helse's Sarepta) as the vendoring scripts read it: at its HEAD, by git."""

import subprocess
from pathlib import Path

REPOSITORY = "https://github.com/oslokommune/sarepta-standarder"


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args],  # noqa: S603, S607 - the operator's checkout
                          check=True, capture_output=True).stdout


def commit(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").decode().strip()


def published(repo: Path, path: str) -> bytes:
    return git(repo, "show", f"HEAD:{path}")


def exists(repo: Path, path: str) -> bool:
    try:
        git(repo, "cat-file", "-e", f"HEAD:{path}")
    except subprocess.CalledProcessError:
        return False
    return True


def files(repo: Path, folder: str) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", "HEAD", folder).decode().split()
