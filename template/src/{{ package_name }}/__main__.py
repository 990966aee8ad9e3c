"""`python -m <package>`: the command line in `cli` (`serve` by default, `--help` lists all)."""

from .cli import main

if __name__ == "__main__":
    main(prog=f"python -m {__package__}")
