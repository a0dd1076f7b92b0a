"""``python -m orgsim``: the same as the ``orgsim`` command."""

from orgsim.cli import main

if __name__ == "__main__":
    main()
