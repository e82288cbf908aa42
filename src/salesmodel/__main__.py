"""``python -m salesmodel``: the demo and the CSV report (see ``salesmodel._cli``)."""

import sys

from ._cli import main

if __name__ == "__main__":
    # Text a terminal's encoding cannot show (a name in a Latin-1 console) is
    # printed as its escape rather than stopping the report.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.exit(main())
