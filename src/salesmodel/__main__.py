"""``python -m salesmodel``: the demo and the CSV report (see ``salesmodel._cli``)."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
